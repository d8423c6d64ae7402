/*
 * teardowntest: run as /bin/init by tests/test_teardown.py. Kernel object teardown must not
 * recurse: a chain of channel ends, each one in flight in the queue of the next, thousands of
 * links long, is destroyed when its head goes (closed, or by the exit of the process holding
 * it) without the kernel overflowing its stack, and every object, heap allocation and page
 * comes back.
 *
 * The chain is built the way the kernel still allows when it refuses to move a channel end
 * whose own queue holds handles: each end moves while its queue is empty, and only then gets
 * the next link through its peer. Only four handles are open at any time.
 *
 * Ports cannot form such a chain: a port's destroy drops the sending ends of its
 * subscriptions, but the subscriber's end has no write right, so nothing can be put in their
 * queues; a destroy of a port therefore goes one level deep at most.
 */
#include <stdbool.h>
#include <stdint.h>

#include <wren/check.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define LINKS 5000

/*
 * Build a chain of `links` channel ends in flight, E(links-1) <- ... <- E(0), each E(n) in the
 * queue of E(n+1); the head E(links) stays open. *tail_peer: the peer of E(0), still open (or
 * closed, with keep_tail_peer false). Returns the head's handle, or a negative error.
 */
static long build_chain(int links, bool keep_tail_peer, wren_handle_t *tail_peer)
{
    wren_handle_t top[2], next[2];
    long err = wren_channel_create(top, 1); /* depth 1: one handle in flight per end is all a chain needs */
    if (err)
        return err;
    wren_handle_t head = top[0], peer = top[1]; /* peer: the end that sends into the current bottom's queue */
    for (int n = 0; n < links; n++) {
        err = wren_channel_create(next, 1);
        if (!err)
            err = wren_channel_transfer(peer, next[0], WREN_RIGHT_ALL); /* next[0] moves, its queue empty */
        if (err) {
            wren_print("teardowntest: building the chain failed at link ");
            wren_print_dec(n);
            wren_print("\n");
            return err;
        }
        wren_channel_close(peer);
        peer = next[1];
    }
    if (keep_tail_peer)
        *tail_peer = peer;
    else
        wren_channel_close(peer);
    return head;
}

static void check_back(const char *what, uint64_t free0, struct wren_kernel_stats k0)
{
    struct wren_kernel_stats k1 = wren_check_kstats();
    wren_print("teardowntest: ");
    wren_print(what);
    wren_print("\n");
    wren_check("  kernel objects back where they were", (long)(k1.objects - k0.objects), 0);
    wren_check("  channel ends too", (long)(k1.channels - k0.channels), 0);
    wren_check("  kernel heap allocations too", (long)(k1.heap_objects - k0.heap_objects), 0);
    wren_check("  open handles too", (long)(k1.handles - k0.handles), 0);
    wren_check("  free memory too", (long)(wren_check_free_bytes() - free0), 0);
}

/* Close the head: the whole chain goes, down to the last end, whose peer then sees Close. */
static void chain_closed(void)
{
    uint64_t free0 = wren_check_free_bytes();
    struct wren_kernel_stats k0 = wren_check_kstats();
    wren_handle_t tail_peer = -1;
    long head = build_chain(LINKS, true, &tail_peer);
    wren_check("a chain of 5000 channel ends in flight", head >= 0, 1);
    if (head < 0)
        return;
    struct wren_kernel_stats k = wren_check_kstats();
    wren_check("  holds 5000 ends more (+ head, its peer gone, and the tail's peer)", (long)(k.channels - k0.channels),
               LINKS + 2);
    wren_print("teardowntest: closing the head of the chain\n");
    wren_check("close the head", wren_channel_close((wren_handle_t)head), 0);
    struct wren_msg m;
    wren_check("  the last end went too: its peer receives Close",
               wren_receive(tail_peer, &m, WREN_IPC_NONBLOCK, 0) == 0 ? m.header.type : 0, WREN_MSG_CLOSE);
    wren_channel_close(tail_peer);
    check_back("chain closed", free0, k0);
}

/* The process holding the head exits: its handle table's teardown takes the chain with it. */
static void chain_exit(void)
{
    uint64_t free0 = wren_check_free_bytes();
    struct wren_kernel_stats k0 = wren_check_kstats();
    long pid = wren_fork();
    if (pid == 0) {
        long head = build_chain(LINKS, false, 0);
        wren_print("teardowntest: child exits holding the head\n");
        wren_exit(head >= 0 ? 0 : 1);
    }
    wren_check("fork", pid > 0, 1);
    wren_check("  the child built its chain and exited", wren_check_wait_status(pid), 0);
    check_back("chain gone with its process", free0, k0);
}

/* Many chains one after another: the release queue is drained and reused every time. */
static void chains_repeated(void)
{
    uint64_t free0 = wren_check_free_bytes();
    struct wren_kernel_stats k0 = wren_check_kstats();
    long bad = 0;
    for (int i = 0; i < 50; i++) {
        long head = build_chain(200, false, 0);
        bad += head < 0 || wren_channel_close((wren_handle_t)head) != 0;
    }
    wren_check("50 chains of 200 built and closed", bad, 0);
    check_back("50 chains closed", free0, k0);
}

int main(void)
{
    wren_check_begin("teardowntest");
    chain_closed();
    chain_exit();
    chains_repeated();
    return wren_check_end();
}
