/*
 * porttest: run as /bin/init by tests/test_ports.py. Named ports: register/connect/accept
 * ping-pong, name collision and freeing by the last handle, many clients to one server,
 * accept order and the bounded backlog, a server that dies (or unregisters) failing its
 * waiting clients with E_CONNREFUSED and freeing its name, a client that dies while it waits,
 * restricted `sys.` names, broadcast to subscribers (full queues skipped and counted),
 * message priorities in a channel queue, bad input, and 1,000 cycles without a leak.
 *
 * Started with the argument "unpriv" (by spawn, from the restricted-names check) it only
 * checks that a spawned program cannot register a `sys.` name, and exits 0 if so.
 */
#include <stdint.h>
#include <string.h>

#include <wren/check.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define KERNEL_ADDR ((void *)0xffff000040200000ull)

static long reg(const char *name)
{
    return wren_port_register(name, strlen(name));
}

static long connect(const char *name, uint64_t timeout_ns)
{
    return wren_port_connect(name, strlen(name), timeout_ns);
}

static long subscribe(const char *name)
{
    return wren_port_subscribe(name, strlen(name));
}

static struct wren_msg msg(uint32_t type, uint64_t txid, uint32_t prio)
{
    struct wren_msg m = {0};
    m.header.type = type;
    m.header.flags = prio;
    m.header.length = 8;
    m.header.txid = txid;
    memcpy(m.payload, &txid, sizeof(txid));
    return m;
}

/* Wait (at most about 2 s) until process pid sleeps: a client is then surely in port_connect. */
static int wait_blocked(long pid)
{
    for (int tries = 0; tries < 2000; tries++) {
        struct wren_proc_info pi;
        for (long c = 0; (c = wren_proc_info((uint32_t)c, &pi)) > 0;)
            if (pi.pid == pid && pi.state == WREN_PROC_STATE_BLOCKED)
                return 1;
        wren_sleep(1000000);
    }
    return 0;
}

/* A forked client: connect to `name`, exit 0 if the answer is `want` (a handle when want >= 0). */
static long client_expecting(const char *name, long want)
{
    long pid = wren_fork();
    if (pid == 0) {
        long r = connect(name, 0);
        wren_exit(want >= 0 ? r < 0 : r != want);
    }
    return pid;
}

static void ping_pong(void)
{
    long port = reg("t.echo");
    wren_check("register t.echo", port >= 0, 1);
    wren_check("accept, nonblocking, nobody waiting", wren_port_accept(port, WREN_IPC_NONBLOCK, 0), -E_AGAIN);
    wren_check("accept with a 2 ms timeout", wren_port_accept(port, 0, 2000000), -E_TIMEDOUT);
    wren_check("connect to it ourselves with a 2 ms timeout", connect("t.echo", 2000000), -E_TIMEDOUT);
    wren_check("  the request was withdrawn", wren_port_accept(port, WREN_IPC_NONBLOCK, 0), -E_AGAIN);

    long pid = wren_fork();
    if (pid == 0) {
        long c = connect("t.echo", 0);
        struct wren_msg m = msg(WREN_MSG_REQUEST, 41, 0);
        long r = c < 0 ? c : wren_call(c, &m, 0);
        wren_exit(r == 8 && m.header.type == WREN_MSG_REPLY && m.header.txid == 41 && m.payload[0] == 42 ? 0 : 1);
    }
    long s = wren_port_accept(port, 0, 0);
    wren_check("accept a client", s >= 0, 1);
    struct wren_msg m;
    wren_check("  its request arrives", wren_receive(s, &m, 0, 0), 8);
    wren_check("  from the client", (long)m.header.sender, pid);
    m.header.type = WREN_MSG_REPLY;
    m.payload[0] = 42;
    wren_check("  reply", wren_send(s, &m, 0, 0), 0);
    wren_check("  the client got the reply", wren_check_wait_status(pid), 0);
    wren_check("  then Close", wren_receive(s, &m, 0, 0) == 0 ? m.header.type : 0, WREN_MSG_CLOSE);
    wren_channel_close(s);
    wren_check("unregister", wren_port_unregister(port), 0);
    wren_check("unregister again", wren_port_unregister(port), -E_BADHANDLE);
    wren_check("connect to the unregistered name", connect("t.echo", 0), -E_NOENT);
}

