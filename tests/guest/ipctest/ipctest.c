/*
 * ipctest: run as /bin/init by tests/test_ipc.py. Channels: messages and their header rules,
 * queue limits, timeouts, closing (queued messages, then Close, then E_PIPE), handles moved
 * between processes with rights kept or dropped, forged and wrong-type handles, a channel
 * used as a file descriptor, call/reply between processes (including a server that dies
 * mid-call), a server loop on reply_receive, 100,000 messages between two processes with nothing lost, duplicated or
 * reordered, and 10,000 channels made and closed with every page given back.
 */
#include <stdint.h>

#include <wren/check.h>
#include <wren/print.h>
#include <wren/syscalls.h>

static struct wren_msg msg(uint32_t type, uint32_t len, uint64_t tag)
{
    struct wren_msg m = {0};
    m.header.type = type;
    m.header.length = len;
    m.header.txid = tag;
    for (uint32_t i = 0; i < len; i++)
        m.payload[i] = (uint8_t)(tag + i);
    return m;
}

static void basics(void)
{
    wren_handle_t ch[2];
    struct wren_msg m = msg(WREN_MSG_DATA, 10, 7), r;
    long pid = wren_get_pid();

    wren_check("channel_create", wren_channel_create(ch, 0), 0);
    wren_check("send", wren_send(ch[0], &m, 0, 0), 0);
    wren_check("receive on the other end", wren_receive(ch[1], &r, 0, 0), 10);
    wren_check("  type", r.header.type, WREN_MSG_DATA);
    wren_check("  sender filled in by the kernel", (long)r.header.sender, pid);
    wren_check("  txid kept", (long)r.header.txid, 7);
    wren_check("  payload", r.payload[0] == 7 && r.payload[9] == 16, 1);
    wren_check("nothing came back on the sending end", wren_receive(ch[0], &r, WREN_IPC_NONBLOCK, 0), -E_AGAIN);
    m.header.sender = 12345;
    wren_send(ch[1], &m, 0, 0);
    wren_receive(ch[0], &r, 0, 0);
    wren_check("a forged sender is overwritten", (long)r.header.sender, pid);
    m = msg(WREN_MSG_DATA, 65, 0);
    wren_check("payload of 65 bytes", wren_send(ch[0], &m, 0, 0), -E_MSGSIZE);
    m = msg(0, 1, 0);
    wren_check("message type 0", wren_send(ch[0], &m, 0, 0), -E_INVAL);
    m = msg(99, 1, 0);
    wren_check("message type 99", wren_send(ch[0], &m, 0, 0), -E_INVAL);
    wren_check("send from a kernel address", wren_send(ch[0], (void *)0xffff000040200000ull, 0, 0), -E_FAULT);
    m = msg(WREN_MSG_DATA, 1, 1);
    wren_send(ch[0], &m, 0, 0);
    wren_check("receive into a kernel address", wren_receive(ch[1], (void *)0xffff000040200000ull, 0, 0), -E_FAULT);
    wren_check("  the message was not lost", wren_receive(ch[1], &r, 0, 0), 1);
    wren_check("send with unknown flags", wren_send(ch[0], &m, 1u << 7, 0), -E_INVAL);
    wren_check("depth 65", wren_channel_create(ch, 65), -E_INVAL);

    /* Forged and wrong-type handles. */
    int32_t p[2];
    wren_pipe(p, 0);
    wren_check("send on a pipe descriptor", wren_send(p[1], &m, 0, 0), -E_WRONGTYPE);
    wren_check("send on handle 63 (not open)", wren_send(63, &m, 0, 0), -E_BADHANDLE);
    wren_check("send on handle -1", wren_send(-1, &m, 0, 0), -E_BADHANDLE);
    wren_check("send on handle 1 << 20", wren_send(1 << 20, &m, 0, 0), -E_BADHANDLE);
    wren_check("channel_close of a pipe", wren_channel_close(p[0]), -E_WRONGTYPE);
    wren_close(p[0]);
    wren_close(p[1]);

    /* Queue limits: the default depth is 8, and a full queue never drops. */
    long sent = 0;
    while (wren_send(ch[0], &m, WREN_IPC_NONBLOCK, 0) == 0)
        sent++;
    wren_check("default queue holds 8", sent, 8);
    wren_check("  the 9th: E_AGAIN", wren_send(ch[0], &m, WREN_IPC_NONBLOCK, 0), -E_AGAIN);
    long t0 = wren_get_time(WREN_CLOCK_MONOTONIC);
    wren_check("  a blocking send with a 5 ms timeout", wren_send(ch[0], &m, 0, 5000000), -E_TIMEDOUT);
    wren_check("  waited at least 5 ms", wren_get_time(WREN_CLOCK_MONOTONIC) - t0 >= 5000000, 1);
    long got = 0;
    while (wren_receive(ch[1], &r, WREN_IPC_NONBLOCK, 0) >= 0)
        got++;
    wren_check("  all 8 received", got, 8);
    t0 = wren_get_time(WREN_CLOCK_MONOTONIC);
    wren_check("receive with a 3 ms timeout", wren_receive(ch[1], &r, 0, 3000000), -E_TIMEDOUT);
    wren_check("  waited at least 3 ms", wren_get_time(WREN_CLOCK_MONOTONIC) - t0 >= 3000000, 1);

    /* Closing: queued messages, then Close, then E_PIPE; the closer's peer cannot send. */
    m = msg(WREN_MSG_DATA, 3, 40);
    wren_send(ch[0], &m, 0, 0);
    m = msg(WREN_MSG_DATA, 4, 41);
    wren_send(ch[0], &m, 0, 0);
    wren_check("close one end", wren_channel_close(ch[0]), 0);
    wren_check("close it again", wren_channel_close(ch[0]), -E_BADHANDLE);
    wren_check("queued message 1 still comes", wren_receive(ch[1], &r, 0, 0) == 3 && r.header.txid == 40, 1);
    wren_check("queued message 2 still comes", wren_receive(ch[1], &r, 0, 0) == 4 && r.header.txid == 41, 1);
    wren_check("then Close", wren_receive(ch[1], &r, 0, 0) == 0 ? r.header.type : 0, WREN_MSG_CLOSE);
    wren_check("then E_PIPE", wren_receive(ch[1], &r, 0, 0), -E_PIPE);
    wren_check("sending to a closed peer", wren_send(ch[1], &m, 0, 0), -E_PIPE);
    wren_channel_close(ch[1]);

    wren_check("depth 2", wren_channel_create(ch, 2), 0);
    sent = 0;
    while (wren_send(ch[0], &m, WREN_IPC_NONBLOCK, 0) == 0)
        sent++;
    wren_check("  holds 2", sent, 2);
    wren_channel_close(ch[0]);
    wren_channel_close(ch[1]);
}

