/*
 * rtcabuse: typed at the shell by tests/test_rtc.py, where the RTC service (rtc -d, started by init) serves
 * "sys.rtc". A bad client of the service: wrong message types, wrong ops and lengths, handles attached, a flood of
 * requests it never reads, a call it leaves mid-way, a connection it holds silently, and more connections at once
 * than the port queues. After each, a good call (drivers/rtc/proto.h: Request, u32 op 1, answered by a Reply with the
 * u64 seconds since 1970) must still be answered, and the service must still be the same process.
 */
#include <stdint.h>
#include <string.h>

#include <wren/check.h>
#include <wren/syscalls.h>

#define PORT   "sys.rtc"
#define OP_NOW 1
#define SECOND 1000000000ull
#define Y2026  1767225600u /* 2026-01-01 00:00:00 UTC: a clock that answers is past it */

static long connect(void)
{
    return wren_port_connect(PORT, sizeof(PORT) - 1, 10 * SECOND);
}

static struct wren_msg msg(uint32_t type, uint32_t op, uint32_t len, uint64_t txid)
{
    struct wren_msg m = {0};
    m.header.type = type;
    m.header.length = len;
    m.header.txid = txid;
    memcpy(m.payload, &op, sizeof(op));
    return m;
}

/* The answer to a good call on ch: the seconds it carries, or 0. */
static uint64_t ask_on(long ch)
{
    struct wren_msg m = msg(WREN_MSG_REQUEST, OP_NOW, 4, 77);
    uint64_t t = 0;
    if (wren_call(ch, &m, 5 * SECOND) != 8 || m.header.type != WREN_MSG_REPLY || m.header.txid != 77)
        return 0;
    memcpy(&t, m.payload, sizeof(t));
    return t;
}

/* A fresh connection's answer: 1 if the service answered a time past 2026. */
static int still_answers(void)
{
    long ch = connect();
    if (ch < 0)
        return 0;
    uint64_t t = ask_on(ch);
    wren_channel_close(ch);
    return t > Y2026;
}

/* Send m on ch and read the answer: the E_* code of an Error with m's txid, or a negative value otherwise. */
static long error_for(long ch, struct wren_msg m)
{
    uint64_t txid = m.header.txid;
    if (wren_send(ch, &m, 0, SECOND) < 0)
        return -1;
    if (wren_receive(ch, &m, 0, 5 * SECOND) < 0)
        return -2;
    if (m.header.type != WREN_MSG_ERROR || m.header.txid != txid || m.header.length != 4)
        return -3;
    uint32_t err;
    memcpy(&err, m.payload, sizeof(err));
    return err;
}

static long service_pid(void)
{
    struct wren_proc_info pi;
    for (long c = 0; (c = wren_proc_info((uint32_t)c, &pi)) > 0;)
        if (!strcmp((const char *)pi.name, "/bin/rtc") && pi.state != WREN_PROC_STATE_ZOMBIE && pi.ppid == 1)
            return pi.pid;
    return -1;
}

static void garbage(void)
{
    long ch = connect();
    wren_check("connect to sys.rtc", ch >= 0, 1);
    wren_check("  a good call first", ask_on(ch) > Y2026, 1);
    wren_check("  an unknown op", error_for(ch, msg(WREN_MSG_REQUEST, 99, 4, 1)), E_INVAL);
    wren_check("  op 0", error_for(ch, msg(WREN_MSG_REQUEST, 0, 4, 2)), E_INVAL);
    wren_check("  no payload", error_for(ch, msg(WREN_MSG_REQUEST, OP_NOW, 0, 3)), E_INVAL);
    wren_check("  a full 64-byte payload", error_for(ch, msg(WREN_MSG_REQUEST, OP_NOW, 64, 4)), E_INVAL);
    wren_check("  a Data message", error_for(ch, msg(WREN_MSG_DATA, OP_NOW, 4, 5)), E_INVAL);
    wren_check("  a Reply", error_for(ch, msg(WREN_MSG_REPLY, OP_NOW, 4, 6)), E_INVAL);
    wren_check("  an Error", error_for(ch, msg(WREN_MSG_ERROR, OP_NOW, 4, 7)), E_INVAL);
    wren_check("  a Connect", error_for(ch, msg(WREN_MSG_CONNECT, OP_NOW, 4, 8)), E_INVAL);
    struct wren_msg big = msg(WREN_MSG_REQUEST, OP_NOW, 65, 9);
    wren_check("  an oversized one is the kernel's to refuse", wren_send(ch, &big, 0, SECOND), -E_MSGSIZE);
    wren_check("  and still a good call", ask_on(ch) > Y2026, 1);

    /* A handle sent to the service is closed there, unused: its peer here sees Close. */
    wren_handle_t ends[2];
    wren_check("  a channel to send it one end of", wren_channel_create(ends, 1), 0);
    wren_check("  a handle attached", wren_channel_transfer(ch, ends[1], WREN_RIGHT_ALL), 0);
    struct wren_msg m;
    long r = wren_receive(ch, &m, 0, 5 * SECOND);
    uint32_t err = 0;
    memcpy(&err, m.payload, sizeof(err));
    wren_check("    is refused", r == 4 && m.header.type == WREN_MSG_ERROR ? err : 0, E_INVAL);
    r = wren_receive(ends[0], &m, 0, 5 * SECOND);
    wren_check("    and closed by the service", r >= 0 ? m.header.type : r, WREN_MSG_CLOSE);
    wren_channel_close(ends[0]);
    wren_channel_close(ch);
    wren_check("the service still answers", still_answers(), 1);
}

