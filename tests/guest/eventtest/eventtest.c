/*
 * eventtest: run as /bin/init by tests/test_events.py. Event queues: bad input, 120 pipes
 * with data on a known subset (one wait returns exactly those), level against edge and
 * one-shot subscriptions, channel readiness (messages, room, the peer's close) and a wake-up
 * across processes, one-shot, periodic and absolute timers, wait timeouts, child exits,
 * signals taken as events, posted values (also through a handle that may only post),
 * interrupts claimed by a driver (masked until acknowledged), subscriptions ending with their
 * objects, and 1,000 queues made and closed with every kernel object and allocation given back.
 *
 * The checks run in a child: init is spared signals it has no handler for, and the signal
 * checks need them delivered.
 */
#include <stdint.h>

#include <wren/check.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define MS        1000000ll
#define NPIPES    120
#define KADDR     ((void *)0xffff000040200000ull)
#define SIGBIT(n) (1ull << (n))

static struct wren_event ev[256];

static uint64_t now(void)
{
    return (uint64_t)wren_get_time(WREN_CLOCK_MONOTONIC);
}

static long subs_of(long q)
{
    struct wren_stat st;
    return wren_fstat((int32_t)q, &st) == 0 ? (long)st.size : -1;
}

static long poll_q(long q)
{
    return wren_event_wait((wren_handle_t)q, ev, 256, 0);
}

