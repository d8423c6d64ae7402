/*
 * Process groups and sessions, and the signals sent to them. Every process has a group
 * and a session id, inherited from its parent (init's are 1). Simplified POSIX rules: a
 * process may move itself or a child of the same session into a new group or an existing
 * group of that session; setsid makes the caller the leader of a new session and group. A
 * session has no controlling terminal: the console keeps its own foreground group
 * (objects/console_file.c), set by ioctl from any session.
 */
#ifndef WREN_PROC_PGROUP_H
#define WREN_PROC_PGROUP_H

#include <stdbool.h>

/* The syscalls (interface/syscalls/proc.yaml). */
long pgroup_kill(int pid, int sig);
long pgroup_setpgid(int pid, int pgid);
long pgroup_getpgid(int pid);
long pgroup_setsid(void);

/* Does group pgid have a live member in session sid? */
bool pgroup_exists(int pgid, int sid);
/* Send sig to every member of group pgid, without permission checks (the console's Ctrl-C). */
void pgroup_signal(int pgid, int sig);

#endif