static void collision(void)
{
    long a = reg("t.same");
    wren_check("register t.same", a >= 0, 1);
    wren_check("register t.same again", reg("t.same"), -E_EXIST);
    long pid = wren_fork();
    if (pid == 0)
        wren_exit(reg("t.same") != -E_EXIST);
    wren_check("  and from another process", wren_check_wait_status(pid), 0);
    wren_check("register t.samf (another name)", reg("t.samf") >= 0, 1);
    long b = wren_dup(a);
    wren_check("dup the port handle", b >= 0, 1);
    wren_close(a);
    wren_check("  closing one handle keeps the name", reg("t.same"), -E_EXIST);
    wren_close(b);
    long c = reg("t.same");
    wren_check("  closing the last frees it", c >= 0, 1);
    wren_port_unregister(c);
    c = reg("t.same");
    wren_check("  and so does unregister", c >= 0, 1);
    wren_port_unregister(c);
}

static void many_clients(void)
{
    enum { N = 8 };
    long port = reg("t.many"), pids[N], seen = 0, ok = 0;

    for (int i = 0; i < N; i++) {
        pids[i] = wren_fork();
        if (pids[i] == 0) {
            long c = connect("t.many", 0);
            struct wren_msg m = msg(WREN_MSG_REQUEST, (uint64_t)i, 0);
            long r = c < 0 ? c : wren_call(c, &m, 0);
            wren_exit(r == 8 && m.header.txid == (uint64_t)i * 10 ? 0 : 1);
        }
    }
    for (int i = 0; i < N; i++) {
        long s = wren_port_accept(port, 0, 0);
        struct wren_msg m;
        if (s < 0 || wren_receive(s, &m, 0, 0) != 8)
            continue;
        for (int j = 0; j < N; j++)
            if ((long)m.header.sender == pids[j] && m.header.txid == (uint64_t)j)
                seen |= 1l << j;
        m.header.type = WREN_MSG_REPLY;
        m.header.txid *= 10;
        ok += wren_send(s, &m, 0, 0) == 0;
        wren_channel_close(s);
    }
    wren_check("8 clients accepted and answered", ok, N);
    wren_check("  each one's request came from it", seen, (1l << N) - 1);
    long good = 0;
    for (int i = 0; i < N; i++)
        good += wren_check_wait_status(pids[i]) == 0;
    wren_check("  every client got its own answer", good, N);
    wren_port_unregister(port);
}

static void order_and_backlog(void)
{
    long port = reg("t.order"), pids[3];

    for (int i = 0; i < 3; i++) {
        pids[i] = wren_fork();
        if (pids[i] == 0) {
            long c = connect("t.order", 0);
            struct wren_msg m = msg(WREN_MSG_DATA, 0, 0);
            wren_exit(c < 0 || wren_send(c, &m, 0, 0) != 0);
        }
        wait_blocked(pids[i]);
    }
    long in_order = 0;
    for (int i = 0; i < 3; i++) {
        long s = wren_port_accept(port, 0, 0);
        struct wren_msg m;
        in_order += s >= 0 && wren_receive(s, &m, 0, 0) == 8 && (long)m.header.sender == pids[i];
        wren_channel_close(s);
    }
    wren_check("connects are accepted in the order they came", in_order, 3);
    for (int i = 0; i < 3; i++)
        wren_check_wait_status(pids[i]);

    long qp[16], queued = 0;
    for (int i = 0; i < 16; i++) {
        qp[i] = client_expecting("t.order", 0);
        queued += wait_blocked(qp[i]);
    }
    wren_check("16 clients wait in the backlog", queued, 16);
    wren_check("  the 17th: E_AGAIN at once", connect("t.order", 0), -E_AGAIN);
    long accepted = 0, fine = 0;
    for (int i = 0; i < 16; i++) {
        long s = wren_port_accept(port, 0, 0);
        accepted += s >= 0;
        wren_channel_close(s);
    }
    for (int i = 0; i < 16; i++)
        fine += wren_check_wait_status(qp[i]) == 0;
    wren_check("  all 16 accepted", accepted, 16);
    wren_check("  and connected", fine, 16);
    wren_port_unregister(port);
}