static void bad_input(void)
{
    int32_t p[2];
    wren_handle_t ch[2];
    long q = wren_event_queue_create();
    struct wren_stat st;

    wren_check("event_queue_create", q >= 3, 1);
    wren_check("  fstat: an event queue", wren_fstat((int32_t)q, &st) == 0 ? (long)st.type : -1,
               WREN_FILE_TYPE_EVENT_QUEUE);
    wren_pipe(p, 0);
    wren_channel_create(ch, 0);
    wren_check("subscribe on handle 200", wren_event_subscribe(200, WREN_EVENT_FD_READABLE, (uint64_t)p[0], 0, 0, 0),
               -E_BADHANDLE);
    wren_check("subscribe on handle -1", wren_event_subscribe((wren_handle_t)-1, WREN_EVENT_TIMER, 0, 0, 0, 0),
               -E_BADHANDLE);
    wren_check("subscribe on a pipe as the queue",
               wren_event_subscribe((wren_handle_t)p[0], WREN_EVENT_FD_READABLE, (uint64_t)p[0], 0, 0, 0),
               -E_WRONGTYPE);
    wren_check("unknown type 99", wren_event_subscribe((wren_handle_t)q, 99, (uint64_t)p[0], 0, 0, 0), -E_INVAL);
    wren_check("type 0", wren_event_subscribe((wren_handle_t)q, 0, (uint64_t)p[0], 0, 0, 0), -E_INVAL);
    wren_check("type post", wren_event_subscribe((wren_handle_t)q, WREN_EVENT_POST, 0, 0, 0, 0), -E_INVAL);
    wren_check("type irq, a pipe as the device",
               wren_event_subscribe((wren_handle_t)q, WREN_EVENT_IRQ, (uint64_t)p[0], 0, 0, 0), -E_WRONGTYPE);
    wren_check("unknown flag bits",
               wren_event_subscribe((wren_handle_t)q, WREN_EVENT_FD_READABLE, (uint64_t)p[0], 0, 1u << 9, 0), -E_INVAL);
    wren_check("arg given for a pipe",
               wren_event_subscribe((wren_handle_t)q, WREN_EVENT_FD_READABLE, (uint64_t)p[0], 5, 0, 0), -E_INVAL);
    wren_check(
        "absolute for a pipe",
        wren_event_subscribe((wren_handle_t)q, WREN_EVENT_FD_READABLE, (uint64_t)p[0], 0, WREN_SUBSCRIBE_ABSOLUTE, 0),
        -E_INVAL);
    wren_check("fd_readable on fd 250", wren_event_subscribe((wren_handle_t)q, WREN_EVENT_FD_READABLE, 250, 0, 0, 0),
               -E_BADF);
    wren_check("fd_readable on fd 2^40",
               wren_event_subscribe((wren_handle_t)q, WREN_EVENT_FD_READABLE, 1ull << 40, 0, 0, 0), -E_BADF);
    wren_check("fd_writable on a pipe's read end",
               wren_event_subscribe((wren_handle_t)q, WREN_EVENT_FD_WRITABLE, (uint64_t)p[0], 0, 0, 0), -E_ACCES);
    wren_check("fd_readable on a pipe's write end",
               wren_event_subscribe((wren_handle_t)q, WREN_EVENT_FD_READABLE, (uint64_t)p[1], 0, 0, 0), -E_ACCES);
    wren_check("fd_readable on the queue itself",
               wren_event_subscribe((wren_handle_t)q, WREN_EVENT_FD_READABLE, (uint64_t)q, 0, 0, 0), -E_NOTSUP);
    wren_check("ipc_ready on a pipe",
               wren_event_subscribe((wren_handle_t)q, WREN_EVENT_IPC_READY, (uint64_t)p[0], 0, 0, 0), -E_WRONGTYPE);
    wren_check("ipc_ready on handle 250", wren_event_subscribe((wren_handle_t)q, WREN_EVENT_IPC_READY, 250, 0, 0, 0),
               -E_BADHANDLE);
    wren_check("signal 0", wren_event_subscribe((wren_handle_t)q, WREN_EVENT_SIGNAL, 0, 0, 0, 0), -E_INVAL);
    wren_check("signal SIGKILL",
               wren_event_subscribe((wren_handle_t)q, WREN_EVENT_SIGNAL, WREN_SIGNAL_SIGKILL, 0, 0, 0), -E_INVAL);
    wren_check("signal 64", wren_event_subscribe((wren_handle_t)q, WREN_EVENT_SIGNAL, 64, 0, 0, 0), -E_INVAL);
    wren_check("child_exit of pid 9999", wren_event_subscribe((wren_handle_t)q, WREN_EVENT_CHILD_EXIT, 9999, 0, 0, 0),
               -E_CHILD);
    wren_check("child_exit of myself",
               wren_event_subscribe((wren_handle_t)q, WREN_EVENT_CHILD_EXIT, (uint64_t)wren_get_pid(), 0, 0, 0),
               -E_CHILD);
    wren_check("  nothing was subscribed by all that", subs_of(q), 0);

    wren_check("wait with max 0", wren_event_wait((wren_handle_t)q, ev, 0, 0), -E_INVAL);
    wren_check("wait with timeout -2", wren_event_wait((wren_handle_t)q, ev, 1, -2), -E_INVAL);
    wren_check("wait into NULL", wren_event_wait((wren_handle_t)q, 0, 1, 0), -E_FAULT);
    wren_check("wait into a kernel address", wren_event_wait((wren_handle_t)q, KADDR, 1, 0), -E_FAULT);
    wren_check("wait with max past the buffer's mapping", wren_event_wait((wren_handle_t)q, ev, 1u << 30, 0), -E_FAULT);
    wren_check("wait on a pipe", wren_event_wait((wren_handle_t)p[0], ev, 1, 0), -E_WRONGTYPE);
    wren_check("wait on handle 250", wren_event_wait(250, ev, 1, 0), -E_BADHANDLE);
    wren_check("poll an empty queue", wren_event_wait((wren_handle_t)q, ev, 1, 0), -E_TIMEDOUT);
    wren_check("unsubscribe id 12345", wren_event_unsubscribe((wren_handle_t)q, 12345), -E_NOENT);
    wren_check("unsubscribe on a channel", wren_event_unsubscribe(ch[0], 1), -E_WRONGTYPE);
    wren_check("post on a channel", wren_event_post(ch[0], 1), -E_WRONGTYPE);

    /* A record is not lost to a bad buffer: the check comes before anything is taken. */
    long id =
        wren_event_subscribe((wren_handle_t)q, WREN_EVENT_FD_READABLE, (uint64_t)p[0], 0, WREN_SUBSCRIBE_EDGE, 77);
    wren_check("subscribe a pipe, edge", id > 0, 1);
    wren_write(p[1], "x", 1);
    wren_check("wait into a kernel address with an edge pending", wren_event_wait((wren_handle_t)q, KADDR, 1, 0),
               -E_FAULT);
    wren_check("  the edge is still reported", wren_event_wait((wren_handle_t)q, ev, 1, 0), 1);
    wren_check("  with its cookie", (long)ev[0].cookie, 77);
    wren_check("  and its id", (long)ev[0].subscription, id);
    wren_check("  type fd_readable", (long)ev[0].type, WREN_EVENT_FD_READABLE);
    wren_check("  source is the fd", (long)ev[0].source, p[0]);
    wren_check("  data: readable", (long)ev[0].data, WREN_POLL_READABLE);
    wren_check("unsubscribe it", wren_event_unsubscribe((wren_handle_t)q, (uint32_t)id), 0);
    wren_check("  twice", wren_event_unsubscribe((wren_handle_t)q, (uint32_t)id), -E_NOENT);
    wren_close(p[0]);
    wren_close(p[1]);
    wren_close(ch[0]);
    wren_close(ch[1]);
    wren_close((int32_t)q);
}

