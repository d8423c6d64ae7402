/*
 * Stopping the machine: on purpose (poweroff) or because something is badly wrong (panic).
 */
#include <stdarg.h>

#include "arch/backtrace.h"
#include "arch/cpu.h"
#include "arch/psci.h"
#include "console.h"
#include "dev/klog.h"
#include "lib/format.h"
#include "panic.h"
#include "proc/smp.h"

static void emit(void *ctx, char c)
{
    (void)ctx;
    klog_putc(c);
    console_write(&c, 1);
}

_Noreturn void system_poweroff(void)
{
    arch_irq_disable();
    kprintf("wren: powering off\n");
    int64_t ret = psci_system_off();
    /* MediaTek's BL31 refuses SYSTEM_OFF [bpi-r4.md §2]: say so and park this CPU. */
    kprintf("wren: firmware refused SYSTEM_OFF (PSCI %ld); parking the CPU\n", (long)ret);
    park();
}

_Noreturn void panic(const char *fmt, ...)
{
    va_list ap;

    arch_irq_disable();
    smp_stop_others(); /* one CPU reports; the others stop where they are */
    kprintf("\nKERNEL PANIC: ");
    va_start(ap, fmt);
    format_v(emit, 0, fmt, ap);
    va_end(ap);
    kprintf("\n");
    backtrace_print((uintptr_t)panic, (uintptr_t)__builtin_frame_address(0));
    system_poweroff();
}
