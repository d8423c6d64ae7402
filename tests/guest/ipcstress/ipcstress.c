/*
 * ipcstress: run as /bin/init with -smp 4 by tests/test_ipc_stress.py. Call/reply on the IPC fast path on four CPUs
 * at once (pairs on one CPU, where the call hands the CPU straight to the server, and pairs across two CPUs), while
 * something else ends the conversation in the middle of it:
 *   close   another thread of the client's process closes the client's channel handle while it calls;
 *   kill    a thread of the client's process SIGKILLs the server process while calls are in flight;
 *   exit    a second thread of the client process exits the whole process while the first calls.
 * Each phase runs ROUNDS times with the end coming at a different point each time.
 * Every message is accounted for: each reply carries the request's txid and a value derived from it, each server
 * counts the requests it took (in a shared-memory page the parent reads after the server has gone), and the client
 * counts the replies it got; the two counts may differ only by the one request that was in flight when the end came,
 * and only where that request can be lost (a killed server, an exited client). The test around it checks that the
 * kernel gets every page back. Written for the BKL kernel and for finer IPC locking alike: it asserts only what the
 * syscalls promise.
 */
#include <pthread.h>
#include <stdint.h>

#include <wren/check.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define NCPU    4
#define PAIRS   4
#define ROUNDS  6
#define US      1000ull
#define PAGE    4096
/* Answers a client has had before its conversation is ended (wait_then_delay). */
#define STARTED 16

/* Each pair's counters, in a page shared by every process of one phase (shm_create + MAP_SHARED survive a fork). */
struct counts {
    volatile uint64_t served;   /* requests the server took */
    volatile uint64_t answered; /* replies the client got, each checked */
    volatile int64_t last_err;  /* what ended the client's calls */
    volatile uint64_t wrong;    /* replies that were not the answer to the request (must stay 0) */
    volatile uint64_t ended;    /* how the server's loop ended: 1 Close, 2 E_PIPE, 3 another error */
};

static struct counts *shared_counts(void)
{
    long h = wren_shm_create(PAGE);
    if (h < 0)
        return 0;
    long a = wren_mmap(0, PAGE, WREN_PROT_READ | WREN_PROT_WRITE, WREN_MAP_SHARED, (wren_fd_t)h, 0);
    wren_close((wren_fd_t)h);
    if (a < 0)
        return 0;
    struct counts *c = (struct counts *)a;
    for (int i = 0; i < PAIRS; i++)
        c[i] = (struct counts){0};
    return c;
}

static void pin(unsigned cpu)
{
    wren_set_affinity(0, 1u << cpu);
    wren_yield(); /* off to that CPU */
}

/* Pairs 0 and 1 run client and server on one CPU (the handoff), pairs 2 and 3 on two. */
static unsigned server_cpu(int pair)
{
    return pair < 2 ? (unsigned)pair : (unsigned)(pair + 1) % NCPU;
}

static uint64_t answer_of(uint64_t txid, int pair)
{
    return txid * 2654435761u + (uint64_t)pair;
}

/* Answer requests on `end` until the peer goes: each reply echoes the txid with its answer. */
static void serve(wren_handle_t end, int pair, struct counts *c)
{
    struct wren_msg m = {0};
    long r = wren_reply_receive(-1, end, &m, 0);
    for (;;) {
        if (r < 0) {
            c->ended = r == -E_PIPE ? 2 : 3;
            return;
        }
        if (m.header.type == WREN_MSG_CLOSE) {
            c->ended = 1;
            return;
        }
        c->served++;
        uint64_t txid = m.header.txid, v = answer_of(txid, pair);
        m = (struct wren_msg){0};
        m.header.type = WREN_MSG_REPLY;
        m.header.txid = txid;
        m.header.length = sizeof(v);
        __builtin_memcpy(m.payload, &v, sizeof(v));
        r = wren_reply_receive(end, end, &m, 0);
    }
}

/* Call on `end` until a call fails; every reply is checked against its request. */
static void call_until_error(wren_handle_t end, int pair, struct counts *c)
{
    for (uint64_t txid = 1;; txid++) {
        struct wren_msg m = {0};
        m.header.length = 16;
        m.header.txid = txid;
        long r = wren_call(end, &m, 0);
        if (r < 0) {
            c->last_err = r;
            return;
        }
        uint64_t v;
        __builtin_memcpy(&v, m.payload, sizeof(v));
        if (r != 8 || m.header.type != WREN_MSG_REPLY || m.header.txid != txid || v != answer_of(txid, pair))
            c->wrong++;
        c->answered++;
    }
}

