/* ps: every process — pid, parent, state, priority, resident memory, program. */
#include <stdio.h>
#include <wren/syscalls.h>

static const char *state_name(uint32_t s)
{
    switch (s) {
    case WREN_PROC_STATE_READY: return "ready";
    case WREN_PROC_STATE_RUNNING: return "run";
    case WREN_PROC_STATE_BLOCKED: return "sleep";
    case WREN_PROC_STATE_ZOMBIE: return "zombie";
    case WREN_PROC_STATE_STOPPED: return "stop";
    default: return "?";
    }
}

int main(int argc, char **argv)
{
    struct wren_proc_info pi;
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "usage: ps\n");
        return 2;
    }
    printf("  PID  PPID STATE   PRIO    MEM NAME\n");
    for (long c = 0; (c = wren_proc_info((uint32_t)c, &pi)) > 0;)
        printf("%5d %5d %-7s %4u %5lluK %s\n", (int)pi.pid, (int)pi.ppid, state_name(pi.state), (unsigned)pi.priority,
               (unsigned long long)(pi.resident_pages * pi.page_size / 1024), (const char *)pi.name);
    return 0;
}
