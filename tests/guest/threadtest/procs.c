/*
 * Threads and whole processes: exit ends every thread, thread_exit one; signals to a thread and to a process; a
 * thread's fault; fork and exec from a process of several threads. Each case runs in a child.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wren/libc.h>
#include <wren/syscalls.h>

#include "threadtest.h"

#define SIGNALED(sig) (WREN_WAIT_STATUS_SIGNALED | (sig))

static volatile uint32_t forever; /* nobody ever wakes it */

static void *sleep_forever(void *arg)
{
    (void)arg;
    for (;;)
        wren_futex_wait((void *)&forever, 0, 0);
}

static void *spin_forever(void *arg)
{
    (void)arg;
    for (;;)
        __asm__ volatile("" ::: "memory");
}

/* exit in the first thread ends threads that sleep and threads that spin. */
static int exit_with_threads(void)
{
    pthread_t t;
    pthread_create(&t, 0, sleep_forever, 0);
    pthread_create(&t, 0, spin_forever, 0);
    wren_yield();
    exit(7);
}

static void *exit_from_thread(void *arg)
{
    (void)arg;
    wren_exit(5);
}

/* exit in a second thread ends the first, which waits in futex_wait. */
static int thread_calls_exit(void)
{
    pthread_t t;
    pthread_create(&t, 0, exit_from_thread, 0);
    for (;;)
        wren_futex_wait((void *)&forever, 0, 0);
}

/* The first thread leaves with pthread_exit; the process goes on in the other, which then exits with 9. */
static int32_t exit_fds[2];

static void *outlive_first(void *arg)
{
    (void)arg;
    sleep_ms(30);
    /* The first thread has ended by now: the process, its memory and descriptors are still here. */
    write(exit_fds[1], "alive", 5);
    return (void *)0; /* the last thread's pthread_exit: exit(0) */
}

static int first_thread_leaves(void)
{
    pthread_t t;
    pthread_create(&t, 0, outlive_first, 0);
    pthread_exit(0);
}

/* The last thread ends with the raw thread_exit: the process ends as by exit(0). */
static void *raw_last(void *arg)
{
    (void)arg;
    sleep_ms(10);
    wren_thread_exit(3);
}

static int last_thread_exit_raw(void)
{
    pthread_t t;
    pthread_create(&t, 0, raw_last, 0);
    wren_thread_exit(0);
}

static void exits(void)
{
    wren_check("exit with threads running: the process ends", status_of(run_in_child(exit_with_threads)), 7);
    wren_check("exit from a second thread ends the first", status_of(run_in_child(thread_calls_exit)), 5);
    wren_pipe(exit_fds, 0);
    pid_t pid = run_in_child(first_thread_leaves);
    char buf[8] = {0};
    close(exit_fds[1]);
    read(exit_fds[0], buf, 5);
    close(exit_fds[0]);
    wren_check("after the first thread's pthread_exit the other still runs", strcmp(buf, "alive"), 0);
    wren_check("... and its end (the last) is exit(0)", status_of(pid), 0);
    wren_check("the last thread's thread_exit ends the process with 0", status_of(run_in_child(last_thread_exit_raw)),
               0);
}

/* Signals. */
static volatile pthread_t handled_in;
static volatile int handled;

static void note_thread(int sig)
{
    (void)sig;
    handled_in = pthread_self();
    handled++;
}

static volatile uint32_t go;

static void *wait_for_go(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
        wren_futex_wait((void *)&go, 0, 0); /* a handled signal interrupts it (E_INTR): the loop waits again */
    return 0;
}

static int signal_to_thread(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = note_thread;
    sigaction(SIGUSR1, &sa, 0);
    pthread_t t;
    pthread_create(&t, 0, wait_for_go, 0);
    sleep_ms(5);
    if (pthread_kill(t, SIGUSR1) != 0)
        return 10;
    for (int i = 0; i < 100 && !handled; i++)
        sleep_ms(1);
    int ok = handled == 1 && handled_in == t;
    go = 1;
    wren_futex_wake((void *)&go, 1);
    pthread_join(t, 0);
    return ok ? 0 : 11;
}

/* A signal to the process goes to a thread that does not block it: here the second, as the first blocks it. */
static int signal_to_process(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = note_thread;
    sigaction(SIGUSR2, &sa, 0);
    pthread_t t;
    pthread_create(&t, 0, wait_for_go, 0); /* created before the mask changes: it does not block SIGUSR2 */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, 0);
    sleep_ms(5);
    kill(getpid(), SIGUSR2);
    for (int i = 0; i < 100 && !handled; i++)
        sleep_ms(1);
    int ok = handled == 1 && handled_in == t;
    go = 1;
    wren_futex_wake((void *)&go, 1);
    pthread_join(t, 0);
    return ok ? 0 : 12;
}

static int threads_then_sleep(void)
{
    pthread_t t;
    pthread_create(&t, 0, sleep_forever, 0);
    pthread_create(&t, 0, spin_forever, 0);
    for (;;)
        wren_futex_wait((void *)&forever, 0, 0);
}

static void *fault_in_thread(void *arg)
{
    (void)arg;
    *(volatile int *)8 = 1;
    return 0;
}

static int thread_faults(void)
{
    pthread_t t;
    pthread_create(&t, 0, fault_in_thread, 0);
    for (;;)
        wren_futex_wait((void *)&forever, 0, 0);
}

