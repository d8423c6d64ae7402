/*
 * /bin/sh: read a line, run it, report a failure, repeat. See sh.h for the parts.
 *
 * The prompt shows the current directory: "/tmp $ ". If the file /etc/sh-bench exists, the
 * shell prints, just before its first prompt, the generic timer's counter at that moment
 * ("bench: sh_ready_counter N"): tools/bench.py boots an initrd with that file to measure
 * boot_to_shell.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wren/counter.h>

#include "sh.h"

bool sh_exiting;
int sh_exit_status;

int main(int argc, char **argv)
{
    static char line[SH_LINE_MAX], text[SH_LINE_MAX], cwd[256], prompt[300];
    static struct pipeline p;
    struct stat st;
    bool bench = stat("/etc/sh-bench", &st) == 0;
    (void)argc, (void)argv;

    jobctl_init();
    jobctl_take_back();
    while (!sh_exiting) {
        jobs_reap();
        if (!getcwd(cwd, sizeof(cwd)))
            strcpy(cwd, "?");
        snprintf(prompt, sizeof(prompt), "%s $ ", cwd);
        if (bench) {
            printf("bench: sh_ready_counter %llu\n", (unsigned long long)wren_counter());
            bench = false;
        }
        int n = line_read(prompt, line, sizeof(line));
        if (n < 0)
            break;
        line_history_add(line);
        memcpy(text, line, (size_t)n + 1);
        if (parse_line(line, &p) < 0) {
            report_status(2);
            continue;
        }
        if (p.ncmds == 0)
            continue;
        int status;
        if (!builtin_run(&p, &status))
            status = run_pipeline(&p, text);
        if (status > 0 && !sh_exiting)
            report_status(status);
    }
    return sh_exit_status;
}
