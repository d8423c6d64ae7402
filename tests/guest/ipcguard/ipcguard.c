/*
 * ipcguard: run as /bin/init by tests/test_ipc_guard.py. What a hostile peer must not be able to do with channels:
 *  - forge a message type only the kernel sends (Close) on any send path: send, reply_receive, port_publish (call
 *    always sends a Request), so read() on the other end never sees end of file with data after it;
 *  - build a cycle of handles in flight, which the old kernel kept alive for ever: two ends in each other's queue,
 *    three in a ring, a port queued in its own subscription; each attempt is refused (E_BUSY or E_ACCES), and after
 *    many of them the kernel's objects, heap and free memory are back where they started;
 * while the legal chains still work: an end with an empty queue travels, then receives handles through its peer.
 */
#include <stdint.h>
#include <string.h>

#include <wren/check.h>
#include <wren/syscalls.h>

static struct wren_msg msg(uint32_t type, uint32_t len)
{
    struct wren_msg m = {0};
    m.header.type = type;
    m.header.length = len;
    for (uint32_t i = 0; i < len; i++)
        m.payload[i] = (uint8_t)(i + 1);
    return m;
}

static void forged_close(void)
{
    wren_handle_t ch[2];
    struct wren_msg m = msg(WREN_MSG_CLOSE, 0), r;
    uint8_t buf[64];

    wren_channel_create(ch, 0);
    wren_check("send a Close from user space: E_INVAL", wren_send(ch[0], &m, 0, 0), -E_INVAL);
    wren_check("  nonblocking too", wren_send(ch[0], &m, WREN_IPC_NONBLOCK, 0), -E_INVAL);
    wren_check("  nothing was queued", wren_receive(ch[1], &r, WREN_IPC_NONBLOCK, 0), -E_AGAIN);
    /* With the peer's queue full the message is checked before any wait: still E_INVAL, not a timeout. */
    struct wren_msg d = msg(WREN_MSG_DATA, 3);
    while (wren_send(ch[0], &d, WREN_IPC_NONBLOCK, 0) == 0)
        ;
    wren_check("  a Close to a full queue: E_INVAL, not E_TIMEDOUT", wren_send(ch[0], &m, 0, 1000000), -E_INVAL);
    while (wren_receive(ch[1], &r, WREN_IPC_NONBLOCK, 0) >= 0)
        ;
    m = msg(WREN_MSG_CLOSE, 0);
    wren_check("reply_receive answering with a Close: E_INVAL", wren_reply_receive(ch[0], ch[0], &m, 1000000),
               -E_INVAL);
    wren_check("  nothing was queued", wren_receive(ch[1], &r, WREN_IPC_NONBLOCK, 0), -E_AGAIN);
    /* call always sends a Request, whatever the type field says. */
    m = msg(WREN_MSG_CLOSE, 0);
    wren_check("call with type Close: sent as a Request (times out unanswered)", wren_call(ch[0], &m, 1000000),
               -E_TIMEDOUT);
    wren_check("  it arrived as a Request", wren_receive(ch[1], &r, 0, 0) == 0 ? r.header.type : 0, WREN_MSG_REQUEST);

    /* read() on the other end: the forged Close would have been end of file, with data after it. */
    m = msg(WREN_MSG_CLOSE, 0);
    wren_send(ch[0], &m, 0, 0);
    wren_check("write after the forgery attempt", wren_write(ch[0], "abc", 3), 3);
    wren_check("  read gets the data, not end of file", wren_read(ch[1], buf, sizeof(buf)), 3);
    wren_channel_close(ch[0]);
    wren_check("  a real Close after the peer closes: end of file", wren_read(ch[1], buf, sizeof(buf)), 0);
    wren_channel_close(ch[1]);

    /* Types a user may send still go: Data, Request, Reply, Error, Connect, Accept. */
    wren_channel_create(ch, 0);
    static const uint32_t ok_types[] = {WREN_MSG_DATA,  WREN_MSG_REQUEST, WREN_MSG_REPLY,
                                        WREN_MSG_ERROR, WREN_MSG_CONNECT, WREN_MSG_ACCEPT};
    long sent = 0;
    for (unsigned i = 0; i < sizeof(ok_types) / sizeof(ok_types[0]); i++) {
        m = msg(ok_types[i], 1);
        sent += wren_send(ch[0], &m, 0, 0) == 0 && wren_receive(ch[1], &r, 0, 0) == 1 && r.header.type == ok_types[i];
    }
    wren_check("every other message type is still sent", sent, 6);
    wren_channel_close(ch[0]);
    wren_channel_close(ch[1]);

    long port = wren_port_register("t.forge", 7);
    long sub = wren_port_subscribe("t.forge", 7);
    m = msg(WREN_MSG_CLOSE, 0);
    uint32_t skipped = 0;
    wren_check("port_publish of a Close: E_INVAL", wren_port_publish(port, &m, &skipped), -E_INVAL);
    wren_check("  the subscriber got nothing", wren_receive(sub, &r, WREN_IPC_NONBLOCK, 0), -E_AGAIN);
    m = msg(WREN_MSG_DATA, 2);
    wren_check("  a Data publish still reaches it", wren_port_publish(port, &m, &skipped), 1);
    wren_channel_close(sub);
    wren_close(port);
}