static void signals(void)
{
    wren_check("pthread_kill: the handler runs in that thread", status_of(run_in_child(signal_to_thread)), 0);
    wren_check("kill: a thread that does not block the signal takes it", status_of(run_in_child(signal_to_process)), 0);
    pid_t pid = run_in_child(threads_then_sleep);
    sleep_ms(20);
    wren_kill(pid, WREN_SIGNAL_SIGSTOP);
    int32_t st = 0;
    wren_check("SIGSTOP stops the process of three threads",
               wren_wait(pid, &st, WREN_WAIT_UNTRACED) == pid &&
                   st == (int32_t)(WREN_WAIT_STATUS_STOPPED | WREN_SIGNAL_SIGSTOP),
               1);
    wren_kill(pid, WREN_SIGNAL_SIGCONT);
    wren_kill(pid, WREN_SIGNAL_SIGKILL);
    wren_check("SIGKILL ends all of its threads", status_of(pid), SIGNALED(WREN_SIGNAL_SIGKILL));
    wren_check("a fault in a thread ends the process with SIGSEGV", status_of(run_in_child(thread_faults)),
               SIGNALED(WREN_SIGNAL_SIGSEGV));
}

/* fork in a process of several threads copies the caller alone. */
static volatile uint32_t parked;

static void *park(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&parked, __ATOMIC_ACQUIRE))
        wren_futex_wait((void *)&parked, 0, 0);
    return 0;
}

static void *nothing(void *arg)
{
    return arg;
}

static int fork_from_thread(void)
{
    /* In the child: nobody sleeps on the word its parent's three threads sleep on, and threads still work. */
    long woken = wren_futex_wake((void *)&parked, UINT32_MAX);
    pthread_t t;
    void *r = 0;
    int ok = pthread_create(&t, 0, nothing, (void *)5) == 0 && pthread_join(t, &r) == 0 && r == (void *)5;
    return ok ? (int)(10 + woken) : 1;
}

static void *forker(void *arg)
{
    (void)arg;
    return (void *)(intptr_t)status_of(run_in_child(fork_from_thread));
}

static void fork_and_exec(void)
{
    pthread_t t[3], f;
    void *st = 0;
    parked = 0;
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], 0, park, 0);
    pthread_create(&f, 0, forker, 0);
    pthread_join(f, &st);
    wren_check("fork in a thread: the child has that thread alone", (long)(intptr_t)st, 10);
    parked = 1;
    long woken = wren_futex_wake((void *)&parked, UINT32_MAX);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], 0);
    wren_check("... while the parent's three threads stayed", woken, 3);
}

/* exec from a thread: the others end first; the new program checks that they are gone. */
static int snprintf_tid(char *p, int tid)
{
    return snprintf(p, 16, "%d", tid);
}

static int exec_tids[3];

static void *execer(void *arg)
{
    (void)arg;
    /* A program that is not there fails with the other threads untouched. */
    long r = wren_exec("/bin/none", 9, 0, 0, 0, 0);
    if (r != -E_NOENT || wren_thread_kill(exec_tids[0], 0) != 0)
        exit(20);
    char args[128], *p = args;
    const char *fixed[] = {"threadtest", "exec-child"};
    for (int i = 0; i < 2; i++)
        p += strlen(strcpy(p, fixed[i])) + 1;
    for (int i = 0; i < 3; i++)
        p += 1 + (size_t)snprintf_tid(p, exec_tids[i]);
    wren_exec("/bin/init", 9, args, (size_t)(p - args), 0, 0);
    exit(21);
}

static int threaded_exec(void)
{
    pthread_t t[3], e;
    for (int i = 0; i < 3; i++) {
        pthread_create(&t[i], 0, i == 2 ? spin_forever : sleep_forever, 0);
        exec_tids[i] = pthread_gettid_np(t[i]);
    }
    pthread_create(&e, 0, execer, 0);
    for (;;)
        wren_futex_wait((void *)&forever, 0, 0);
}

int exec_child_main(int argc, char **argv)
{
    /* Every thread of the old program is gone; this one runs alone and may start threads again. */
    for (int i = 2; i < argc; i++)
        if (wren_thread_kill((int32_t)strtol(argv[i], 0, 10), 0) != -E_SRCH)
            return 30 + i;
    pthread_t t;
    void *r = 0;
    if (pthread_create(&t, 0, nothing, (void *)42) != 0 || pthread_join(t, &r) != 0)
        return 40;
    return (int)(intptr_t)r;
}

/* Threads take process-table slots and count towards WREN_LIMIT_PROCESSES like processes. */
static int limited_threads(void)
{
    if (wren_set_limit(0, WREN_LIMIT_PROCESSES, 3) != 0)
        return 1;
    pthread_t t[3];
    int made = 0;
    for (int i = 0; i < 3; i++)
        made += pthread_create(&t[i], 0, sleep_forever, 0) == 0;
    pthread_t extra;
    int refused = pthread_create(&extra, 0, nothing, 0) == EAGAIN;
    return made == 2 && refused ? 0 : 10 + made;
}

void test_procs(void)
{
    wren_check("a limit of 3 processes: the process and 2 threads, then EAGAIN",
               status_of(run_in_child(limited_threads)), 0);
    exits();
    signals();
    fork_and_exec();
    wren_check("exec from a thread: the others end, the program runs alone", status_of(run_in_child(threaded_exec)),
               42);
}
