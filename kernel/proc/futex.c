/* Futex wait and wake (futex.h). */
#include <wren/abi.h>

#include "mm/vm.h"
#include "proc/futex.h"
#include "proc/proc.h"
#include "proc/waitq.h"
#include "user_ptr.h"

#define FUTEX_BUCKETS 64 /* a power of two */

struct futex_waiter {
    const struct vm_space *vm; /* the key: address space and user address */
    uint64_t addr;
    struct waitq q; /* its thread alone sleeps here */
    bool woken;     /* futex_wake took it off its bucket */
    struct futex_waiter *next;
};

static struct futex_waiter *buckets[FUTEX_BUCKETS]; /* each FIFO: the longest waiter first */

static struct futex_waiter **bucket_of(const struct vm_space *vm, uint64_t addr)
{
    uint64_t h = ((uint64_t)(uintptr_t)vm >> 4) ^ (addr >> 2);
    return &buckets[(h * 0x9e3779b97f4a7c15ull) >> 58]; /* Fibonacci hashing: the top 6 bits */
}

_Static_assert(FUTEX_BUCKETS == 64, "bucket_of takes 6 bits");

/* The word at addr, read as a check that it is a user word the caller may read: 0 or -E_INVAL / -E_FAULT. */
static long read_word(uint64_t addr, uint32_t *v)
{
    if (addr & 3)
        return -E_INVAL;
    return copy_from_user(v, (user_in_ptr){addr}, sizeof(*v)) ? -E_FAULT : 0;
}

static void unlink_waiter(struct futex_waiter *w)
{
    for (struct futex_waiter **link = bucket_of(w->vm, w->addr); *link; link = &(*link)->next)
        if (*link == w) {
            *link = w->next;
            return;
        }
}

long futex_wait(uint64_t addr, uint32_t expected, uint64_t timeout_ns)
{
    uint32_t v;
    long err = read_word(addr, &v);
    if (err)
        return err;
    /* The kernel is not preemptible (and on SMP holds the kernel lock): from this check to the sleep no futex_wake
     * can run, so a waker that changes the word and then wakes cannot slip between them. */
    if (v != expected)
        return -E_AGAIN;
    struct futex_waiter w = {.vm = proc_vm(proc_current()), .addr = addr};
    struct futex_waiter **link = bucket_of(w.vm, addr);
    while (*link)
        link = &(*link)->next;
    *link = &w;
    err = waitq_wait(&w.q, waitq_deadline_after(timeout_ns));
    if (w.woken)
        return 0; /* a wake that came with a signal or the deadline still counts */
    unlink_waiter(&w);
    return err;
}

long futex_wake(uint64_t addr, uint32_t count)
{
    uint32_t v;
    long err = read_word(addr, &v);
    if (err)
        return err;
    const struct vm_space *vm = proc_vm(proc_current());
    long woken = 0;
    for (struct futex_waiter **link = bucket_of(vm, addr); *link && (uint32_t)woken < count;) {
        struct futex_waiter *w = *link;
        if (w->vm != vm || w->addr != addr) {
            link = &w->next;
            continue;
        }
        *link = w->next;
        w->woken = true;
        waitq_wake_all(&w->q);
        woken++;
    }
    return woken;
}