/* x0 into y1's queue, then y1 into x0's: the second move would close the cycle. */
static long two_cycle(void)
{
    wren_handle_t x[2], y[2];
    wren_channel_create(x, 0);
    wren_channel_create(y, 0);
    long first = wren_channel_transfer(y[0], x[0], WREN_RIGHT_ALL);
    long second = wren_channel_transfer(x[1], y[1], WREN_RIGHT_ALL);
    if (second == 0)
        y[1] = -1;
    wren_channel_close(x[1]);
    wren_channel_close(y[0]);
    if (y[1] >= 0)
        wren_channel_close(y[1]);
    return first == 0 ? second : -1000;
}

/* x0 into y1's queue, z1 into x0's, then y1 into z1's: the third move would close the ring. */
static long three_cycle(void)
{
    wren_handle_t x[2], y[2], z[2];
    wren_channel_create(x, 0);
    wren_channel_create(y, 0);
    wren_channel_create(z, 0);
    long a = wren_channel_transfer(y[0], x[0], WREN_RIGHT_ALL); /* y1 holds x0 */
    long b = wren_channel_transfer(x[1], z[1], WREN_RIGHT_ALL); /* x0 holds z1 */
    long c = wren_channel_transfer(z[0], y[1], WREN_RIGHT_ALL); /* z1 would hold y1 */
    if (c == 0)
        y[1] = -1;
    wren_channel_close(x[1]);
    wren_channel_close(y[0]);
    wren_channel_close(z[0]);
    if (y[1] >= 0)
        wren_channel_close(y[1]);
    return a == 0 && b == 0 ? c : -1000;
}

/*
 * A port queued in its own subscription's sending end (which the port holds), through the subscriber's end: refused
 * because that end cannot send at all (no WREN_RIGHT_WRITE), so what a port holds never holds anything.
 */
static long port_cycle(void)
{
    long port = wren_port_register("t.cycle", 7);
    long sub = wren_port_subscribe("t.cycle", 7);
    long r = wren_channel_transfer(sub, port, WREN_RIGHT_ALL);
    if (r != 0)
        wren_close(port);
    wren_channel_close(sub);
    return port >= 0 && sub >= 0 ? r : -1000;
}

static void cycles(void)
{
    wren_check("2-cycle: y1 into x0's queue while y1 holds x0: E_BUSY", two_cycle(), -E_BUSY);
    wren_check("3-cycle: the move that closes the ring: E_BUSY", three_cycle(), -E_BUSY);
    wren_check("a port into its own subscription: E_ACCES", port_cycle(), -E_ACCES);
    wren_check("  its name is free again once its handle is closed", port_cycle(), -E_ACCES);

    /* Warm up, then count: many attempts leave nothing behind. */
    struct wren_kernel_stats before = wren_check_kstats();
    uint64_t free_before = wren_check_free_bytes();
    long refused = 0;
    for (int i = 0; i < 300; i++)
        refused += (two_cycle() == -E_BUSY) + (three_cycle() == -E_BUSY) + (port_cycle() == -E_ACCES);
    struct wren_kernel_stats after = wren_check_kstats();
    wren_check("900 cycle attempts, every one refused", refused, 900);
    wren_check("  channel ends back to where they started", (long)after.channels, (long)before.channels);
    wren_check("  kernel objects back to where they started", (long)after.objects, (long)before.objects);
    wren_check("  kernel heap objects back to where they started", (long)after.heap_objects, (long)before.heap_objects);
    wren_check("  free memory back to where it started", (long)(wren_check_free_bytes() - free_before), 0);
}