static void flood_and_leave(void)
{
    /* Requests sent and never read: its replies fill the client's queue, and the service must not block on it. */
    long ch = connect();
    int sent = 0;
    for (int i = 0; i < 40; i++) {
        struct wren_msg m = msg(WREN_MSG_REQUEST, OP_NOW, 4, (uint64_t)i);
        if (wren_send(ch, &m, 0, SECOND / 4) == 0)
            sent++;
    }
    wren_check("a flood of unread requests", sent >= 8, 1);
    wren_check("  another client is answered meanwhile", still_answers(), 1);
    wren_channel_close(ch);

    /* A call whose client goes before the answer: a forked child sends and exits at once. */
    long pid = wren_fork();
    if (pid == 0) {
        long c = connect();
        struct wren_msg m = msg(WREN_MSG_REQUEST, OP_NOW, 4, 5);
        wren_send(c, &m, 0, SECOND);
        wren_exit(0);
    }
    wren_check("a client that leaves mid-call", wren_check_wait_status(pid), 0);
    wren_check("  the service still answers", still_answers(), 1);

    /* A client that connects and says nothing holds the service no longer than its budget. */
    long silent = connect();
    wren_check("a silent connection", silent >= 0, 1);
    long t0 = wren_get_time(WREN_CLOCK_MONOTONIC);
    wren_check("  another client is answered", still_answers(), 1);
    long waited = wren_get_time(WREN_CLOCK_MONOTONIC) - t0;
    wren_check("  within 2 s", waited < 2 * (long)SECOND, 1);
    struct wren_msg m;
    long r = wren_receive(silent, &m, 0, 5 * SECOND);
    wren_check("  and the silent one is closed", r >= 0 ? m.header.type : r, WREN_MSG_CLOSE);
    wren_channel_close(silent);
}

static void many(void)
{
    /* More clients at once than the port queues (16): each connects and closes at once; some are told E_AGAIN. */
    enum { N = 24 };
    long pids[N];
    for (int i = 0; i < N; i++) {
        pids[i] = wren_fork();
        if (pids[i] == 0) {
            long c = wren_port_connect(PORT, sizeof(PORT) - 1, 10 * SECOND);
            if (c >= 0 && (i & 1)) {
                struct wren_msg m = msg(WREN_MSG_REQUEST, OP_NOW, 4, 1);
                wren_send(c, &m, 0, SECOND);
            }
            wren_exit(c >= 0 || c == -E_AGAIN ? 0 : 1);
        }
    }
    int ok = 0;
    for (int i = 0; i < N; i++)
        ok += pids[i] > 0 && wren_check_wait_status(pids[i]) == 0;
    wren_check("24 clients at once, connected or told E_AGAIN", ok, N);
    wren_check("  the service still answers", still_answers(), 1);
}

int main(void)
{
    wren_check_begin("rtcabuse");
    long pid = service_pid();
    wren_check("the service runs (init's child /bin/rtc)", pid > 0, 1);
    garbage();
    flood_and_leave();
    many();
    wren_check("the service is the same process", service_pid(), pid);
    return wren_check_end();
}
