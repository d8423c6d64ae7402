/*
 * Loading and running the one user program (see user.h for why there is only one).
 */
#include <wren/abi.h>

#include "arch/cpu.h"
#include "arch/sysreg_bits.h"
#include "console.h"
#include "lib/elf.h"
#include "lib/string.h"
#include "lib/tar.h"
#include "panic.h"
#include "user.h"

static struct {
    int pid;
    const char *path;
    bool running;
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

bool user_range_ok(uint64_t addr, uint64_t len)
{
    return current.running && addr >= USER_WINDOW_BASE && len <= USER_WINDOW_SIZE &&
           addr - USER_WINDOW_BASE <= USER_WINDOW_SIZE - len;
}

static bool segment_fits(const struct elf_segment *s)
{
    return s->vaddr >= USER_WINDOW_BASE && s->memsz <= USER_WINDOW_SIZE - USER_STACK_SIZE &&
           s->vaddr - USER_WINDOW_BASE <= USER_WINDOW_SIZE - USER_STACK_SIZE - s->memsz;
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
    for (unsigned i = 0; i < img.nsegments; i++)
        if (!segment_fits(&img.seg[i]))
            return -E_NOEXEC;

    /* MMU off: virtual = physical, and D-cache is off, so a plain copy is coherent for fetch. */
    for (unsigned i = 0; i < img.nsegments; i++) {
        const struct elf_segment *s = &img.seg[i];
        memcpy((void *)(uintptr_t)s->vaddr, (const uint8_t *)file + s->offset, s->filesz);
        memset((void *)(uintptr_t)(s->vaddr + s->filesz), 0, s->memsz - s->filesz);
    }

    current.pid = 1;
    current.path = path;
    current.running = true;
    struct trap_frame *tf = (struct trap_frame *)(kstack + KSTACK_SIZE - sizeof(*tf));
    *tf = (struct trap_frame){
        .elr = img.entry,
        .spsr = SPSR_EL0T,
        .sp_el0 = USER_WINDOW_BASE + USER_WINDOW_SIZE,
    };
    kprintf("wren: starting %s (pid %d) at EL0, entry %#lx\n", path, current.pid, (unsigned long)img.entry);
    arch_enter_user(tf);
}

_Noreturn void user_exit(int32_t code)
{
    kprintf("wren: %s (pid %d) exited with status %d\n", current.path, current.pid, (int)code);
    current.running = false;
    system_poweroff();
}

_Noreturn void user_fault(struct trap_frame *tf, const char *reason, bool far_valid)
{
    kprintf("wren: pid %d (%s) killed: %s", current.pid, current.path, reason);
    if (far_valid)
        kprintf(" at address %#lx", (unsigned long)tf->far);
    kprintf(", pc %#lx\n", (unsigned long)tf->elr);
    current.running = false;
    system_poweroff();
}