static void server_death(void)
{
    int32_t ready[2];
    wren_pipe(ready, 0);
    long server = wren_fork();
    if (server == 0) {
        long p = reg("t.die");
        wren_write(ready[1], &p, sizeof(p));
        wren_sleep(10000000000ull);
        wren_exit(1);
    }
    long p = -1;
    wren_read(ready[0], &p, sizeof(p));
    wren_check("a server registers t.die", p >= 0, 1);
    long c[3], waiting = 0;
    for (int i = 0; i < 3; i++) {
        c[i] = client_expecting("t.die", -E_CONNREFUSED);
        waiting += wait_blocked(c[i]);
    }
    wren_check("3 clients wait to connect", waiting, 3);
    wren_kill((int32_t)server, WREN_SIGNAL_SIGKILL);
    wren_check("the server is killed", wren_check_wait_status(server), WREN_WAIT_STATUS_SIGNALED | WREN_SIGNAL_SIGKILL);
    long refused = 0;
    for (int i = 0; i < 3; i++)
        refused += wren_check_wait_status(c[i]) == 0;
    wren_check("  every waiting client: E_CONNREFUSED", refused, 3);
    wren_check("  the name is gone", connect("t.die", 0), -E_NOENT);
    long again = reg("t.die");
    wren_check("  and can be registered again", again >= 0, 1);

    long cl = client_expecting("t.die", -E_CONNREFUSED);
    wait_blocked(cl);
    wren_port_unregister(again);
    wren_check("unregister refuses a waiting client too", wren_check_wait_status(cl), 0);
    wren_close(ready[0]);
    wren_close(ready[1]);
}

static void client_death(void)
{
    long port = reg("t.cd");
    struct wren_kernel_stats k0 = wren_check_kstats();
    long pid = client_expecting("t.cd", 0);
    wren_check("a client waits in connect", wait_blocked(pid), 1);
    wren_kill((int32_t)pid, WREN_SIGNAL_SIGKILL);
    wren_check("  it is killed", wren_check_wait_status(pid), WREN_WAIT_STATUS_SIGNALED | WREN_SIGNAL_SIGKILL);
    wren_check("  its request is gone", wren_port_accept(port, WREN_IPC_NONBLOCK, 0), -E_AGAIN);
    struct wren_kernel_stats k1 = wren_check_kstats();
    wren_check("  no kernel object left behind", (long)(k1.objects - k0.objects), 0);
    wren_check("  no heap allocation left behind", (long)(k1.heap_objects - k0.heap_objects), 0);
    wren_port_unregister(port);
}

static void restricted(void)
{
    long mine = reg("sys.porttest");
    wren_check("init registers sys.porttest", mine >= 0, 1);
    int32_t res[2];
    wren_pipe(res, 0);
    long pid = wren_fork();
    if (pid == 0) {
        long r[6];
        r[0] = reg("sys.forked");
        r[1] = wren_port_drop_privilege();
        r[2] = wren_port_drop_privilege();
        r[3] = reg("sys.after");
        r[4] = reg("user.after");
        r[5] = subscribe("sys.porttest");
        wren_write(res[1], r, sizeof(r));
        wren_exit(0);
    }
    long r[6] = {0};
    wren_check("  child reports", wren_read(res[0], r, sizeof(r)), sizeof(r));
    wren_check_wait_status(pid);
    wren_check("a forked child keeps the privilege", r[0] >= 0, 1);
    wren_check("  drops it", r[1], 1);
    wren_check("  dropping again: it had none", r[2], 0);
    wren_check("  then sys.after: E_PERM", r[3], -E_PERM);
    wren_check("  other names are still fine", r[4] >= 0, 1);
    wren_check("  and so is subscribing to a sys. port", r[5] >= 0, 1);
    long again = reg("sys.forked");
    wren_check("the child's ports went with it", again >= 0, 1);
    wren_port_unregister(again);
    wren_port_unregister(mine);
    wren_close(res[0]);
    wren_close(res[1]);

    static const char args[] = "porttest\0unpriv";
    long sp = wren_spawn("/bin/init", 9, args, sizeof(args), 0);
    wren_check("a spawned program cannot register sys. names", wren_check_wait_status(sp), 0);
}

