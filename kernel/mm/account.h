/*
 * Memory accounts: who is charged for the memory the kernel hands out (WREN_LIMIT_MEMORY).
 *
 * Each process has one account (proc->acct), made when it is forked or spawned. Everything that
 * takes memory on the process's behalf is charged to it, and uncharged when that memory goes:
 *   - user pages: each private page its address space maps (anonymous memory, stack, program image,
 *     private file copies; a copy-on-write page shared after fork counts in every space mapping it,
 *     since each may copy it at any time), in `user_pages`;
 *   - kernel memory: its page tables (every table of its spaces comes from the
 *     account's pgtable ops), the objects it creates (channel ends with their message slots, pipes,
 *     ports, event queues, open files, shared-memory objects with their page arrays) and the pages
 *     a shared-memory object it created has allocated (they stay with the object, not with a mapping).
 * Device registers are no memory and are charged to nobody.
 *
 * Objects outlive their creator (a channel end sent away, a shared-memory object mapped by
 * others), so an account is reference counted: the process holds one reference and every charged
 * object one more; the account goes with the last. A charge is always made against the account it
 * will be uncharged from (the object remembers it), so the counters return to zero exactly.
 *
 * Charging is a compare and an add (inline): the limit check needs no walk. The limit is the
 * process's WREN_LIMIT_MEMORY (kept here as well as in proc->limits, so charging needs no process).
 */
#ifndef WREN_MM_ACCOUNT_H
#define WREN_MM_ACCOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/aarch64/pgtable.h"
#include "panic.h"
#include "syscall_table.h"

#define ACCOUNT_PAGE 4096ull
_Static_assert(WREN_LIMIT_UNLIMITED == UINT64_MAX, "unlimited compares above every use");

/*
 * vm_fault's answer when a fault would take the account over its limit (internal: never reaches user space). Kept
 * apart from -E_NOMEM, which means that no physical page was free (the out-of-memory policy, proc/oom.h).
 */
#define ACCOUNT_E_LIMIT (-E_NOSPC)

struct mem_account {
    uint64_t used;       /* bytes charged: user_pages pages, page tables, objects, shared-memory pages */
    uint64_t user_pages; /* of which private user pages mapped (fork charges the child as many) */
    uint64_t limit;      /* bytes; WREN_LIMIT_UNLIMITED (all ones) for none */
    uint32_t refs;
    bool table_refused; /* the last page-table allocation was refused for the limit (not for lack of RAM) */
    /* Page-table operations of the owner's address spaces: tables come from RAM and are charged here (ctx). */
    struct pgtable_ops pt_ops;
};

/* The account of the kernel's own processes (the idle thread): never limited, never freed. */
extern struct mem_account account_kernel;

/* A new account with one reference and `limit`, or NULL (no memory). */
struct mem_account *account_new(uint64_t limit);

static inline struct mem_account *account_get(struct mem_account *a)
{
    a->refs++;
    return a;
}

/* Drops a reference; the last one frees the account (which must hold no charge any more). */
void account_put(struct mem_account *a);

/* Bytes charged now: what get_limit reports as the process's use. */
static inline uint64_t account_usage(const struct mem_account *a)
{
    return a->used;
}

/*
 * Would charging `bytes` more stay within the limit? (A limit lowered below the use refuses everything.) One add and
 * one compare: the use is bounded by RAM and a charge by the largest allocation (< 2^40), so the sum cannot wrap.
 */
static inline bool account_fits(const struct mem_account *a, uint64_t bytes)
{
    return a->used + bytes <= a->limit;
}

/* Charge kernel memory: 0, or -E_NOMEM (nothing charged) if it would go over the limit. */
static inline int account_charge(struct mem_account *a, uint64_t bytes)
{
    if (!account_fits(a, bytes))
        return -E_NOMEM;
    a->used += bytes;
    return 0;
}

static inline void account_uncharge(struct mem_account *a, uint64_t bytes)
{
    KASSERT(a->used - a->user_pages * ACCOUNT_PAGE >= bytes);
    a->used -= bytes;
}

/* Charge `n` private user pages: 0, or -E_NOMEM if over the limit. */
static inline int account_charge_pages(struct mem_account *a, uint64_t n)
{
    if (!account_fits(a, n * ACCOUNT_PAGE))
        return -E_NOMEM;
    a->used += n * ACCOUNT_PAGE;
    a->user_pages += n;
    return 0;
}

/* Charge without a limit check: memory that is taken already (fork's copy-on-write pages, checked after). */
static inline void account_force_pages(struct mem_account *a, uint64_t n)
{
    a->used += n * ACCOUNT_PAGE;
    a->user_pages += n;
}

static inline void account_uncharge_pages(struct mem_account *a, uint64_t n)
{
    KASSERT(a->user_pages >= n);
    a->user_pages -= n;
    a->used -= n * ACCOUNT_PAGE;
}

/* set_limit of WREN_LIMIT_MEMORY. */
static inline void account_set_limit(struct mem_account *a, uint64_t limit)
{
    a->limit = limit;
}

#endif