/* 120 pipes, data in a known subset: one wait returns exactly those, each once. */
static void multiplex(void)
{
    int32_t p[NPIPES][2];
    long q = wren_event_queue_create();
    long bad = 0;

    for (int i = 0; i < NPIPES; i++) {
        bad += wren_pipe(p[i], 0) != 0;
        bad += wren_event_subscribe((wren_handle_t)q, WREN_EVENT_FD_READABLE, (uint64_t)p[i][0], 0, 0,
                                    1000 + (uint64_t)i) <= 0;
    }
    wren_check("120 pipes made and subscribed", bad, 0);
    wren_check("  the queue counts 120 subscriptions", subs_of(q), NPIPES);
    wren_check("  none ready yet", poll_q(q), -E_TIMEDOUT);
    int want = 0;
    for (int i = 0; i < NPIPES; i++)
        if (i % 7 == 3) {
            wren_write(p[i][1], "abc", 3);
            want++;
        }
    long n = wren_event_wait((wren_handle_t)q, ev, 256, -1);
    wren_check("one wait returns the 17 written to", n, want);
    int seen[NPIPES] = {0};
    bad = 0;
    for (long k = 0; k < n; k++) {
        long i = (long)ev[k].cookie - 1000;
        if (i < 0 || i >= NPIPES || i % 7 != 3 || seen[i]++ || ev[k].type != WREN_EVENT_FD_READABLE ||
            (long)ev[k].source != p[i][0])
            bad++;
    }
    wren_check("  exactly those, each once, with their fds and cookies", bad, 0);
    wren_check("  level: all of them again while the data stays", poll_q(q), want);

    /* A small max takes turns: a reported level subscription goes to the back. */
    for (int i = 0; i < NPIPES; i++)
        if (i % 7 == 3) {
            char buf[8];
            wren_read(p[i][0], buf, sizeof(buf));
        }
    wren_check("after reading everything: nothing", poll_q(q), -E_TIMEDOUT);
    wren_write(p[10][1], "a", 1);
    wren_write(p[20][1], "a", 1);
    wren_write(p[30][1], "a", 1);
    wren_check("three written, max 2", wren_event_wait((wren_handle_t)q, ev, 2, -1), 2);
    wren_check("  the first two in the order they became ready", ev[0].cookie == 1010 && ev[1].cookie == 1020, 1);
    wren_check("next wait with max 2", wren_event_wait((wren_handle_t)q, ev, 2, -1), 2);
    wren_check("  starts with the third, then the first again", ev[0].cookie == 1030 && ev[1].cookie == 1010, 1);

    /* The writing ends' closes are events too: end of file is readable. */
    for (int i = 0; i < NPIPES; i++)
        wren_close(p[i][1]);
    n = poll_q(q);
    wren_check("all 120 writers closed: all 120 readable (end of file)", n, NPIPES);
    bad = 0;
    for (long k = 0; k < n; k++)
        bad += !(ev[k].data & WREN_POLL_HANGUP);
    wren_check("  each with hangup", bad, 0);
    for (int i = 0; i < NPIPES; i++)
        wren_close(p[i][0]);
    wren_check("all readers closed: their subscriptions went with them", subs_of(q), 0);
    wren_check("  and nothing is reported", poll_q(q), -E_TIMEDOUT);
    wren_close((int32_t)q);
}

static void level_edge(void)
{
    int32_t p[2];
    char buf[8];
    long ql = wren_event_queue_create(), qe = wren_event_queue_create(), qo = wren_event_queue_create();

    wren_pipe(p, 0);
    wren_event_subscribe((wren_handle_t)ql, WREN_EVENT_FD_READABLE, (uint64_t)p[0], 0, 0, 1);
    wren_event_subscribe((wren_handle_t)qe, WREN_EVENT_FD_READABLE, (uint64_t)p[0], 0, WREN_SUBSCRIBE_EDGE, 2);
    long oid =
        wren_event_subscribe((wren_handle_t)qo, WREN_EVENT_FD_READABLE, (uint64_t)p[0], 0, WREN_SUBSCRIBE_ONESHOT, 3);
    wren_check("empty pipe: level reports nothing", poll_q(ql), -E_TIMEDOUT);
    wren_check("  edge nothing", poll_q(qe), -E_TIMEDOUT);
    wren_write(p[1], "ab", 2);
    wren_check("written: level reports", poll_q(ql), 1);
    wren_check("  edge reports", poll_q(qe), 1);
    wren_check("  one-shot reports", poll_q(qo), 1);
    wren_check("data still there: level reports again", poll_q(ql), 1);
    wren_check("  edge does not", poll_q(qe), -E_TIMEDOUT);
    wren_check("  one-shot does not", poll_q(qo), -E_TIMEDOUT);
    wren_check("  the one-shot is gone", wren_event_unsubscribe((wren_handle_t)qo, (uint32_t)oid), -E_NOENT);
    wren_read(p[0], buf, 1);
    wren_check("one byte read, one left: level still reports", poll_q(ql), 1);
    wren_check("  edge still does not", poll_q(qe), -E_TIMEDOUT);
    wren_write(p[1], "c", 1);
    wren_check("new data: edge reports again", poll_q(qe), 1);
    wren_check("  once", poll_q(qe), -E_TIMEDOUT);
    wren_write(p[1], "d", 1);
    wren_read(p[0], buf, sizeof(buf));
    wren_check("written then drained before the wait: edge reports nothing", poll_q(qe), -E_TIMEDOUT);
    wren_check("  level nothing", poll_q(ql), -E_TIMEDOUT);
    wren_close(p[0]);
    wren_close(p[1]);
    wren_close((int32_t)ql);
    wren_close((int32_t)qe);
    wren_close((int32_t)qo);
}