static void broadcast(void)
{
    long port = reg("t.news"), s[4];
    int32_t ready[2];
    struct wren_msg m = msg(WREN_MSG_DATA, 77, 0), r;

    for (int i = 0; i < 4; i++)
        s[i] = subscribe("t.news");
    wren_check("4 subscriptions", s[0] >= 0 && s[1] >= 0 && s[2] >= 0 && s[3] >= 0, 1);
    wren_pipe(ready, 0);
    long pid = wren_fork();
    if (pid == 0) {
        long mine = subscribe("t.news");
        wren_write(ready[1], &mine, 1);
        wren_exit(mine < 0 || wren_receive(mine, &r, 0, 0) != 8 || r.header.txid != 77);
    }
    char b;
    wren_read(ready[0], &b, 1);
    uint32_t skipped = 99;
    wren_check("publish reaches 5 subscribers", wren_port_publish(port, &m, &skipped), 5);
    wren_check("  none skipped", skipped, 0);
    long got = 0;
    for (int i = 0; i < 4; i++)
        got += wren_receive(s[i], &r, 0, 0) == 8 && r.header.txid == 77 && (long)r.header.sender == wren_get_pid();
    wren_check("  each of ours got a copy from us", got, 4);
    wren_check("  so did the other process", wren_check_wait_status(pid), 0);
    wren_check("a subscriber cannot send", wren_send(s[0], &m, 0, 0), -E_ACCES);

    long full = 0;
    for (int i = 0; i < 8; i++)
        full += wren_port_publish(port, &m, 0) == 4; /* the child's subscription went with it */
    wren_check("8 more publishes, NULL skipped", full, 8);
    wren_receive(s[0], &r, 0, 0);
    wren_check("with 3 queues full, publish reaches 1", wren_port_publish(port, &m, &skipped), 1);
    wren_check("  and says 3 were skipped", skipped, 3);
    long queued = 0;
    while (wren_receive(s[1], &r, WREN_IPC_NONBLOCK, 0) >= 0)
        queued++;
    wren_check("  a full subscriber kept what it had", queued, 8);
    while (wren_receive(s[0], &r, WREN_IPC_NONBLOCK, 0) >= 0)
        ;
    wren_channel_close(s[3]);
    wren_check("a closed subscription is dropped", wren_port_publish(port, &m, &skipped), 2);
    wren_check("  skipped (s[2] still full)", skipped, 1);

    long extra[33], n = 0;
    for (; n < 32; n++) {
        extra[n] = subscribe("t.news");
        if (extra[n] < 0)
            break;
    }
    wren_check("subscriptions stop at 32", n, 29);
    wren_check("  with E_NOSPC", extra[n], -E_NOSPC);
    for (long i = 0; i < n; i++)
        wren_channel_close(extra[i]);

    /* Rights: publish needs write, accept needs read. */
    wren_handle_t ch[2];
    wren_channel_create(ch, 0);
    wren_channel_transfer(ch[0], (wren_handle_t)wren_dup(port), WREN_RIGHT_READ);
    wren_receive(ch[1], &r, 0, 0);
    wren_handle_t ro;
    memcpy(&ro, r.payload, sizeof(ro));
    wren_check("publish without WREN_RIGHT_WRITE", wren_port_publish(ro, &m, 0), -E_ACCES);
    wren_check("  accept with WREN_RIGHT_READ works", wren_port_accept(ro, WREN_IPC_NONBLOCK, 0), -E_AGAIN);
    wren_channel_transfer(ch[0], (wren_handle_t)wren_dup(port), WREN_RIGHT_WRITE);
    wren_receive(ch[1], &r, 0, 0);
    wren_handle_t wo;
    memcpy(&wo, r.payload, sizeof(wo));
    wren_check("accept without WREN_RIGHT_READ", wren_port_accept(wo, WREN_IPC_NONBLOCK, 0), -E_ACCES);

    /* Unregistering through one handle: the others see E_PIPE, subscribers Close. */
    wren_check("unregister", wren_port_unregister(port), 0);
    wren_check("  publish on another handle: E_PIPE", wren_port_publish(wo, &m, 0), -E_PIPE);
    wren_check("  accept on another handle: E_PIPE", wren_port_accept(ro, 0, 0), -E_PIPE);
    while (wren_receive(s[2], &r, WREN_IPC_NONBLOCK, 0) > 0)
        ;
    wren_check("  a subscriber gets Close", r.header.type, WREN_MSG_CLOSE);
    wren_close(ro);
    wren_close(wo);
    for (int i = 0; i < 3; i++)
        wren_channel_close(s[i]);
    wren_channel_close(ch[0]);
    wren_channel_close(ch[1]);
    wren_close(ready[0]);
    wren_close(ready[1]);
}

