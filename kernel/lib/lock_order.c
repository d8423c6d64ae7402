/*
 * The lock-order graph (lib/lock_order.h). Built into debug kernels and the host test only: a release kernel has no
 * caller.
 */
#if defined(WREN_DEBUG) || defined(WREN_HOST_TEST)
#include "lib/lock_order.h"

#include "lib/string.h"

void lock_order_init(struct lock_order *g)
{
    memset(g, 0, sizeof(*g));
}

struct lock_class *lock_order_class(struct lock_order *g, const char *name)
{
    if (!name)
        name = "(unnamed)";
    for (unsigned i = 0; i < g->nclasses; i++)
        if (g->classes[i].name == name || strcmp(g->classes[i].name, name) == 0)
            return &g->classes[i];
    if (g->nclasses == LOCK_ORDER_CLASSES) {
        g->classes_full = true;
        return 0;
    }
    struct lock_class *c = &g->classes[g->nclasses];
    c->name = name;
    c->id = g->nclasses++;
    return c;
}

/*
 * Breadth first from `from` over the adjacency words: the shortest path to `to`, as each class's predecessor in
 * prev[]. True if `to` is reachable. 64 classes, so the visited set is one word.
 */
static bool find_path(const struct lock_order *g, unsigned from, unsigned to, uint8_t prev[LOCK_ORDER_CLASSES])
{
    uint8_t queue[LOCK_ORDER_CLASSES];
    unsigned head = 0, tail = 0;
    uint64_t seen = 1ull << from;
    queue[tail++] = (uint8_t)from;
    while (head < tail) {
        unsigned c = queue[head++];
        uint64_t next = g->after[c] & ~seen;
        while (next) {
            unsigned n = (unsigned)__builtin_ctzll(next);
            next &= next - 1;
            seen |= 1ull << n;
            prev[n] = (uint8_t)c;
            if (n == to)
                return true;
            queue[tail++] = (uint8_t)n;
        }
    }
    return false;
}

bool lock_order_known(const struct lock_order *g, const struct lock_class *a, const struct lock_class *b)
{
    uint8_t prev[LOCK_ORDER_CLASSES];
    return a && b && a != b && find_path(g, a->id, b->id, prev);
}

const struct lock_order_edge *lock_order_edge(const struct lock_order *g, const struct lock_class *a,
                                              const struct lock_class *b)
{
    for (unsigned i = 0; i < g->nedges; i++)
        if (g->edges[i].from == a && g->edges[i].to == b)
            return &g->edges[i];
    return 0;
}

/* The links of the path taking -> ... -> held into v->path, first link first. */
static void fill_path(const struct lock_order *g, unsigned from, unsigned to, const uint8_t prev[LOCK_ORDER_CLASSES],
                      struct lock_order_violation *v)
{
    unsigned len = 0;
    for (unsigned c = to; c != from; c = prev[c])
        len++;
    v->path_len = len;
    /* Walk back from the end; link k (0 = first) ends at the class k+1 steps from `from`. */
    unsigned k = len;
    for (unsigned c = to; c != from; c = prev[c]) {
        k--;
        if (k >= LOCK_ORDER_PATH_MAX)
            continue;
        const struct lock_order_edge *e = lock_order_edge(g, &g->classes[prev[c]], &g->classes[c]);
        v->path[k] = e ? *e : (struct lock_order_edge){.from = &g->classes[prev[c]], .to = &g->classes[c]};
    }
}

enum lock_order_result lock_order_check(struct lock_order *g, const struct lock_order_held *held, unsigned nheld,
                                        const struct lock_class *taking, const char *site,
                                        struct lock_order_violation *v)
{
    if (!taking)
        return LOCK_ORDER_OK;
    unsigned t = taking->id;
    for (unsigned i = 0; i < nheld; i++) {
        const struct lock_class *h = held[i].cls;
        if (!h || h == taking)
            continue;
        uint8_t prev[LOCK_ORDER_CLASSES];
        if (!g->after[t] || !find_path(g, t, h->id, prev))
            continue;
        if (g->reported[h->id] & (1ull << t))
            return LOCK_ORDER_REPEAT;
        g->reported[h->id] |= 1ull << t;
        v->held = held[i];
        v->taking = (struct lock_order_held){taking, site};
        fill_path(g, t, h->id, prev, v);
        return LOCK_ORDER_VIOLATION;
    }
    for (unsigned i = 0; i < nheld; i++) {
        const struct lock_class *h = held[i].cls;
        if (!h || h == taking || (g->after[h->id] & (1ull << t)))
            continue;
        g->after[h->id] |= 1ull << t;
        if (g->nedges == LOCK_ORDER_EDGES) {
            g->edges_full = true;
            continue;
        }
        g->edges[g->nedges++] = (struct lock_order_edge){h, taking, held[i].site, site};
    }
    return LOCK_ORDER_OK;
}
#endif