static void channels(void)
{
    wren_handle_t ch[2];
    struct wren_msg m = {0}, r;
    long q = wren_event_queue_create();

    m.header.type = WREN_MSG_DATA;
    wren_channel_create(ch, 1);
    wren_check("ipc_ready on a channel end",
               wren_event_subscribe((wren_handle_t)q, WREN_EVENT_IPC_READY, ch[1], 0, 0, 5) > 0, 1);
    wren_check("fd_writable on the other end, edge",
               wren_event_subscribe((wren_handle_t)q, WREN_EVENT_FD_WRITABLE, ch[0], 0, WREN_SUBSCRIBE_EDGE, 6) > 0, 1);
    wren_check("at first: the sending end is writable", poll_q(q), 1);
    wren_check("  cookie 6", (long)ev[0].cookie, 6);
    wren_send(ch[0], &m, 0, 0);
    wren_check("a message sent (queue of 1 now full): ipc_ready", poll_q(q), 1);
    wren_check("  cookie 5", (long)ev[0].cookie, 5);
    wren_check("  type ipc_ready", (long)ev[0].type, WREN_EVENT_IPC_READY);
    wren_check("  data: readable (and writable: the other way is empty)", (long)ev[0].data,
               WREN_POLL_READABLE | WREN_POLL_WRITABLE);
    wren_receive(ch[1], &r, 0, 0);
    wren_check("received: the sender has room again (edge)", poll_q(q), 1);
    wren_check("  cookie 6", (long)ev[0].cookie, 6);
    wren_close(ch[0]);
    wren_check("the peer closed: readable with hangup", poll_q(q), 1);
    wren_check("  data", (long)ev[0].data, WREN_POLL_READABLE | WREN_POLL_WRITABLE | WREN_POLL_HANGUP);
    wren_check("  the closed end's subscription went with it", subs_of(q), 1);
    wren_close(ch[1]);

    /* Across processes: a child blocked in event_wait wakes for a message sent later. */
    wren_channel_create(ch, 0);
    wren_event_subscribe((wren_handle_t)q, WREN_EVENT_IPC_READY, ch[1], 0, 0, 9);
    long pid = wren_fork();
    if (pid == 0) {
        long n = wren_event_wait((wren_handle_t)q, ev, 4, 2000 * MS);
        long ok = n == 1 && ev[0].cookie == 9 && wren_receive(ch[1], &r, WREN_IPC_NONBLOCK, 0) == 3;
        wren_exit(ok ? 0 : 1);
    }
    wren_sleep(10 * MS); /* let it block */
    m.header.length = 3;
    wren_send(ch[0], &m, 0, 0);
    int32_t status = -1;
    wren_wait((int32_t)pid, &status, 0);
    wren_check("a child blocked in event_wait woke for the message", status, 0);
    wren_close(ch[0]);
    wren_close(ch[1]);
    wren_close((int32_t)q);
}

