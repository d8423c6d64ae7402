/* Memory syscalls (interface/syscalls/mem.yaml). */
#include "mm/pmm.h"
#include "mm/vm.h"
#include "objects/device.h"
#include "obj/handle.h"
#include "objects/shm.h"
#include "proc/proc.h"
#include "sys/handles.h"
#include "syscall_table.h"
#include "user.h"

/* MAP_SHARED of a shared-memory object through a handle with `rights`. */
static long map_shm(uintptr_t addr, size_t len, uint32_t prot, uint32_t flags, struct kobject *o, uint32_t rights,
                    uint64_t offset)
{
    if (!(flags & WREN_MAP_SHARED))
        return -E_INVAL; /* its pages are the object's: a private copy is not offered */
    if (!(rights & WREN_RIGHT_MAP) || ((prot & WREN_PROT_WRITE) && !(rights & WREN_RIGHT_WRITE)) ||
        ((prot & (WREN_PROT_READ | WREN_PROT_EXEC)) && !(rights & WREN_RIGHT_READ)))
        return -E_ACCES;
    uint64_t size = shm_size(o), pages = ((uint64_t)len + PMM_PAGE_SIZE - 1) & ~(PMM_PAGE_SIZE - 1);
    if (len > size || pages > size || offset > size - pages)
        return -E_INVAL;
    uint32_t kind = (rights & WREN_RIGHT_WRITE) ? REGION_SHM : REGION_SHM_RO;
    return vm_map(user_vm(), addr, len, prot, flags & WREN_MAP_FIXED, kind, o, offset);
}

/* MAP_SHARED of a device's registers (objects/device.h): Device memory, never executable. */
static long map_device(uintptr_t addr, size_t len, uint32_t prot, uint32_t flags, struct kobject *o, uint32_t rights,
                       uint64_t offset)
{
    if (!(flags & WREN_MAP_SHARED))
        return -E_INVAL; /* a private copy of registers means nothing */
    if (!(rights & WREN_RIGHT_MAP) || (prot & WREN_PROT_EXEC) ||
        ((prot & WREN_PROT_WRITE) && !(rights & WREN_RIGHT_WRITE)) ||
        ((prot & WREN_PROT_READ) && !(rights & WREN_RIGHT_READ)))
        return -E_ACCES;
    uint64_t size = device_desc(o)->map_size, pages = ((uint64_t)len + PMM_PAGE_SIZE - 1) & ~(PMM_PAGE_SIZE - 1);
    if (len > size || pages > size || offset > size - pages)
        return -E_INVAL; /* beyond the device's pages: a neighbour's registers, or RAM */
    uint32_t kind = (rights & WREN_RIGHT_WRITE) ? REGION_DEVICE : REGION_DEVICE_RO;
    return vm_map(user_vm(), addr, len, prot, flags & WREN_MAP_FIXED, kind, o, offset);
}

/* MAP_PRIVATE of an open file: pages copied from the file when first touched (ramfs_file.c). */
static long map_file(uintptr_t addr, size_t len, uint32_t prot, uint32_t flags, struct kobject *o, uint32_t rights,
                     uint64_t offset)
{
    if (o->file_type == WREN_FILE_TYPE_DIRECTORY)
        return -E_ISDIR;
    if (!o->ops->map_page)
        return -E_NOTSUP; /* the console, a pipe, a channel */
    if (flags & WREN_MAP_SHARED)
        return -E_NOTSUP; /* writes do not go back to files yet */
    if (!(rights & WREN_RIGHT_READ))
        return -E_ACCES;
    if (len > VM_USER_TOP || offset + len + PMM_PAGE_SIZE < offset)
        return -E_INVAL; /* too long for any address space, or file offsets of the mapping would wrap */
    return vm_map(user_vm(), addr, len, prot, flags & WREN_MAP_FIXED, REGION_FILE, o, offset);
}

