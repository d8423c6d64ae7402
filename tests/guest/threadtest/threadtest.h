/* threadtest: threads, futexes, pthread mutexes and condition variables, run as /bin/init by tests/test_threads.py. */
#ifndef THREADTEST_H
#define THREADTEST_H

#include <stdint.h>
#include <sys/types.h>
#include <wren/check.h>

/* Fork a child that runs fn and exits with its result; the child's pid. */
pid_t run_in_child(int (*fn)(void));
/* waitpid(pid): Wren's wait status (WREN_WAIT_STATUS_*), or -1. */
long status_of(pid_t pid);
void sleep_ms(long ms);
uint64_t now_ns(void);

void test_basic(void);  /* create and join many, shared memory, tids, errno per thread, detach, the table */
void test_futex(void);  /* wait and wake, timeouts, bad pointers */
void test_sync(void);   /* mutex and condvar stress, pthread_once, malloc and stdio from threads */
void test_procs(void);  /* exit vs thread_exit, signals to threads and processes, faults, fork and exec */
void test_stress(void); /* four threads at once on mappings, faults, ports and schemes */
int exec_child_main(int argc, char **argv);

#endif