static void timers(void)
{
    long q = wren_event_queue_create();

    uint64_t t0 = now();
    long id = wren_event_subscribe((wren_handle_t)q, WREN_EVENT_TIMER, 5 * MS, 0, 0, 11);
    wren_check("one-shot timer in 5 ms", id > 0, 1);
    wren_check("  not yet", poll_q(q), -E_TIMEDOUT);
    long n = wren_event_wait((wren_handle_t)q, ev, 8, -1);
    uint64_t dt = now() - t0;
    wren_check("  fires", n, 1);
    wren_check("  type timer, one expiration", ev[0].type == WREN_EVENT_TIMER && ev[0].data == 1, 1);
    wren_check("  not before 5 ms", dt >= 5 * MS, 1);
    wren_check("  nor much after (< 500 ms)", dt < 500 * MS, 1);
    wren_check("  source: the expiry time", ev[0].source >= t0 + 5 * MS && ev[0].source <= ev[0].time, 1);
    wren_check("  only once", wren_event_wait((wren_handle_t)q, ev, 8, 20 * MS), -E_TIMEDOUT);
    wren_check("  and then it is gone", wren_event_unsubscribe((wren_handle_t)q, (uint32_t)id), -E_NOENT);

    /* Periodic, first expiry at t0 + 10 ms (absolute, so the expected times are exact). */
    t0 = now();
    id = wren_event_subscribe((wren_handle_t)q, WREN_EVENT_TIMER, t0 + 10 * MS, 10 * MS, WREN_SUBSCRIBE_ABSOLUTE, 12);
    wren_sleep(35 * MS);
    n = poll_q(q);
    wren_check("periodic 10 ms, 35 ms later: one record", n, 1);
    wren_check("  from the first expiry", ev[0].source == t0 + 10 * MS, 1);
    wren_check("  counting every expiry up to now (3, more if the sleep ran late)",
               ev[0].data >= 3 && ev[0].data == (ev[0].time - t0) / (10 * MS), 1);
    uint64_t total = ev[0].data;
    long bad = 0;
    for (int i = 0; i < 4; i++) {
        bad += wren_event_wait((wren_handle_t)q, ev, 8, -1) != 1;
        bad += ev[0].source != t0 + (total + 1) * 10 * MS; /* no expiry lost or counted twice */
        bad += ev[0].time < ev[0].source;                  /* none early */
        total += ev[0].data;
    }
    wren_check("  four blocking waits: each the next expiry, on time or later, none lost", bad, 0);
    wren_check("  unsubscribe stops it", wren_event_unsubscribe((wren_handle_t)q, (uint32_t)id), 0);
    wren_check("  nothing after", wren_event_wait((wren_handle_t)q, ev, 8, 25 * MS), -E_TIMEDOUT);

    uint64_t at = now() + 3 * MS;
    wren_event_subscribe((wren_handle_t)q, WREN_EVENT_TIMER, at, 0, WREN_SUBSCRIBE_ABSOLUTE, 13);
    n = wren_event_wait((wren_handle_t)q, ev, 8, -1);
    wren_check("absolute timer fires at its time", n == 1 && ev[0].source == at && now() >= at, 1);
    wren_event_subscribe((wren_handle_t)q, WREN_EVENT_TIMER, 1, 0, WREN_SUBSCRIBE_ABSOLUTE, 14);
    wren_check("an absolute time in the past fires at once", poll_q(q) == 1 && ev[0].cookie == 14, 1);

    t0 = now();
    n = wren_event_wait((wren_handle_t)q, ev, 8, 20 * MS);
    dt = now() - t0;
    wren_check("empty queue, 20 ms timeout: E_TIMEDOUT", n, -E_TIMEDOUT);
    wren_check("  after 20 ms", dt >= 20 * MS, 1);
    wren_check("  not much more (< 500 ms)", dt < 500 * MS, 1);
    wren_event_subscribe((wren_handle_t)q, WREN_EVENT_TIMER, 1000 * MS, 0, 0, 15);
    t0 = now();
    n = wren_event_wait((wren_handle_t)q, ev, 8, 10 * MS);
    wren_check("a timer due later does not end a shorter wait early or late",
               n == -E_TIMEDOUT && now() - t0 >= 10 * MS && now() - t0 < 500 * MS, 1);
    wren_close((int32_t)q);
}

static void children(void)
{
    long q = wren_event_queue_create();

    long pid = wren_fork();
    if (pid == 0) {
        wren_sleep(5 * MS);
        wren_exit(7);
    }
    wren_check("child_exit of a child",
               wren_event_subscribe((wren_handle_t)q, WREN_EVENT_CHILD_EXIT, (uint64_t)pid, 0, 0, 21) > 0, 1);
    long n = wren_event_wait((wren_handle_t)q, ev, 8, 2000 * MS);
    wren_check("  reported when it exits", n, 1);
    wren_check("  source: its pid", (long)ev[0].source, pid);
    wren_check("  data: its status", (long)ev[0].data, 7);
    wren_check("  level: again while unreaped", poll_q(q), 1);
    int32_t status = -1;
    wren_check("  reaped", wren_wait((int32_t)pid, &status, 0), pid);
    wren_check("  then not reported", poll_q(q), -E_TIMEDOUT);
    wren_close((int32_t)q);

    q = wren_event_queue_create();
    wren_event_subscribe((wren_handle_t)q, WREN_EVENT_CHILD_EXIT, 0, 0, WREN_SUBSCRIBE_EDGE, 22);
    pid = wren_fork();
    if (pid == 0)
        wren_exit(3);
    n = wren_event_wait((wren_handle_t)q, ev, 8, 2000 * MS);
    wren_check("any child, edge: reported", n == 1 && (long)ev[0].source == pid && ev[0].data == 3, 1);
    wren_check("  once", poll_q(q), -E_TIMEDOUT);
    wren_wait((int32_t)pid, &status, 0);
    wren_close((int32_t)q);
}

