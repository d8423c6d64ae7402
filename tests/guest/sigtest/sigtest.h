/* sigtest: signals, masks, process groups and sigreturn, run as /bin/init by tests/test_signals.py. */
#ifndef SIGTEST_H
#define SIGTEST_H

#include <sys/types.h>
#include <wren/check.h>

/* Fork a child that runs fn and exits with its result; the child's pid. */
pid_t run_in_child(int (*fn)(void));
/* waitpid(pid): the POSIX status, or -1. */
int status_of(pid_t pid);
/* The signal that ended the POSIX status st, or -1 if it exited. */
int term_sig(int st);
/* Its exit code, or -1 if a signal ended it. */
int exit_code(int st);
void sleep_ms(long ms);
/* The state ps would show for pid (WREN_PROC_STATE_*), or -1 if it is not in the table. */
long state_of(pid_t pid);

void test_io(void);          /* pipes, EINTR, SIGPIPE */
void test_faults(void);      /* SIGSEGV handlers, forged sigreturn frames */
void test_job_control(void); /* SIGSTOP, SIGTSTP, SIGCONT, WUNTRACED */
void test_restart(void);     /* SA_RESTART */
int ctrl_c_main(const char *mode);

#endif
