/*
 * /bin/init: the first user program. For now it proves the path from a C program through
 * the generated userlib stubs, svc, the generated dispatcher and back: it greets, checks
 * its pid and exits.
 */
#include <wren/print.h>
#include <wren/syscalls.h>

int main(void)
{
    wren_print("init: hello from EL0\n");
    if (wren_get_pid() != 1) {
        wren_print("init: wrong pid\n");
        return 1;
    }
    return 0;
}