static void signals(void)
{
    long q = wren_event_queue_create();
    uint64_t old;

    wren_sigprocmask(WREN_SIGMASK_HOW_BLOCK, SIGBIT(WREN_SIGNAL_SIGUSR1), &old);
    wren_check("signal subscription",
               wren_event_subscribe((wren_handle_t)q, WREN_EVENT_SIGNAL, WREN_SIGNAL_SIGUSR1, 0, 0, 31) > 0, 1);
    wren_check("  nothing pending: nothing", poll_q(q), -E_TIMEDOUT);
    wren_kill((int32_t)wren_get_pid(), WREN_SIGNAL_SIGUSR1);
    wren_check("  blocked SIGUSR1 sent to myself: reported", poll_q(q), 1);
    wren_check("  data: the signal", (long)ev[0].data, WREN_SIGNAL_SIGUSR1);
    wren_check("  and consumed", poll_q(q), -E_TIMEDOUT);
    long me = wren_get_pid();
    long pid = wren_fork();
    if (pid == 0) {
        wren_sleep(10 * MS);
        wren_kill((int32_t)me, WREN_SIGNAL_SIGUSR1);
        wren_exit(0);
    }
    long n = wren_event_wait((wren_handle_t)q, ev, 8, 2000 * MS);
    wren_check("  one sent by a child wakes the wait", n == 1 && ev[0].cookie == 31, 1);
    wren_wait((int32_t)pid, 0, 0);
    /* Unblocked, it is not taken: consumed by the event, it would never reach the (default: fatal) action. */
    wren_check("  after unblocking nothing is pending that could kill us",
               wren_sigprocmask(WREN_SIGMASK_HOW_SETMASK, old, 0), 0);
    wren_close((int32_t)q);
}

static void posting(void)
{
    long q = wren_event_queue_create();
    wren_handle_t ch[2];
    struct wren_msg r;

    wren_check("post", wren_event_post((wren_handle_t)q, 42), 0);
    wren_check("  reported without a subscription", poll_q(q), 1);
    wren_check("  type post, value, poster",
               ev[0].type == WREN_EVENT_POST && ev[0].data == 42 && (long)ev[0].source == wren_get_pid() &&
                   ev[0].subscription == 0,
               1);
    long bad = 0;
    for (int i = 0; i < 32; i++)
        bad += wren_event_post((wren_handle_t)q, (uint64_t)i) != 0;
    wren_check("32 posts fit", bad, 0);
    wren_check("  the 33rd: E_AGAIN", wren_event_post((wren_handle_t)q, 99), -E_AGAIN);
    long n = poll_q(q);
    bad = 0;
    for (long k = 0; k < n; k++)
        bad += ev[k].data != (uint64_t)k;
    wren_check("  all 32 come out in order", n == 32 && bad == 0, 1);

    /* A handle that may only post: sent over a channel with WREN_RIGHT_SIGNAL alone. */
    wren_channel_create(ch, 0);
    long dup = wren_dup((int32_t)q);
    wren_check("send a post-only copy of the queue",
               wren_channel_transfer(ch[0], (wren_handle_t)dup, WREN_RIGHT_SIGNAL), 0);
    wren_receive(ch[1], &r, 0, 0);
    wren_handle_t only = *(wren_handle_t *)r.payload;
    wren_check("  it posts", wren_event_post(only, 5), 0);
    wren_check("  it may not wait", wren_event_wait(only, ev, 1, 0), -E_ACCES);
    wren_check("  nor subscribe", wren_event_subscribe(only, WREN_EVENT_TIMER, 1, 0, 0, 0), -E_ACCES);
    long pid = wren_fork();
    if (pid == 0) {
        wren_event_post(only, 77);
        wren_exit(0);
    }
    wren_wait((int32_t)pid, 0, 0);
    n = poll_q(q);
    wren_check("  both posts arrive, the child's with its pid",
               n == 2 && ev[0].data == 5 && ev[1].data == 77 && (long)ev[1].source == pid, 1);
    wren_close((int32_t)only);
    wren_close(ch[0]);
    wren_close(ch[1]);
    wren_close((int32_t)q);
}

