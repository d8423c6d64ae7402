/* pid: print this process's id and its parent's (from proc_info). */
#include <stdio.h>
#include <wren/syscalls.h>

int main(int argc, char **argv)
{
    struct wren_proc_info pi;
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "usage: pid\n");
        return 2;
    }
    long me = wren_get_pid(), parent = -1;
    for (long c = 0; (c = wren_proc_info((uint32_t)c, &pi)) > 0;)
        if (pi.pid == me)
            parent = pi.ppid;
    printf("pid %ld ppid %ld\n", me, parent);
    return 0;
}
