/*
 * Loading and running the one user program (see user.h for why there is only one).
 */
#include <wren/abi.h>

#include "arch/cpu.h"
#include "arch/sysreg_bits.h"
#include "console.h"
#include "lib/elf.h"
#include "lib/tar.h"
#include "mm/kmap.h"
#include "mm/pmm.h"
#include "mm/vm.h"
#include "panic.h"
#include "user.h"

#define INIT_ASID 1

static struct {
    int pid;
    const char *path;
    bool running;
    struct vm_space vm;
} current;

/*
 * The program's kernel stack: exceptions from EL0 run on it. The frame that starts the
 * program sits at its top, so after the first eret the stack is empty again.
 */
#define KSTACK_SIZE 16384
static uint8_t kstack[KSTACK_SIZE] __attribute__((aligned(16)));

int user_current_pid(void)
{
    return current.running ? current.pid : 0;
}

struct vm_space *user_vm(void)
{
    return current.running ? &current.vm : 0;
}

static uint32_t segment_prot(uint32_t elf_flags)
{
    return (elf_flags & ELF_PF_R ? WREN_PROT_READ : 0) | (elf_flags & ELF_PF_W ? WREN_PROT_WRITE : 0) |
           (elf_flags & ELF_PF_X ? WREN_PROT_EXEC : 0);
}

/* Map and fill every PT_LOAD segment; bss needs nothing: untouched pages are zero. */
static int load_segments(const struct elf_image *img, const uint8_t *file)
{
    for (unsigned i = 0; i < img->nsegments; i++) {
        const struct elf_segment *s = &img->seg[i];
        uint32_t prot = segment_prot(s->flags);
        uint64_t start = s->vaddr & ~0xfffull;
        uint64_t end = (s->vaddr + s->memsz + 0xfff) & ~0xfffull;
        /* W^X holds for programs too; segments sharing a page cannot have their own permissions. */
        if ((prot & WREN_PROT_WRITE) && (prot & WREN_PROT_EXEC))
            return -E_NOEXEC;
        if (end > VM_STACK_TOP - VM_STACK_SIZE || vm_reserve(&current.vm, start, end - start, prot, REGION_IMAGE))
            return -E_NOEXEC;
        int err = vm_load(&current.vm, s->vaddr, file + s->offset, s->filesz);
        if (err)
            return err;
    }
    return 0;
}

int user_start(const void *initrd, size_t initrd_size, const char *path)
{
    const void *file;
    size_t size;
    struct elf_image img;

    int err = tar_find(initrd, initrd_size, path, &file, &size);
    if (err)
        return err;
    err = elf_parse(file, size, &img);
    if (err)
        return err;
    err = vm_create(&current.vm, INIT_ASID);
    if (err)
        return err;
    err = load_segments(&img, file);
    if (!err)
        err = vm_reserve(&current.vm, VM_STACK_TOP - VM_STACK_SIZE, VM_STACK_SIZE, WREN_PROT_READ | WREN_PROT_WRITE,
                         REGION_STACK);
    if (err) {
        vm_destroy(&current.vm);
        return err;
    }

    current.pid = 1;
    current.path = path;
    current.running = true;
    vm_activate(&current.vm);
    struct trap_frame *tf = (struct trap_frame *)(kstack + KSTACK_SIZE - sizeof(*tf));
    *tf = (struct trap_frame){
        .elr = img.entry,
        .spsr = SPSR_EL0T,
        .sp_el0 = VM_STACK_TOP,
    };
    kprintf("wren: starting %s (pid %d) at EL0, entry %#lx\n", path, current.pid, (unsigned long)img.entry);
    arch_enter_user(tf);
}

/* Give back everything the program had, report what is free now, and end the session. */
static _Noreturn void end_program(void)
{
    struct pmm_stats st;

    current.running = false;
    kmap_user_table_none();
    vm_destroy(&current.vm);
    pmm_get_stats(&st);
    kprintf("memory: %lu KiB free after pid %d\n", (unsigned long)(st.free_pages * 4), current.pid);
    system_poweroff();
}

_Noreturn void user_exit(int32_t code)
{
    kprintf("wren: %s (pid %d) exited with status %d\n", current.path, current.pid, (int)code);
    end_program();
}

_Noreturn void user_fault(struct trap_frame *tf, const char *reason, bool far_valid)
{
    kprintf("wren: pid %d (%s) killed: %s", current.pid, current.path, reason);
    if (far_valid)
        kprintf(" at address %#lx", (unsigned long)tf->far);
    kprintf(", pc %#lx\n", (unsigned long)tf->elr);
    end_program();
}
