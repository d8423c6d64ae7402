/*
 * POSIX signals over Wren's (interface/syscalls/proc.yaml). picolibc's <signal.h> numbers
 * signals the BSD way (SIGCHLD 20, SIGUSR1 30) while Wren uses Linux's (SIGCHLD 17, SIGUSR1
 * 10), so every number and set crossing the boundary is translated here. The kernel enters
 * one dispatcher for every handled signal; it calls the program's handler with picolibc's
 * number, keeps errno for the interrupted code, and returns through sigreturn. Of sa_flags only
 * SA_RESTART (<wren/libc.h>: picolibc has none) means anything.
 */
#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <wren/libc.h>
#include <wren/syscalls.h>

/* picolibc's number -> Wren's; 0 where Wren has no such signal. */
static const unsigned char to_wren[NSIG] = {
    [SIGHUP] = WREN_SIGNAL_SIGHUP,   [SIGINT] = WREN_SIGNAL_SIGINT,   [SIGQUIT] = WREN_SIGNAL_SIGQUIT,
    [SIGILL] = WREN_SIGNAL_SIGILL,   [SIGTRAP] = WREN_SIGNAL_SIGTRAP, [SIGABRT] = WREN_SIGNAL_SIGABRT,
    [SIGBUS] = WREN_SIGNAL_SIGBUS,   [SIGFPE] = WREN_SIGNAL_SIGFPE,   [SIGKILL] = WREN_SIGNAL_SIGKILL,
    [SIGUSR1] = WREN_SIGNAL_SIGUSR1, [SIGSEGV] = WREN_SIGNAL_SIGSEGV, [SIGUSR2] = WREN_SIGNAL_SIGUSR2,
    [SIGPIPE] = WREN_SIGNAL_SIGPIPE, [SIGALRM] = WREN_SIGNAL_SIGALRM, [SIGTERM] = WREN_SIGNAL_SIGTERM,
    [SIGCHLD] = WREN_SIGNAL_SIGCHLD, [SIGCONT] = WREN_SIGNAL_SIGCONT, [SIGSTOP] = WREN_SIGNAL_SIGSTOP,
    [SIGTSTP] = WREN_SIGNAL_SIGTSTP,
};

#define WREN_SIGS 32

int wren_signal_from_posix(int sig)
{
    return sig > 0 && sig < NSIG ? to_wren[sig] : 0;
}

int wren_signal_to_posix(int wsig)
{
    for (int s = 1; s < NSIG; s++)
        if (to_wren[s] == wsig)
            return s;
    return 0;
}

static uint64_t set_to_wren(sigset_t set)
{
    uint64_t w = 0;
    for (int s = 1; s < NSIG; s++)
        if (sigismember(&set, s) && to_wren[s])
            w |= 1ull << to_wren[s];
    return w;
}

static sigset_t set_from_wren(uint64_t w)
{
    sigset_t set;
    sigemptyset(&set);
    for (int s = 1; s < NSIG; s++)
        if (to_wren[s] && (w & (1ull << to_wren[s])))
            sigaddset(&set, s);
    return set;
}

static _sig_func_ptr handlers[WREN_SIGS]; /* by Wren number; only real functions */

static void dispatch(int wsig, void *info, struct wren_sigframe *frame)
{
    int saved = errno;
    (void)info;
    handlers[wsig](wren_signal_to_posix(wsig));
    errno = saved;
    wren_sigreturn(frame);
    __builtin_trap(); /* sigreturn resumes the interrupted code: never here */
}

int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    int w = wren_signal_from_posix(sig);
    struct wren_sigaction wa, wold;

    if (!w) {
        errno = EINVAL;
        return -1;
    }
    if (act) {
        wa.handler = act->sa_handler == SIG_DFL   ? WREN_SIGNAL_HANDLER_USE_DEFAULT
                     : act->sa_handler == SIG_IGN ? WREN_SIGNAL_HANDLER_IGNORE
                                                  : (uint64_t)(uintptr_t)dispatch;
        wa.restorer = 0; /* dispatch returns through sigreturn itself */
        wa.mask = set_to_wren(act->sa_mask);
        wa.flags = act->sa_flags & SA_RESTART ? WREN_SIGACTION_RESTART : 0;
    }
    long r = wren_sigaction((uint32_t)w, act ? &wa : 0, &wold);
    if (r < 0)
        return (int)wren_posix_result(r);
    if (old) {
        old->sa_handler = wold.handler == WREN_SIGNAL_HANDLER_USE_DEFAULT ? SIG_DFL
                          : wold.handler == WREN_SIGNAL_HANDLER_IGNORE    ? SIG_IGN
                                                                          : handlers[w];
        old->sa_mask = set_from_wren(wold.mask);
        old->sa_flags = wold.flags & WREN_SIGACTION_RESTART ? SA_RESTART : 0;
    }
    if (act)
        handlers[w] = act->sa_handler;
    return 0;
}

_sig_func_ptr signal(int sig, _sig_func_ptr handler)
{
    struct sigaction act = {.sa_handler = handler}, old;
    if (sigaction(sig, &act, &old) < 0)
        return SIG_ERR;
    return old.sa_handler;
}

int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
    uint32_t whow;
    uint64_t prev;

    switch (how) {
    case SIG_BLOCK: whow = WREN_SIGMASK_HOW_BLOCK; break;
    case SIG_UNBLOCK: whow = WREN_SIGMASK_HOW_UNBLOCK; break;
    case SIG_SETMASK: whow = WREN_SIGMASK_HOW_SETMASK; break;
    default: errno = EINVAL; return -1;
    }
    /* Without a set nothing changes: blocking nothing more is how to only read the mask. */
    long r =
        set ? wren_sigprocmask(whow, set_to_wren(*set), &prev) : wren_sigprocmask(WREN_SIGMASK_HOW_BLOCK, 0, &prev);
    if (r < 0)
        return (int)wren_posix_result(r);
    if (old)
        *old = set_from_wren(prev);
    return 0;
}

int kill(pid_t pid, int sig)
{
    int w = sig == 0 ? WREN_SIGNAL_NONE : wren_signal_from_posix(sig);
    if (sig != 0 && !w) {
        errno = EINVAL;
        return -1;
    }
    return (int)wren_posix_result(wren_kill((int32_t)pid, (uint32_t)w));
}

/* A signal to oneself is acted on before kill returns (on the way back from the syscall). */
int raise(int sig)
{
    return kill(getpid(), sig);
}
