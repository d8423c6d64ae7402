/*
 * Device syscalls (interface/syscalls/device.yaml): user-space drivers opening devices of the
 * device tree (objects/device.c). Mapping a device is mmap's (sys_mem.c); its interrupt is an event
 * subscription (sys_event.c).
 */
#include "objects/device.h"
#include "obj/handle.h"
#include "proc/proc.h"
#include "sys/handles.h"
#include "syscall_table.h"

#define DEVICE_RIGHTS (WREN_RIGHT_READ | WREN_RIGHT_WRITE | WREN_RIGHT_MAP | WREN_RIGHT_TRANSFER | WREN_RIGHT_DUPLICATE)

long sys_device_open(user_in_buf name)
{
    char buf[DT_DEVICE_NAME_MAX];

    /* The privilege first: an unprivileged caller learns nothing about the tree. */
    if (!proc_current_process()->privileged)
        return -E_PERM;
    if (name.len == 0)
        return -E_INVAL;
    if (name.len > DT_DEVICE_NAME_MAX)
        return -E_NAMETOOLONG;
    if (copy_from_user(buf, name.ptr, name.len))
        return -E_FAULT;
    struct kobject *o;
    long err = device_open(buf, name.len, &o);
    if (err)
        return err;
    long h = handle_install(caller_handles(), o, DEVICE_RIGHTS, 0);
    if (h < 0)
        kobj_put(o); /* closes it again */
    return h;
}

long sys_device_info(struct kobject *device, user_out_ptr info)
{
    const struct dt_device *dt = device_desc(device);
    struct wren_device_info di = {
        .base = dt->base,
        .size = dt->size,
        .map_size = dt->map_size,
        .page_offset = (uint32_t)(dt->base - dt->map_base),
        .intid = dt->intid,
        .irq_edge = dt->edge,
    };
    return copy_to_user(info, &di, sizeof(di)) ? -E_FAULT : 0;
}
