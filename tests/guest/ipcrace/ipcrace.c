/*
 * ipcrace: run as /bin/init by tests/test_ipc_race.py. The call fast path against waits that end some other way
 * than by a message: a server that receives with a short timeout in a loop, at the same priority as a client that
 * calls it (the receive times out while the client runs, so the server is ready but not yet running when the call
 * comes); a client whose call times out while the server works, then the server's reply_receive; and a signal, a
 * SIGKILL and a stop that reach a server blocked in receive just before a call. Each time the kernel must not hand
 * the CPU to a thread that is not blocked (the old kernel did: an assertion on the debug kernel, a hang or "a finished
 * thread was scheduled again" on the release one), and every request must get its answer.
 */
#include <signal.h>
#include <stdint.h>

#include <wren/check.h>
#include <wren/syscalls.h>

#define MS        1000000ull
#define ROUNDS    40
#define QUIT_TXID 0xdeadull

static void spin_ns(uint64_t ns)
{
    long until = wren_get_time(WREN_CLOCK_MONOTONIC) + (long)ns;
    while (wren_get_time(WREN_CLOCK_MONOTONIC) < until)
        ;
}

static struct wren_msg request(uint64_t txid)
{
    struct wren_msg m = {0};
    m.header.type = WREN_MSG_REQUEST;
    m.header.length = 8;
    m.header.txid = txid;
    return m;
}

static struct wren_msg reply_to(const struct wren_msg *req)
{
    struct wren_msg m = {0};
    m.header.type = WREN_MSG_REPLY;
    m.header.length = 8;
    m.header.txid = req->header.txid;
    m.payload[0] = (uint8_t)(req->header.txid + 1);
    return m;
}

static int answered(long r, const struct wren_msg *m, uint64_t txid)
{
    return r == 8 && m->header.type == WREN_MSG_REPLY && m->header.txid == txid && m->payload[0] == (uint8_t)(txid + 1);
}

/*
 * The server receives with a 1 ms timeout in a loop and answers each Request with send. The client yields (so the
 * server is blocked in its receive), spins 3 ms (the receive times out meanwhile: the server is made ready, but at
 * the same priority it does not run before the client's slice ends), then calls.
 */
static void receive_timeout_then_call(void)
{
    wren_handle_t ch[2];
    wren_channel_create(ch, 0);
    long pid = wren_fork();
    if (pid == 0) {
        wren_channel_close(ch[0]);
        long served = 0, timeouts = 0;
        for (;;) {
            struct wren_msg m;
            long r = wren_receive(ch[1], &m, 0, 1 * MS);
            if (r == -E_TIMEDOUT) {
                timeouts++;
                continue;
            }
            if (r < 0)
                wren_exit(20);
            if (m.header.txid == QUIT_TXID)
                break;
            struct wren_msg a = reply_to(&m);
            if (wren_send(ch[1], &a, 0, 0))
                wren_exit(21);
            served++;
        }
        wren_exit(served == ROUNDS && timeouts >= ROUNDS / 2 ? 0 : 22);
    }
    wren_channel_close(ch[1]);
    long good = 0;
    for (uint64_t i = 0; i < ROUNDS; i++) {
        wren_yield();
        spin_ns(3 * MS);
        struct wren_msg m = request(i);
        good += answered(wren_call(ch[0], &m, 0), &m, i);
    }
    wren_check("calls to a server receiving with 1 ms timeouts: all answered", good, ROUNDS);
    struct wren_msg quit = {0};
    quit.header.type = WREN_MSG_DATA;
    quit.header.txid = QUIT_TXID;
    wren_send(ch[0], &quit, 0, 0);
    wren_check("  the server answered every call and saw its timeouts", wren_check_wait_status(pid), 0);
    wren_channel_close(ch[0]);
}

/*
 * The mirror image: the client calls with a 1 ms timeout; the server takes the request, spins 3 ms (the client's
 * call times out meanwhile and it is made ready, still in the client's slice given to the server), then answers with
 * reply_receive, whose fast path looks for the client waiting on its end. The late answer stays queued for the
 * client, which takes it with a receive.
 */
static void call_timeout_then_reply_receive(void)
{
    wren_handle_t ch[2];
    wren_channel_create(ch, 0);
    long pid = wren_fork();
    if (pid == 0) {
        wren_channel_close(ch[0]);
        struct wren_msg m;
        long r = wren_reply_receive(-1, ch[1], &m, 0);
        while (r >= 0 && m.header.txid != QUIT_TXID) {
            spin_ns(3 * MS);
            m = reply_to(&m);
            r = wren_reply_receive(ch[1], ch[1], &m, 0);
        }
        wren_exit(r >= 0 ? 0 : 23);
    }
    wren_channel_close(ch[1]);
    long timed_out = 0, late = 0;
    for (uint64_t i = 0; i < ROUNDS; i++) {
        struct wren_msg m = request(i);
        long r = wren_call(ch[0], &m, 1 * MS);
        if (r == -E_TIMEDOUT) {
            timed_out++;
            r = wren_receive(ch[0], &m, 0, 0);
            late += answered(r, &m, i);
        } else {
            late += answered(r, &m, i); /* the server was quick after all */
        }
    }
    wren_check("calls with 1 ms timeouts to a server taking 3 ms: most time out", timed_out >= ROUNDS / 2, 1);
    wren_check("  and every answer arrives, late", late, ROUNDS);
    struct wren_msg quit = request(QUIT_TXID);
    wren_send(ch[0], &quit, 0, 0);
    wren_check("  the server's reply_receive loop ended cleanly", wren_check_wait_status(pid), 0);
    wren_channel_close(ch[0]);
}

