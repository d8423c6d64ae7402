/*
 * Job control: every pipeline runs in a process group of its own (led by its first process),
 * and a foreground one is made the console's foreground group while it runs, so that Ctrl-C
 * (SIGINT to the console's foreground group) stops the job and not the shell, and Ctrl-Z
 * (SIGTSTP) stops it and gives the shell the console back (jobs.c).
 *
 * At its own prompt the shell is the foreground group, so the keys signal the shell itself: it must
 * survive them. It ignores SIGQUIT and SIGTSTP, and catches SIGINT with a handler that does nothing,
 * so that Ctrl-C interrupts the read of the line being typed and abandons it (line.c), as POSIX
 * shells do. Exec keeps ignored signals ignored, so each child sets all three back to the default
 * before it runs its program.
 *
 * The shell leads a session of its own (setsid), apart from init's: a program's kill(-1, ...)
 * reaches only its session and spares the session's leader (the kill syscall), so it cannot end the
 * shell, nor reach anything outside.
 */
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>
#include <wren/syscalls.h>

#include "sh.h"

static void interrupted(int sig)
{
    (void)sig; /* the read it interrupts returns EINTR: that is all Ctrl-C has to do at the prompt */
}

void jobctl_init(void)
{
    setsid(); /* fails only if the shell already leads a group (started by hand from a shell): then it stays */
    signal(SIGINT, interrupted);
    signal(SIGQUIT, SIG_IGN);
    signal(SIGTSTP, SIG_IGN);
}

void jobctl_child(pid_t pgid)
{
    setpgid(0, pgid);
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
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