long sys_mmap(uintptr_t addr, size_t len, uint32_t prot, uint32_t flags, wren_fd_t fd, uint64_t offset)
{
    /* Exactly one of private and shared (the dispatcher has rejected unknown bits). */
    if (!(flags & WREN_MAP_PRIVATE) == !(flags & WREN_MAP_SHARED))
        return -E_INVAL;
    if (flags & WREN_MAP_ANONYMOUS) {
        if (!(flags & WREN_MAP_SHARED))
            return vm_mmap_anon(user_vm(), addr, len, prot, flags & WREN_MAP_FIXED);
        /* Shared anonymous memory: a shared-memory object no handle names, kept by its mappings alone. */
        if (len == 0)
            return -E_INVAL;
        struct kobject *o;
        long err = shm_create(len, &o);
        if (err)
            return err;
        long ret = vm_map(user_vm(), addr, len, prot, flags & WREN_MAP_FIXED, REGION_SHM, o, 0);
        kobj_put(o);
        return ret;
    }
    if (len == 0 || (offset & (PMM_PAGE_SIZE - 1)))
        return -E_INVAL;
    /* `fd` is looked up here, not by the dispatcher (pass: number): an anonymous mapping ignores it. */
    struct handle *e = handle_entry(caller_handles(), fd);
    if (!e)
        return -E_BADF;
    struct kobject *o = kobj_get(e->obj); /* vm_map may drop other mappings, whose release must not free it */
    uint32_t rights = e->rights;
    long ret;
    if (o->type == WREN_OBJECT_SHM)
        ret = map_shm(addr, len, prot, flags, o, rights, offset);
    else if (o->type == WREN_OBJECT_FILE)
        ret = map_file(addr, len, prot, flags, o, rights, offset);
    else if (o->type == WREN_OBJECT_DEVICE)
        ret = map_device(addr, len, prot, flags, o, rights, offset);
    else
        ret = -E_NOTSUP;
    kobj_put(o);
    return ret;
}

long sys_munmap(uintptr_t addr, size_t len)
{
    return vm_unmap(user_vm(), addr, len);
}

long sys_mprotect(uintptr_t addr, size_t len, uint32_t prot)
{
    return vm_protect(user_vm(), addr, len, prot);
}

long sys_mem_info(user_out_ptr info)
{
    struct pmm_stats st;
    pmm_get_stats(&st);
    struct wren_meminfo mi = {
        .total = st.total_pages * PMM_PAGE_SIZE,
        .free = st.free_pages * PMM_PAGE_SIZE,
        .kernel = (st.reserved_pages + st.metadata_pages) * PMM_PAGE_SIZE,
        .page_size = (uint32_t)PMM_PAGE_SIZE,
    };
    return copy_to_user(info, &mi, sizeof(mi)) ? -E_FAULT : 0;
}

long sys_shm_create(uint64_t size)
{
    struct kobject *o;
    long err = shm_create(size, &o);
    if (err)
        return err;
    uint32_t rights = WREN_RIGHT_READ | WREN_RIGHT_WRITE | WREN_RIGHT_MAP | WREN_RIGHT_TRANSFER | WREN_RIGHT_DUPLICATE;
    long h = handle_install(caller_handles(), o, rights, 0);
    if (h < 0)
        kobj_put(o);
    return h;
}

long sys_shm_size(struct kobject *shm)
{
    return (long)shm_size(shm);
}

long sys_dma_create(uint64_t size, user_out_ptr phys)
{
    /* The privilege first: a physical address given to a device reaches any memory, so only a driver may ask. */
    if (!proc_current_process()->privileged)
        return -E_PERM;
    struct kobject *o;
    uint64_t pa;
    long err = shm_create_contiguous(size, &o, &pa);
    if (err)
        return err;
    if (copy_to_user(phys, &pa, sizeof(pa))) {
        kobj_put(o); /* nothing was created, as far as the caller can tell */
        return -E_FAULT;
    }
    uint32_t rights = WREN_RIGHT_READ | WREN_RIGHT_WRITE | WREN_RIGHT_MAP | WREN_RIGHT_TRANSFER | WREN_RIGHT_DUPLICATE;
    long h = handle_install(caller_handles(), o, rights, 0);
    if (h < 0)
        kobj_put(o);
    return h;
}