static volatile int pokes;
static void poke(int sig)
{
    (void)sig;
    pokes++;
}

/*
 * A server blocked in receive (no timeout) that answers Requests until QUIT_TXID; E_INTR makes it receive again. It
 * exits 0 if its SIGUSR1 handler ran `want_pokes` times (any number if negative).
 */
static _Noreturn void plain_server(wren_handle_t end, int want_pokes)
{
    struct sigaction a = {.sa_handler = poke};
    sigemptyset(&a.sa_mask);
    sigaction(SIGUSR1, &a, 0);
    for (;;) {
        struct wren_msg m;
        long r = wren_receive(end, &m, 0, 0);
        if (r == -E_INTR)
            continue;
        if (r < 0)
            wren_exit(24);
        if (m.header.txid == QUIT_TXID)
            wren_exit(want_pokes < 0 || pokes == want_pokes ? 0 : 25);
        struct wren_msg ans = reply_to(&m);
        wren_send(end, &ans, 0, 0);
    }
}

/* A signal wakes the server (E_INTR) and, before it runs, a call arrives: the call must not hand off to it. */
static void signal_then_call(void)
{
    wren_handle_t ch[2];
    wren_channel_create(ch, 0);
    /* The server's handler is in place from its first instruction (fork copies it): on another CPU it may not have
     * run at all by our first signal, which would otherwise end it. */
    struct sigaction a = {.sa_handler = poke}, old;
    sigemptyset(&a.sa_mask);
    sigaction(SIGUSR1, &a, &old);
    long pid = wren_fork();
    if (pid == 0) {
        wren_channel_close(ch[0]);
        plain_server(ch[1], ROUNDS);
    }
    sigaction(SIGUSR1, &old, 0);
    wren_channel_close(ch[1]);
    long good = 0;
    for (uint64_t i = 0; i < ROUNDS; i++) {
        wren_yield(); /* the server is blocked in receive (it may still be in its handler the first time) */
        wren_kill((int32_t)pid, WREN_SIGNAL_SIGUSR1);
        struct wren_msg m = request(i);
        good += answered(wren_call(ch[0], &m, 0), &m, i);
    }
    wren_check("a signal to the server just before each call: all answered", good, ROUNDS);
    struct wren_msg quit = request(QUIT_TXID);
    wren_send(ch[0], &quit, 0, 0);
    wren_check("  the server ran its handler for each signal", wren_check_wait_status(pid), 0);
    wren_channel_close(ch[0]);
}

/* SIGKILL to a server blocked in receive, then at once a call: E_PIPE when its end closes, nothing else runs it. */
static void kill_then_call(void)
{
    long pipes = 0, killed = 0;
    for (int i = 0; i < 10; i++) {
        wren_handle_t ch[2];
        wren_channel_create(ch, 0);
        long pid = wren_fork();
        if (pid == 0) {
            wren_channel_close(ch[0]);
            plain_server(ch[1], -1);
        }
        wren_channel_close(ch[1]);
        wren_yield();
        wren_kill((int32_t)pid, WREN_SIGNAL_SIGKILL);
        struct wren_msg m = request(1);
        pipes += wren_call(ch[0], &m, 0) == -E_PIPE;
        long st = wren_check_wait_status(pid);
        killed += st == (WREN_WAIT_STATUS_SIGNALED | WREN_SIGNAL_SIGKILL);
        wren_channel_close(ch[0]);
    }
    wren_check("SIGKILL to the server just before a call: E_PIPE", pipes, 10);
    wren_check("  and the server died of SIGKILL", killed, 10);
}

/* SIGSTOP to a server blocked in receive, then a call: it times out; SIGCONT, and the answer comes. */
static void stop_then_call(void)
{
    wren_handle_t ch[2];
    wren_channel_create(ch, 0);
    long pid = wren_fork();
    if (pid == 0) {
        wren_channel_close(ch[0]);
        plain_server(ch[1], -1);
    }
    wren_channel_close(ch[1]);
    long good = 0;
    for (uint64_t i = 0; i < 5; i++) {
        wren_yield();
        wren_kill((int32_t)pid, WREN_SIGNAL_SIGSTOP);
        struct wren_msg m = request(i);
        long r = wren_call(ch[0], &m, 5 * MS);
        wren_kill((int32_t)pid, WREN_SIGNAL_SIGCONT);
        if (r == -E_TIMEDOUT)
            r = wren_receive(ch[0], &m, 0, 0);
        good += answered(r, &m, i) ? 1 : 0;
    }
    wren_check("a stop of the server just before each call: answered once it continues", good, 5);
    struct wren_msg quit = request(QUIT_TXID);
    wren_send(ch[0], &quit, 0, 0);
    wren_check("  the server ended cleanly", wren_check_wait_status(pid), 0);
    wren_channel_close(ch[0]);
}

int main(void)
{
    wren_check_begin("ipcrace");
    struct wren_kernel_stats before = wren_check_kstats();
    receive_timeout_then_call();
    call_timeout_then_reply_receive();
    signal_then_call();
    kill_then_call();
    stop_then_call();
    struct wren_kernel_stats after = wren_check_kstats();
    wren_check("kernel objects back to where they started", (long)after.objects, (long)before.objects);
    return wren_check_end();
}
