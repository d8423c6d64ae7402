/*
 * The lock-order graph a debug build checks every spin_lock against (proc/lock_debug.c is the glue). Pure code,
 * host tested (tests/host/test_lock_order.c).
 *
 * Locks are grouped into classes by name: every lock made with SPINLOCK_INIT("runqueue") is one class, so an order
 * seen on one instance holds for all of them, as in Linux's lockdep. The first time class B is taken while class A is
 * held, the edge A -> B is recorded with both call sites (where A was taken, where B was). Taking B while holding A
 * when B -> A, or a path B -> ... -> A, is already known is a violation: two CPUs each holding one could wait for the
 * other forever. The violating edge is not recorded, so the graph stays acyclic and every later check means what it
 * says; each violating pair is reported once. Two locks of one class nested in each other are not checked against
 * each other (their order is the caller's business, by address for instance).
 *
 * The graph is fixed-size: at most LOCK_ORDER_CLASSES classes (the adjacency is one 64-bit word per class) and
 * LOCK_ORDER_EDGES edges with their sites. A class past the limit is not checked; an edge past the limit is
 * still checked for order, without its sites.
 */
#ifndef WREN_LIB_LOCK_ORDER_H
#define WREN_LIB_LOCK_ORDER_H

#include <stdbool.h>
#include <stdint.h>

#define LOCK_ORDER_CLASSES  64
#define LOCK_ORDER_EDGES    256
#define LOCK_ORDER_PATH_MAX 8 /* links of a path kept for a report */

struct lock_class {
    const char *name;
    unsigned id; /* index in the graph's table */
};

/* A recorded order: `to` was taken at to_site while `from`, taken at from_site, was held. */
struct lock_order_edge {
    const struct lock_class *from, *to;
    const char *from_site, *to_site;
};

/* A lock this CPU holds, as the check needs it. */
struct lock_order_held {
    const struct lock_class *cls;
    const char *site; /* where it was taken */
};

struct lock_order {
    struct lock_class classes[LOCK_ORDER_CLASSES];
    unsigned nclasses;
    uint64_t after[LOCK_ORDER_CLASSES];    /* bit j of after[i]: the edge i -> j is known */
    uint64_t reported[LOCK_ORDER_CLASSES]; /* bit j of reported[i]: taking j under i was reported */
    struct lock_order_edge edges[LOCK_ORDER_EDGES];
    unsigned nedges;
    bool classes_full, edges_full; /* a limit was hit (said once by the glue) */
};

/* What a violation report names. */
struct lock_order_violation {
    struct lock_order_held held;   /* the lock held now ... */
    struct lock_order_held taking; /* ... and the one being taken, at its site */
    /* The known order it contradicts: taking -> ... -> held, first link first; path_len links in all, the first
     * LOCK_ORDER_PATH_MAX of them in path[] (an edge whose sites were not kept has NULL sites). */
    struct lock_order_edge path[LOCK_ORDER_PATH_MAX];
    unsigned path_len;
};

enum lock_order_result {
    LOCK_ORDER_OK,        /* no conflict; new edges recorded */
    LOCK_ORDER_VIOLATION, /* *v filled; report it */
    LOCK_ORDER_REPEAT,    /* a violation of a pair already reported: say nothing more */
};

void lock_order_init(struct lock_order *g);
/* The class named `name` (the same pointer or the same string), added if new; NULL if the table is full. */
struct lock_class *lock_order_class(struct lock_order *g, const char *name);
/*
 * Check taking class `taking` at `site` while the nheld locks of held[] are held (oldest first; entries with a NULL
 * class are skipped). On OK every held class gets its edge to `taking` (sites kept the first time); on a violation
 * nothing is recorded and *v describes the first conflict, with the oldest held lock that has one.
 */
enum lock_order_result lock_order_check(struct lock_order *g, const struct lock_order_held *held, unsigned nheld,
                                        const struct lock_class *taking, const char *site,
                                        struct lock_order_violation *v);
/* Is the order a -> ... -> b known? */
bool lock_order_known(const struct lock_order *g, const struct lock_class *a, const struct lock_class *b);
/* The recorded sites of the edge a -> b, or NULL if it is unknown or its sites were not kept. */
const struct lock_order_edge *lock_order_edge(const struct lock_order *g, const struct lock_class *a,
                                              const struct lock_class *b);

#endif