static void as_fd(void)
{
    wren_handle_t ch[2];
    uint8_t buf[200];
    for (int i = 0; i < 100; i++)
        buf[i] = (uint8_t)i;
    wren_channel_create(ch, 0);
    wren_check("write 100 bytes to a channel", wren_write(ch[0], buf, 100), 100);
    wren_check("  read: the first 64-byte message", wren_read(ch[1], buf + 100, 100), 64);
    wren_check("  read: the remaining 36", wren_read(ch[1], buf + 100, 100), 36);
    wren_check("  bytes right", buf[100] == 64 && buf[135] == 99, 1);
    struct wren_stat st;
    wren_check("fstat: a channel", wren_fstat(ch[1], &st) == 0 ? (long)st.type : -1, WREN_FILE_TYPE_CHANNEL);
    wren_close(ch[0]);
    wren_check("read after the peer closed: end of file", wren_read(ch[1], buf, 10), 0);
    wren_close(ch[1]);
}

static void transfer(void)
{
    wren_handle_t a[2], b[2];
    struct wren_msg r;

    wren_channel_create(a, 0);
    wren_channel_create(b, 0);
    long pid = wren_fork();
    if (pid == 0) {
        /* Child: gets b[0] over a[1] with only the read right. */
        if (wren_receive(a[1], &r, 0, 0) != 4 || r.header.handle_count != 1)
            wren_exit(10);
        wren_handle_t h;
        __builtin_memcpy(&h, r.payload, sizeof(h));
        struct wren_msg m = msg(WREN_MSG_DATA, 1, 5);
        if (wren_send(h, &m, 0, 0) != -E_ACCES)
            wren_exit(11); /* write right was dropped */
        if (wren_receive(h, &r, 0, 0) != 2 || r.header.txid != 77)
            wren_exit(12); /* read right kept: the parent's message arrives */
        if (wren_channel_transfer(a[1], h, WREN_RIGHT_ALL) != -E_ACCES)
            wren_exit(13); /* transfer right was dropped too */
        wren_exit(0);
    }
    wren_check("transfer b[0] keeping only READ", wren_channel_transfer(a[0], b[0], WREN_RIGHT_READ), 0);
    wren_check("  the handle left the sender", wren_channel_close(b[0]), -E_BADHANDLE);
    struct wren_msg m = msg(WREN_MSG_DATA, 2, 77);
    wren_check("  send on b[1] to the moved end", wren_send(b[1], &m, 0, 0), 0);
    wren_check("  receiver used it as allowed and no more", wren_check_wait_status(pid), 0);
    wren_check("transfer a handle over itself", wren_channel_transfer(a[0], a[0], WREN_RIGHT_ALL), -E_BADHANDLE);
    wren_check("transfer a channel's other end over it", wren_channel_transfer(a[0], a[1], WREN_RIGHT_ALL), -E_INVAL);
    wren_check("transfer a forged handle", wren_channel_transfer(a[0], 50, WREN_RIGHT_ALL), -E_BADHANDLE);
    wren_close(a[0]);
    wren_close(a[1]);
    wren_close(b[1]);
}

