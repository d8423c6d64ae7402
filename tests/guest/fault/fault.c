/*
 * fault: run as /bin/init by tests/test_syscalls.py. Executes a breakpoint instruction,
 * which the kernel must treat as this program's fault (a one-line report, the program
 * ends) and not as the kernel's.
 */
#include <wren/syscalls.h>

int main(void)
{
    static const char msg[] = "fault: about to trap\n";
    wren_debug_write(msg, sizeof(msg) - 1);
    __builtin_trap();
    return 0;
}
