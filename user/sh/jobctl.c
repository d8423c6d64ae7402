/*
 * Job control: every pipeline runs in a process group of its own (led by its first process),
 * and a foreground one is made the console's foreground group while it runs, so that Ctrl-C
 * (SIGINT to the console's foreground group) stops the job and not the shell.
 *
 * setpgid and tcsetpgrp come from the C library's signals layer (userlib/libc), which is being
 * written alongside this shell. Until it is there they are weak references that stay NULL, and
 * the shell simply runs without process groups. Once the library has them, drop the weak
 * attributes below: a weak reference does not pull a definition out of an archive, so with
 * them left in place the functions are linked only if something else needs their object file.
 */
#include <sys/types.h>
#include <wren/syscalls.h>

#include "sh.h"

extern int setpgid(pid_t pid, pid_t pgid) __attribute__((weak));
extern int tcsetpgrp(int fd, pid_t pgrp) __attribute__((weak));

void jobctl_child(pid_t pgid)
{
    if (setpgid)
        setpgid(0, pgid);
}

/* Both sides set the group, so it is in place whichever of parent and child runs first. */
void jobctl_parent(pid_t pid, pid_t pgid)
{
    if (setpgid)
        setpgid(pid, pgid);
}

void jobctl_foreground(pid_t pgid)
{
    if (tcsetpgrp)
        tcsetpgrp(0, pgid);
}

void jobctl_take_back(void)
{
    if (setpgid)
        setpgid(0, 0); /* the shell leads its own group (a no-op after the first time) */
    if (tcsetpgrp)
        tcsetpgrp(0, (pid_t)wren_get_pid());
}