/*
 * A driver's interrupt: claimed by a subscription through a device handle (a virtio-mmio transport with no
 * backend, which never raises it by itself), raised from software (event_irq_raise sets it pending at the GIC as
 * the device would), masked by the kernel when it fires and let through again only by event_irq_ack.
 */
static void interrupts(void)
{
    static const char name[] = "virtio,mmio";
    long q = wren_event_queue_create(), q2 = wren_event_queue_create();
    long timer = wren_event_subscribe((wren_handle_t)q, WREN_EVENT_TIMER, 1000 * MS, 0, 0, 0);
    long dev = wren_device_open(name, sizeof(name) - 1);
    struct wren_device_info info;

    wren_check("open a virtio-mmio transport", dev >= 0, 1);
    wren_check("  its description", wren_device_info((wren_handle_t)dev, &info), 0);
    const uint32_t spi = info.intid;
    wren_check("  an SPI, edge-triggered (QEMU's DTB)", spi >= 32 && info.irq_edge == 1, 1);
    wren_check("raise an unclaimed interrupt", wren_event_irq_raise(spi), -E_PERM);
    wren_check("raise the console's", wren_event_irq_raise(33), -E_PERM);
    long id = wren_event_subscribe((wren_handle_t)q, WREN_EVENT_IRQ, (uint64_t)dev, 0, 0, 41);
    wren_check("claim it through the device", id > 0, 1);
    wren_check("  a second claim", wren_event_subscribe((wren_handle_t)q2, WREN_EVENT_IRQ, (uint64_t)dev, 0, 0, 0),
               -E_BUSY);
    wren_check("  a raw INTID is no device handle",
               wren_event_subscribe((wren_handle_t)q2, WREN_EVENT_IRQ, 33, 0, 0, 0), -E_BADHANDLE);
    wren_check("  an event queue is no device",
               wren_event_subscribe((wren_handle_t)q2, WREN_EVENT_IRQ, (uint64_t)q, 0, 0, 0), -E_WRONGTYPE);
    wren_check("  arg 1", wren_event_subscribe((wren_handle_t)q2, WREN_EVENT_IRQ, (uint64_t)dev, 1, 0, 0), -E_INVAL);
    wren_check("  nothing yet", poll_q(q), -E_TIMEDOUT);
    wren_check("raise it", wren_event_irq_raise(spi), 0);
    long n = wren_event_wait((wren_handle_t)q, ev, 8, 1000 * MS);
    wren_check("  reported", n, 1);
    wren_check("  type irq, source the INTID, one interrupt, the cookie",
               ev[0].type == WREN_EVENT_IRQ && ev[0].source == spi && ev[0].data == 1 && ev[0].cookie == 41, 1);
    wren_check("raise it again before the acknowledgement", wren_event_irq_raise(spi), 0);
    wren_sleep(5 * MS);
    wren_check("  masked: not delivered", poll_q(q), -E_TIMEDOUT);
    wren_check("acknowledge", wren_event_irq_ack((wren_handle_t)q, (uint32_t)id), 0);
    n = wren_event_wait((wren_handle_t)q, ev, 8, 1000 * MS);
    wren_check("  the pending one comes through", n == 1 && ev[0].type == WREN_EVENT_IRQ && ev[0].data == 1, 1);
    wren_check("  and nothing more", poll_q(q), -E_TIMEDOUT);
    wren_check("acknowledge a timer subscription", wren_event_irq_ack((wren_handle_t)q, (uint32_t)timer), -E_INVAL);
    wren_check("acknowledge id 999", wren_event_irq_ack((wren_handle_t)q, 999), -E_NOENT);
    wren_check("acknowledge on a bad handle", wren_event_irq_ack(250, (uint32_t)id), -E_BADHANDLE);
    wren_event_irq_ack((wren_handle_t)q, (uint32_t)id);
    wren_check("unsubscribe releases it", wren_event_unsubscribe((wren_handle_t)q, (uint32_t)id), 0);
    wren_check("  it cannot be raised any more", wren_event_irq_raise(spi), -E_PERM);
    wren_check("  another queue may claim it",
               wren_event_subscribe((wren_handle_t)q2, WREN_EVENT_IRQ, (uint64_t)dev, 0, 0, 0) > 0, 1);
    wren_close((int32_t)q2);
    id = wren_event_subscribe((wren_handle_t)q, WREN_EVENT_IRQ, (uint64_t)dev, 0, 0, 0);
    wren_check("closing that queue releases it too", id > 0, 1);
    wren_check("  raised", wren_event_irq_raise(spi), 0);
    wren_close((int32_t)dev);
    wren_check("closing the device ends the subscription", wren_event_irq_ack((wren_handle_t)q, (uint32_t)id),
               -E_NOENT);
    wren_check("  and releases the line", wren_event_irq_raise(spi), -E_PERM);
    wren_check("  the pending interrupt was never delivered", poll_q(q), -E_TIMEDOUT);
    dev = wren_device_open(name, sizeof(name) - 1);
    wren_check("  the device opens again", dev >= 0, 1);
    id = wren_event_subscribe((wren_handle_t)q, WREN_EVENT_IRQ, (uint64_t)dev, 0, 0, 0);
    wren_check("  its line is free", id > 0, 1);
    /* Released while pending at the GIC: the next driver of the line must not get it. */
    wren_event_irq_raise(spi);
    wren_check("  raised: reported, then masked", wren_event_wait((wren_handle_t)q, ev, 8, 1000 * MS), 1);
    wren_check("  raised again: pending behind the mask", wren_event_irq_raise(spi), 0);
    wren_close((int32_t)dev);
    dev = wren_device_open(name, sizeof(name) - 1);
    wren_check("  opened and claimed again",
               wren_event_subscribe((wren_handle_t)q, WREN_EVENT_IRQ, (uint64_t)dev, 0, 0, 0) > 0, 1);
    wren_sleep(5 * MS);
    wren_check("  the interrupt pending at the release never arrives", poll_q(q), -E_TIMEDOUT);
    wren_close((int32_t)dev);
    wren_close((int32_t)q);
}