/* 100,000 messages, each numbered, child to parent; the parent checks the order. */
static void stream(void)
{
    enum { N = 100000 };
    wren_handle_t ch[2];
    struct wren_msg r;

    wren_channel_create(ch, 0);
    long pid = wren_fork();
    if (pid == 0) {
        wren_close(ch[1]);
        for (uint64_t i = 0; i < N; i++) {
            struct wren_msg m = msg(WREN_MSG_DATA, 8, i);
            __builtin_memcpy(m.payload, &i, 8);
            if (wren_send(ch[0], &m, 0, 0))
                wren_exit(3);
        }
        wren_exit(0);
    }
    wren_close(ch[0]);
    long bad = 0, n = 0;
    while (wren_receive(ch[1], &r, 0, 0) >= 0 && r.header.type == WREN_MSG_DATA) {
        uint64_t v;
        __builtin_memcpy(&v, r.payload, 8);
        bad += v != (uint64_t)n || r.header.txid != (uint64_t)n;
        n++;
    }
    wren_check("100,000 messages between processes", n, N);
    wren_check("  none lost, duplicated or reordered", bad, 0);
    wren_check("  sender exited cleanly", wren_check_wait_status(pid), 0);
    wren_close(ch[1]);
}

static void call_reply(void)
{
    wren_handle_t ch[2];
    struct wren_msg m;

    wren_channel_create(ch, 0);
    long pid = wren_fork();
    if (pid == 0) {
        /* Server: answers 1000 requests with txid + 1, then takes one more and dies without answering. */
        wren_close(ch[0]);
        for (int i = 0; i < 1001; i++) {
            if (wren_receive(ch[1], &m, 0, 0) < 0 || m.header.type != WREN_MSG_REQUEST)
                wren_exit(4);
            if (i == 1000)
                wren_exit(0);
            m.header.type = WREN_MSG_REPLY;
            m.header.txid++;
            if (wren_send(ch[1], &m, 0, 0))
                wren_exit(5);
        }
    }
    wren_close(ch[1]);
    long bad = 0;
    for (uint64_t i = 0; i < 1000; i++) {
        m = msg(WREN_MSG_DATA, 16, i * 3);
        long r = wren_call(ch[0], &m, 0);
        bad += r != 16 || m.header.type != WREN_MSG_REPLY || m.header.txid != i * 3 + 1 ||
               m.payload[15] != (uint8_t)(i * 3 + 15);
    }
    wren_check("1000 calls answered", bad, 0);
    m = msg(0, 1, 0); /* call sets the type itself */
    wren_check("a call whose server dies: E_PIPE", wren_call(ch[0], &m, 0), -E_PIPE);
    wren_check("  server exited", wren_check_wait_status(pid), 0);
    wren_check("a call on a dead channel", wren_call(ch[0], &m, 0), -E_PIPE);
    m = msg(WREN_MSG_DATA, 65, 0);
    wren_check("a call with 65 bytes", wren_call(ch[0], &m, 0), -E_MSGSIZE);
    wren_check("a call from a kernel address", wren_call(ch[0], (void *)0xffff000040200000ull, 0), -E_FAULT);
    wren_close(ch[0]);

    wren_channel_create(ch, 0);
    m = msg(WREN_MSG_DATA, 1, 0);
    long t0 = wren_get_time(WREN_CLOCK_MONOTONIC);
    wren_check("a call nobody answers, 2 ms timeout", wren_call(ch[0], &m, 2000000), -E_TIMEDOUT);
    wren_check("  waited at least 2 ms", wren_get_time(WREN_CLOCK_MONOTONIC) - t0 >= 2000000, 1);
    wren_close(ch[0]);
    wren_close(ch[1]);
}

/*
 * reply_receive, the server half: answers go to the caller, -1 only receives, a reply to a
 * dead client is E_PIPE, and a message that cannot be written out stays queued.
 */