static void legal_chains(void)
{
    wren_handle_t x[2], y[2];
    struct wren_msg r;
    struct wren_kernel_stats before = wren_check_kstats();

    wren_channel_create(x, 0);
    wren_channel_create(y, 0);
    wren_check("move x0 (empty queue) into y1's queue", wren_channel_transfer(y[0], x[0], WREN_RIGHT_ALL), 0);
    long shm = wren_shm_create(4096);
    wren_check("  then send a handle into x0's queue through x1", wren_channel_transfer(x[1], shm, WREN_RIGHT_ALL), 0);
    struct wren_msg d = msg(WREN_MSG_DATA, 4);
    wren_check("  and data", wren_send(x[1], &d, 0, 0), 0);
    long got = wren_receive(y[1], &r, 0, 0);
    wren_handle_t x0 = 0;
    memcpy(&x0, r.payload, sizeof(x0));
    wren_check("  x0 arrives on y1", got == (long)sizeof(wren_handle_t) && r.header.handle_count == 1, 1);
    got = wren_receive(x0, &r, 0, 0);
    wren_handle_t s = 0;
    memcpy(&s, r.payload, sizeof(s));
    wren_check("  and the handle queued for it while in flight comes out of it",
               got > 0 && r.header.handle_count == 1 && wren_shm_size(s) == 4096, 1);
    wren_check("  then the data", wren_receive(x0, &r, 0, 0), 4);

    /* A queue of data alone does not stop a move; a queued handle does, until it is received. */
    wren_send(x[1], &d, 0, 0);
    wren_check("an end with only data queued travels", wren_channel_transfer(y[0], x0, WREN_RIGHT_ALL), 0);
    wren_receive(y[1], &r, 0, 0);
    memcpy(&x0, r.payload, sizeof(x0));
    wren_check("  and its data is still there", wren_receive(x0, &r, 0, 0), 4);
    int32_t p[2];
    wren_pipe(p, 0);
    wren_channel_transfer(x[1], (wren_handle_t)p[0], WREN_RIGHT_ALL);
    wren_check("an end with a handle queued: E_BUSY", wren_channel_transfer(y[0], x0, WREN_RIGHT_ALL), -E_BUSY);
    wren_check("  it is still ours", wren_send(x0, &d, 0, 0), 0);
    wren_receive(x[1], &r, 0, 0);
    got = wren_receive(x0, &r, 0, 0);
    wren_handle_t pr = 0;
    memcpy(&pr, r.payload, sizeof(pr));
    wren_check("  received the handle", got > 0 && r.header.handle_count == 1, 1);
    wren_check("  then it travels", wren_channel_transfer(y[0], x0, WREN_RIGHT_ALL), 0);
    wren_close(pr);
    wren_close(p[1]);
    wren_close(s);

    /* A port with a live subscription travels: what it holds (the subscription's end) never holds a handle. */
    long port = wren_port_register("t.chain", 7);
    long sub = wren_port_subscribe("t.chain", 7);
    wren_check("a port with a subscriber travels", wren_channel_transfer(x[1], port, WREN_RIGHT_ALL), 0);
    wren_check("  nothing can go into its subscription's end", wren_channel_transfer(sub, y[0], WREN_RIGHT_ALL),
               -E_ACCES);
    wren_channel_close(sub);

    /* An event queue watching a channel end holds no reference to it: queued in that end, both go with the end. */
    long q = wren_event_queue_create();
    wren_event_subscribe((wren_handle_t)q, WREN_EVENT_IPC_READY, (uint64_t)y[1], 0, 0, 0);
    wren_check("an event queue watching y1 travels into y1's queue",
               wren_channel_transfer(y[0], (wren_handle_t)q, WREN_RIGHT_ALL), 0);

    wren_channel_close(x[1]); /* x0 (in y1's queue) goes with y1, and the port in it with it */
    wren_channel_close(y[0]);
    wren_channel_close(y[1]);
    struct wren_kernel_stats after = wren_check_kstats();
    wren_check("  everything gone once the last process-held ends close", (long)after.objects, (long)before.objects);
    wren_check("  the port's name is free again", (port = wren_port_register("t.chain", 7)) >= 0, 1);
    wren_close(port);
}

int main(void)
{
    wren_check_begin("ipcguard");
    forged_close();
    cycles();
    legal_chains();
    return wren_check_end();
}
