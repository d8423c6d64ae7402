/*
 * ps: every process — pid, parent, state, priority, resident memory, CPU, program — from /scheme/sys/processes
 * (one snapshot of the process table: "pid ppid state prio mem_kib cpu name" lines after a header).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "usage: ps\n");
        return 2;
    }
    FILE *f = fopen("/scheme/sys/processes", "r");
    if (!f) {
        perror("ps: /scheme/sys/processes");
        return 1;
    }
    static char line[256];
    static const char header[] = "pid ppid state prio mem_kib cpu name";
    if (!fgets(line, sizeof(line), f) || strncmp(line, header, sizeof(header) - 1) != 0) {
        fprintf(stderr, "ps: /scheme/sys/processes: not the format ps knows\n");
        return 1;
    }
    printf("  PID  PPID STATE   PRIO    MEM CPU NAME\n");
    while (fgets(line, sizeof(line), f)) {
        int pid, ppid, cpu, name_at = 0;
        unsigned prio;
        unsigned long long kib;
        char state[16];
        line[strcspn(line, "\n")] = 0;
        if (sscanf(line, "%d %d %15s %u %llu %d %n", &pid, &ppid, state, &prio, &kib, &cpu, &name_at) < 6 || !name_at)
            continue; /* a line this ps does not understand (a newer kernel's) is skipped, not misprinted */
        printf("%5d %5d %-7s %4u %5lluK %3d %s\n", pid, ppid, state, prio, kib, cpu, line + name_at);
    }
    fclose(f);
    return 0;
}