static void server_loop(void)
{
    wren_handle_t ch[2], other[2];
    struct wren_msg m;

    wren_channel_create(ch, 0);
    long pid = wren_fork();
    if (pid == 0) {
        /* Server: the first turn only receives; every later one answers txid * 2 and takes the next. */
        wren_close(ch[0]);
        long r = wren_reply_receive(-1, ch[1], &m, 0);
        while (r >= 0 && m.header.type == WREN_MSG_REQUEST) {
            m.header.type = WREN_MSG_REPLY;
            m.header.txid *= 2;
            r = wren_reply_receive(ch[1], ch[1], &m, 0);
        }
        /* The client closed its end: its Close message ends the loop; one more answer has nowhere to go. */
        if (r != 0 || m.header.type != WREN_MSG_CLOSE)
            wren_exit(6);
        m.header.type = WREN_MSG_REPLY;
        wren_exit(wren_reply_receive(ch[1], ch[1], &m, 0) == -E_PIPE ? 0 : 7);
    }
    wren_close(ch[1]);
    long bad = 0;
    for (uint64_t i = 1; i <= 1000; i++) {
        m = msg(WREN_MSG_DATA, 64, i);
        long r = wren_call(ch[0], &m, 0);
        bad +=
            r != 64 || m.header.type != WREN_MSG_REPLY || m.header.txid != i * 2 || m.payload[63] != (uint8_t)(i + 63);
    }
    wren_check("1000 calls answered by reply_receive", bad, 0);
    wren_close(ch[0]);
    wren_check("  server saw Close, then E_PIPE answering it", wren_check_wait_status(pid), 0);

    wren_channel_create(ch, 0);
    wren_channel_create(other, 0);
    m = msg(WREN_MSG_REQUEST, 3, 5);
    wren_send(ch[0], &m, 0, 0);
    wren_check("reply_receive with a forged reply handle", wren_reply_receive(63, ch[1], &m, 0), -E_BADHANDLE);
    wren_check("reply_receive with a forged receive handle", wren_reply_receive(ch[1], 63, &m, 0), -E_BADHANDLE);
    m = msg(WREN_MSG_REPLY, 65, 0);
    wren_check("reply_receive with a 65-byte answer", wren_reply_receive(ch[1], ch[1], &m, 0), -E_MSGSIZE);
    m = msg(99, 1, 0);
    wren_check("reply_receive with an unknown type", wren_reply_receive(ch[1], ch[1], &m, 0), -E_INVAL);
    wren_check("reply_receive into a kernel address", wren_reply_receive(-1, ch[1], (void *)0xffff000040200000ull, 0),
               -E_FAULT);
    wren_check("receive into a kernel address", wren_receive(ch[1], (void *)0xffff000040200000ull, 0, 0), -E_FAULT);
    wren_check("  the message stayed queued", wren_receive(ch[1], &m, 0, 0), 3);
    wren_check("  and is the one sent", (long)m.header.txid, 5);
    /* Answer on one channel, wait on another. */
    m = msg(WREN_MSG_DATA, 2, 9);
    wren_send(other[0], &m, 0, 0);
    m = msg(WREN_MSG_REPLY, 1, 8);
    wren_check("reply on one channel, receive from another", wren_reply_receive(ch[1], other[1], &m, 0), 2);
    wren_check("  received the other channel's message", (long)m.header.txid, 9);
    wren_check("  the answer arrived", wren_receive(ch[0], &m, 0, 0), 1);
    wren_check("  as a Reply", (long)(m.header.type == WREN_MSG_REPLY && m.header.txid == 8), 1);
    wren_check("reply_receive timeout, 1 ms", wren_reply_receive(-1, ch[1], &m, 1000000), -E_TIMEDOUT);
    for (int i = 0; i < 2; i++) {
        wren_close(ch[i]);
        wren_close(other[i]);
    }
}

static void no_leaks(void)
{
    wren_handle_t ch[2], extra[2];
    struct wren_msg m = msg(WREN_MSG_DATA, 64, 1), r;
    long bad = 0;
    uint64_t before = wren_check_free_bytes();
    struct wren_kernel_stats k0 = wren_check_kstats();
    for (int i = 0; i < 10000; i++) {
        bad += wren_channel_create(ch, 0) != 0;
        bad += wren_channel_create(extra, 0) != 0;
        bad += wren_send(ch[0], &m, 0, 0) != 0;
        bad += wren_channel_transfer(ch[0], extra[0], WREN_RIGHT_ALL) != 0; /* in flight when closed */
        bad += wren_receive(ch[1], &r, 0, 0) != 64;
        bad += wren_close(ch[0]) + wren_close(ch[1]) + wren_close(extra[1]);
    }
    wren_check("10,000 channels made, used and closed with handles in flight", bad, 0);
    wren_check("  free memory back where it was", (long)(wren_check_free_bytes() - before), 0);
    struct wren_kernel_stats k1 = wren_check_kstats();
    wren_check("  kernel objects back where they were", (long)(k1.objects - k0.objects), 0);
    wren_check("  kernel heap allocations too", (long)(k1.heap_objects - k0.heap_objects), 0);
    wren_check("  and open handles", (long)(k1.handles - k0.handles), 0);
}

int main(void)
{
    wren_check_begin("ipctest");
    basics();
    as_fd();
    transfer();
    stream();
    call_reply();
    server_loop();
    no_leaks();
    return wren_check_end();
}