/* 1,000 queues with subscriptions of every kind, closed in different orders: nothing left behind. */
static void no_leaks(void)
{
    int32_t p[2];
    wren_handle_t ch[2];
    long bad = 0;
    struct wren_kernel_stats k0 = wren_check_kstats();

    for (int i = 0; i < 1000; i++) {
        long q = wren_event_queue_create();
        bad += q < 0;
        bad += wren_pipe(p, 0) != 0;
        bad += wren_channel_create(ch, 0) != 0;
        bad += wren_event_subscribe((wren_handle_t)q, WREN_EVENT_FD_READABLE, (uint64_t)p[0], 0, 0, 0) <= 0;
        bad += wren_event_subscribe((wren_handle_t)q, WREN_EVENT_FD_WRITABLE, (uint64_t)p[1], 0, WREN_SUBSCRIBE_EDGE,
                                    0) <= 0;
        bad += wren_event_subscribe((wren_handle_t)q, WREN_EVENT_IPC_READY, ch[0], 0, 0, 0) <= 0;
        bad += wren_event_subscribe((wren_handle_t)q, WREN_EVENT_TIMER, 1000 * MS, MS, 0, 0) <= 0;
        bad += wren_event_subscribe((wren_handle_t)q, WREN_EVENT_CHILD_EXIT, 0, 0, 0, 0) <= 0;
        bad += wren_event_subscribe((wren_handle_t)q, WREN_EVENT_SIGNAL, WREN_SIGNAL_SIGUSR2, 0, 0, 0) <= 0;
        bad += wren_event_post((wren_handle_t)q, 1) != 0;
        bad += wren_write(p[1], "x", 1) != 1;
        if (i % 2) { /* the sources first: their subscriptions go with them */
            bad += wren_close(p[0]) + wren_close(p[1]) + wren_close(ch[0]) + wren_close(ch[1]);
            bad += subs_of(q) != 3;
            bad += wren_close((int32_t)q);
        } else { /* the queue first, with ready subscriptions and a posted record */
            bad += wren_close((int32_t)q);
            bad += wren_close(p[0]) + wren_close(p[1]) + wren_close(ch[0]) + wren_close(ch[1]);
        }
    }
    struct wren_kernel_stats k1 = wren_check_kstats();
    wren_check("1,000 queues made, subscribed and closed", bad, 0);
    wren_check("  kernel objects back where they were", (long)(k1.objects - k0.objects), 0);
    wren_check("  kernel heap allocations too", (long)(k1.heap_objects - k0.heap_objects), 0);
    wren_check("  and open handles", (long)(k1.handles - k0.handles), 0);
}

int main(void)
{
    long pid = wren_fork();
    if (pid != 0) {
        int32_t status = -1;
        wren_wait((int32_t)pid, &status, 0);
        return status;
    }
    wren_check_begin("eventtest");
    bad_input();
    multiplex();
    level_edge();
    channels();
    timers();
    children();
    signals();
    posting();
    interrupts();
    no_leaks();
    return wren_check_end();
}