static void priorities(void)
{
    wren_handle_t ch[2];
    struct wren_msg m, r;
    static const uint32_t prio[8] = {0, 2, 1, 2, 0, 3, 1, 0};
    static const uint64_t want[8] = {5, 1, 3, 2, 6, 0, 4, 7};

    wren_channel_create(ch, 0);
    for (int i = 0; i < 3; i++) { /* move the ring's head away from slot 0 */
        m = msg(WREN_MSG_DATA, 100, 0);
        wren_send(ch[0], &m, 0, 0);
        wren_receive(ch[1], &r, 0, 0);
    }
    long sent = 0;
    for (int i = 0; i < 8; i++) {
        m = msg(WREN_MSG_DATA, (uint64_t)i, prio[i]);
        sent += wren_send(ch[0], &m, WREN_IPC_NONBLOCK, 0) == 0;
    }
    wren_check("8 messages of mixed priority queued", sent, 8);
    m = msg(WREN_MSG_DATA, 9, WREN_MSG_PRIORITY_HIGHEST);
    wren_check("  a full queue refuses even the highest", wren_send(ch[0], &m, WREN_IPC_NONBLOCK, 0), -E_AGAIN);
    long right = 0;
    for (int i = 0; i < 8; i++)
        right += wren_receive(ch[1], &r, 0, 0) == 8 && r.header.txid == want[i] && r.header.flags == prio[want[i]];
    wren_check("  received highest first, in order within one priority", right, 8);
    wren_channel_close(ch[0]);
    wren_channel_close(ch[1]);
}

static void bad_input(void)
{
    char long_name[65];
    memset(long_name, 'n', sizeof(long_name));
    wren_check("register from a kernel address", wren_port_register(KERNEL_ADDR, 4), -E_FAULT);
    wren_check("register from NULL", wren_port_register(0, 4), -E_FAULT);
    wren_check("register, length 0", wren_port_register("x", 0), -E_INVAL);
    wren_check("register, length 65", wren_port_register(long_name, 65), -E_NAMETOOLONG);
    long p64 = wren_port_register(long_name, 64);
    wren_check("register, length 64", p64 >= 0, 1);
    wren_port_unregister(p64);
    wren_check("connect from a kernel address", wren_port_connect(KERNEL_ADDR, 4, 0), -E_FAULT);
    wren_check("connect, length 0", wren_port_connect("x", 0, 0), -E_INVAL);
    wren_check("connect, length 65", wren_port_connect(long_name, 65, 0), -E_NAMETOOLONG);
    wren_check("connect to nobody", connect("t.nobody", 0), -E_NOENT);
    wren_check("subscribe from a kernel address", wren_port_subscribe(KERNEL_ADDR, 4), -E_FAULT);
    wren_check("subscribe, length 0", wren_port_subscribe("x", 0), -E_INVAL);
    wren_check("subscribe, length 65", wren_port_subscribe(long_name, 65), -E_NAMETOOLONG);
    wren_check("subscribe to nobody", subscribe("t.nobody"), -E_NOENT);

    wren_handle_t ch[2];
    wren_channel_create(ch, 0);
    long port = reg("t.bad");
    struct wren_msg m = msg(WREN_MSG_DATA, 1, 0);
    wren_check("accept on handle 63 (not open)", wren_port_accept(63, 0, 0), -E_BADHANDLE);
    wren_check("accept on handle -1", wren_port_accept(-1, 0, 0), -E_BADHANDLE);
    wren_check("accept on a channel", wren_port_accept(ch[0], 0, 0), -E_WRONGTYPE);
    wren_check("accept with unknown flags", wren_port_accept(port, 1u << 7, 0), -E_INVAL);
    wren_check("unregister a channel", wren_port_unregister(ch[0]), -E_WRONGTYPE);
    wren_check("unregister handle 1 << 20", wren_port_unregister(1 << 20), -E_BADHANDLE);
    wren_check("publish on a channel", wren_port_publish(ch[0], &m, 0), -E_WRONGTYPE);
    wren_check("send on a port", wren_send((wren_handle_t)port, &m, 0, 0), -E_WRONGTYPE);
    wren_check("publish from a kernel address", wren_port_publish(port, KERNEL_ADDR, 0), -E_FAULT);
    uint32_t *bad_count = KERNEL_ADDR;
    wren_check("publish, skipped at a kernel address", wren_port_publish(port, &m, bad_count), -E_FAULT);
    m.header.length = 65;
    wren_check("publish 65 bytes", wren_port_publish(port, &m, 0), -E_MSGSIZE);
    m = msg(0, 1, 0);
    wren_check("publish message type 0", wren_port_publish(port, &m, 0), -E_INVAL);
    wren_port_unregister(port);
    wren_channel_close(ch[0]);
    wren_channel_close(ch[1]);
}

