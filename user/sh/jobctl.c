/*
 * Job control: every pipeline runs in a process group of its own (led by its first process),
 * and a foreground one is made the console's foreground group while it runs, so that Ctrl-C
 * (SIGINT to the console's foreground group) stops the job and not the shell, and Ctrl-Z
 * (SIGTSTP) stops it and gives the shell the console back (jobs.c). The shell ignores SIGTSTP,
 * so that Ctrl-Z at the prompt does not stop it; exec would keep that for its children, so
 * they set the default again.
 */
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>
#include <wren/syscalls.h>

#include "sh.h"

void jobctl_init(void)
{
    signal(SIGTSTP, SIG_IGN);
}

void jobctl_child(pid_t pgid)
{
    setpgid(0, pgid);
    signal(SIGTSTP, SIG_DFL);
}

/* Both sides set the group, so it is in place whichever of parent and child runs first. */
void jobctl_parent(pid_t pid, pid_t pgid)
{
    setpgid(pid, pgid);
}

void jobctl_foreground(pid_t pgid)
{
    tcsetpgrp(0, pgid);
}

void jobctl_take_back(void)
{
    setpgid(0, 0); /* the shell leads its own group (a no-op after the first time) */
    tcsetpgrp(0, (pid_t)wren_get_pid());
}