/* A delay that differs from round to round and pair to pair, so the end comes at many points of a call. */
static uint64_t delay_ns(int round, int pair)
{
    return (uint64_t)(300 + 170 * ((round * 7 + pair * 3) % 11)) * US;
}

/*
 * The moment to end pair `pair`'s conversation: once its client has had a few answers (so the end comes in the
 * middle of the calls, not before the first), then a delay. Bounded, so a client that never gets going fails the
 * accounting rather than hanging the test.
 */
static void wait_then_delay(const struct counts *c, int round, int pair)
{
    for (int i = 0; i < 100000 && c->answered < STARTED; i++) /* at most 5 s */
        wren_sleep(50 * US);
    wren_sleep(delay_ns(round, pair));
}

static void report(const char *phase, const struct counts *c)
{
    for (int i = 0; i < PAIRS; i++) {
        wren_print("ipcstress: ");
        wren_print(phase);
        wren_print(" pair ");
        wren_print_dec(i);
        wren_print(" served ");
        wren_print_dec((long)c[i].served);
        wren_print(" answered ");
        wren_print_dec((long)c[i].answered);
        wren_print(" err ");
        wren_print_dec(c[i].last_err);
        wren_print(" ended ");
        wren_print_dec((long)c[i].ended);
        wren_print(" wrong ");
        wren_print_dec((long)c[i].wrong);
        wren_print("\n");
    }
}

/* ---- close: a sibling thread closes the client's handle ---- */

struct pair_args {
    int pair;
    wren_handle_t end;
    struct counts *c;
};

static void *server_thread(void *arg)
{
    struct pair_args *a = arg;
    pin(server_cpu(a->pair));
    serve(a->end, a->pair, a->c);
    wren_channel_close(a->end);
    return 0;
}

static void *client_thread(void *arg)
{
    struct pair_args *a = arg;
    pin((unsigned)a->pair);
    call_until_error(a->end, a->pair, a->c);
    return 0;
}

static int phase_close(int round, uint64_t *calls)
{
    struct counts *c = shared_counts();
    if (!c)
        return 0;
    pthread_t srv[PAIRS], cli[PAIRS];
    struct pair_args sa[PAIRS], ca[PAIRS];
    for (int i = 0; i < PAIRS; i++) {
        wren_handle_t ch[2];
        if (wren_channel_create(ch, 0))
            return 0;
        sa[i] = (struct pair_args){i, ch[1], &c[i]};
        ca[i] = (struct pair_args){i, ch[0], &c[i]};
        pthread_create(&srv[i], 0, server_thread, &sa[i]);
        pthread_create(&cli[i], 0, client_thread, &ca[i]);
    }
    /* This thread is the closer: each client's handle goes while it calls. */
    for (int i = 0; i < PAIRS; i++) {
        wait_then_delay(&c[i], round, i);
        wren_channel_close(ca[i].end);
    }
    int ok = 1;
    for (int i = 0; i < PAIRS; i++) {
        pthread_join(cli[i], 0);
        pthread_join(srv[i], 0);
        /* A call holds its channel end until it returns, so the one in flight is answered: nothing is lost. */
        ok &= c[i].wrong == 0 && c[i].served == c[i].answered && c[i].last_err == -E_BADHANDLE && c[i].ended == 1 &&
              c[i].answered > 0;
        *calls += c[i].answered;
    }
    if (!ok)
        report("close", c);
    wren_munmap(c, PAGE);
    return ok;
}

/* ---- kill: the server process is SIGKILLed while calls are in flight ---- */

static int phase_kill(int round, uint64_t *calls)
{
    struct counts *c = shared_counts();
    if (!c)
        return 0;
    long pid[PAIRS];
    pthread_t cli[PAIRS];
    struct pair_args ca[PAIRS];
    for (int i = 0; i < PAIRS; i++) {
        wren_handle_t ch[2];
        if (wren_channel_create(ch, 0))
            return 0;
        pid[i] = wren_fork();
        if (pid[i] == 0) {
            wren_channel_close(ch[0]);
            pin(server_cpu(i));
            serve(ch[1], i, &c[i]);
            wren_exit(0);
        }
        wren_channel_close(ch[1]);
        ca[i] = (struct pair_args){i, ch[0], &c[i]};
        pthread_create(&cli[i], 0, client_thread, &ca[i]);
    }
    int ok = 1;
    for (int i = 0; i < PAIRS; i++) {
        wait_then_delay(&c[i], round, i);
        wren_kill((int32_t)pid[i], WREN_SIGNAL_SIGKILL);
    }
    for (int i = 0; i < PAIRS; i++) {
        pthread_join(cli[i], 0);
        int32_t status = 0;
        ok &= wren_wait((int32_t)pid[i], &status, 0) == pid[i];
        wren_channel_close(ca[i].end);
        /* The request in flight when the server died may have been taken and never answered: at most one. */
        uint64_t lost = c[i].served - c[i].answered;
        ok &= c[i].wrong == 0 && c[i].served >= c[i].answered && lost <= 1 && c[i].last_err == -E_PIPE &&
              c[i].answered > 0;
        *calls += c[i].answered;
    }
    if (!ok)
        report("kill", c);
    wren_munmap(c, PAGE);
    return ok;
}