static void no_leaks(void)
{
    enum { CYCLES = 1000 };
    struct wren_kernel_stats k0 = wren_check_kstats();
    long pid = wren_fork();
    if (pid == 0) {
        for (int i = 0; i < CYCLES; i++) {
            long c;
            while ((c = connect("t.cycle", 0)) == -E_NOENT || c == -E_CONNREFUSED)
                wren_yield();
            if (c < 0)
                wren_exit(1);
            wren_channel_close(c);
        }
        wren_exit(0);
    }
    long good = 0;
    for (int i = 0; i < CYCLES; i++) {
        long p = reg("t.cycle");
        long s = p < 0 ? p : wren_port_accept(p, 0, 0);
        struct wren_msg m;
        good += s >= 0 && wren_receive(s, &m, 0, 0) == 0 && m.header.type == WREN_MSG_CLOSE;
        wren_channel_close(s);
        wren_port_unregister(p);
    }
    wren_check("1,000 register/connect/accept/close cycles", good, CYCLES);
    wren_check("  the client made all its connections", wren_check_wait_status(pid), 0);

    good = 0;
    for (int i = 0; i < CYCLES; i++) {
        long p = reg("t.cycle");
        long sub = subscribe("t.cycle");
        struct wren_msg m = msg(WREN_MSG_DATA, (uint64_t)i, 0), r;
        good += wren_port_publish(p, &m, 0) == 1 && wren_receive(sub, &r, 0, 0) == 8 && r.header.txid == (uint64_t)i;
        if (i % 2)
            wren_channel_close(sub); /* half the time the subscriber goes first, half the port */
        wren_port_unregister(p);
        if (i % 2 == 0)
            wren_channel_close(sub);
    }
    wren_check("1,000 subscribe/publish/close cycles", good, CYCLES);
    struct wren_kernel_stats k1 = wren_check_kstats();
    wren_check("  kernel objects back where they were", (long)(k1.objects - k0.objects), 0);
    wren_check("  kernel heap allocations too", (long)(k1.heap_objects - k0.heap_objects), 0);
    wren_check("  and open handles", (long)(k1.handles - k0.handles), 0);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "unpriv") == 0) {
        long ok = reg("sys.spawned") == -E_PERM && reg("user.spawned") >= 0;
        return ok ? 0 : 1;
    }
    wren_check_begin("porttest");
    ping_pong();
    collision();
    many_clients();
    order_and_backlog();
    server_death();
    client_death();
    restricted();
    broadcast();
    priorities();
    bad_input();
    no_leaks();
    return wren_check_end();
}