/* ---- exit: a second thread of the client process exits the whole process ---- */

struct exit_args {
    const struct counts *c;
    int round, pair;
};

static void *exit_later(void *arg)
{
    const struct exit_args *a = arg;
    wait_then_delay(a->c, a->round, a->pair);
    wren_exit(7);
    return 0;
}

static int phase_exit(int round, uint64_t *calls)
{
    struct counts *c = shared_counts();
    if (!c)
        return 0;
    long pid[PAIRS];
    pthread_t srv[PAIRS];
    struct pair_args sa[PAIRS];
    for (int i = 0; i < PAIRS; i++) {
        wren_handle_t ch[2];
        if (wren_channel_create(ch, 0))
            return 0;
        pid[i] = wren_fork();
        if (pid[i] == 0) {
            wren_channel_close(ch[1]);
            pthread_t t;
            static struct exit_args ea; /* this child's own copy (fork) */
            ea = (struct exit_args){&c[i], round, i};
            pthread_create(&t, 0, exit_later, &ea);
            pin((unsigned)i);
            call_until_error(ch[0], i, &c[i]);
            wren_exit(8); /* a call failed before the exit came: the check below sees status 8 */
        }
        wren_channel_close(ch[0]);
        sa[i] = (struct pair_args){i, ch[1], &c[i]};
        pthread_create(&srv[i], 0, server_thread, &sa[i]);
    }
    int ok = 1;
    for (int i = 0; i < PAIRS; i++) {
        int32_t status = 0;
        ok &= wren_wait((int32_t)pid[i], &status, 0) == pid[i] && status == 7;
        pthread_join(srv[i], 0);
        /*
         * The call in flight when the process went is lost at most: its reply was queued for a process already
         * going (the server then sees Close), or the reply found the peer gone (E_PIPE: then it is certainly lost).
         */
        uint64_t lost = c[i].served - c[i].answered;
        ok &= c[i].wrong == 0 && c[i].served >= c[i].answered && c[i].answered > 0 &&
              ((c[i].ended == 1 && lost <= 1) || (c[i].ended == 2 && lost == 1));
        *calls += c[i].answered;
    }
    if (!ok)
        report("exit", c);
    wren_munmap(c, PAGE);
    return ok;
}

int main(void)
{
    wren_check_begin("ipcstress");
    struct wren_kernel_stats before = wren_check_kstats();
    uint64_t calls[3] = {0};
    int ok[3] = {1, 1, 1};
    for (int round = 0; round < ROUNDS; round++) {
        ok[0] &= phase_close(round, &calls[0]);
        ok[1] &= phase_kill(round, &calls[1]);
        ok[2] &= phase_exit(round, &calls[2]);
    }
    wren_check("close under calls: every request answered, then E_BADHANDLE", ok[0], 1);
    wren_check("kill under calls: at most the call in flight lost, then E_PIPE", ok[1], 1);
    wren_check("exit under calls: at most the call in flight lost, server sees Close or E_PIPE", ok[2], 1);
    wren_check("answered calls, at least 16 a pair and round (closing)", calls[0] >= ROUNDS * PAIRS * STARTED, 1);
    wren_check("answered calls, at least 16 a pair and round (killing)", calls[1] >= ROUNDS * PAIRS * STARTED, 1);
    wren_check("answered calls, at least 16 a pair and round (exiting)", calls[2] >= ROUNDS * PAIRS * STARTED, 1);
    struct wren_kernel_stats after = wren_check_kstats();
    wren_check("kernel objects back to where they were", (long)after.objects, (long)before.objects);
    wren_check("handles back to where they were", (long)after.handles, (long)before.handles);
    wren_set_affinity(0, (1u << NCPU) - 1);
    return wren_check_end();
}
