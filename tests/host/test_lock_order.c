// sources: kernel/lib/lock_order.c
// The lock-order graph: classes by name, edges with both sites the first time, a reversed order (direct or through a
// path) reported once with the path's sites, same-class nesting left alone, the limits, and 20,000 seeded takes against
// a model that keeps its own edge list and searches it.
#include <string.h>

#include "lib/lock_order.h"
#include "unit.h"

static struct lock_order g;

static struct lock_order_held H(struct lock_class *c, const char *site) {
    return (struct lock_order_held){c, site};
}

TEST(classes_by_name)
{
    lock_order_init(&g);
    char copy[] = "runqueue";
    struct lock_class *a = lock_order_class(&g, "runqueue");
    struct lock_class *b = lock_order_class(&g, copy); /* another pointer, the same name */
    struct lock_class *c = lock_order_class(&g, "console");
    ASSERT_TRUE(a && c);
    EXPECT_TRUE(a == b);
    EXPECT_TRUE(a != c);
    EXPECT_EQ(a->id, 0);
    EXPECT_EQ(c->id, 1);
    EXPECT_STREQ(c->name, "console");
    EXPECT_TRUE(lock_order_class(&g, NULL) == lock_order_class(&g, "(unnamed)"));
}

TEST(class_table_full)
{
    lock_order_init(&g);
    static char names[LOCK_ORDER_CLASSES + 1][8];
    for (int i = 0; i < LOCK_ORDER_CLASSES; i++) {
        snprintf(names[i], sizeof(names[i]), "l%d", i);
        ASSERT_TRUE(lock_order_class(&g, names[i]) != NULL);
    }
    EXPECT_FALSE(g.classes_full);
    EXPECT_TRUE(lock_order_class(&g, "one-too-many") == NULL);
    EXPECT_TRUE(g.classes_full);
    EXPECT_TRUE(lock_order_class(&g, "l5") == &g.classes[5]); /* old ones are still found */
    /* An unchecked class (NULL) is never a conflict, held or taken. */
    struct lock_order_held held[] = {H(NULL, "x:1")};
    struct lock_order_violation v;
    EXPECT_EQ(lock_order_check(&g, held, 1, &g.classes[0], "x:2", &v), LOCK_ORDER_OK);
    EXPECT_EQ(lock_order_check(&g, held, 1, NULL, "x:2", &v), LOCK_ORDER_OK);
}

TEST(first_order_recorded_with_both_sites)
{
    lock_order_init(&g);
    struct lock_class *a = lock_order_class(&g, "a"), *b = lock_order_class(&g, "b");
    struct lock_order_held held[] = {H(a, "f.c:10")};
    struct lock_order_violation v;
    EXPECT_EQ(lock_order_check(&g, held, 1, b, "f.c:11", &v), LOCK_ORDER_OK);
    const struct lock_order_edge *e = lock_order_edge(&g, a, b);
    ASSERT_TRUE(e != NULL);
    EXPECT_STREQ(e->from_site, "f.c:10");
    EXPECT_STREQ(e->to_site, "f.c:11");
    EXPECT_TRUE(lock_order_known(&g, a, b));
    EXPECT_FALSE(lock_order_known(&g, b, a));
    /* The same order again, elsewhere: the first sites stay. */
    held[0].site = "g.c:1";
    EXPECT_EQ(lock_order_check(&g, held, 1, b, "g.c:2", &v), LOCK_ORDER_OK);
    EXPECT_EQ(g.nedges, 1);
    EXPECT_STREQ(lock_order_edge(&g, a, b)->from_site, "f.c:10");
}

TEST(reversed_order_is_a_violation_reported_once)
{
    lock_order_init(&g);
    struct lock_class *a = lock_order_class(&g, "a"), *b = lock_order_class(&g, "b");
    struct lock_order_violation v;
    struct lock_order_held ha[] = {H(a, "f.c:10")};
    EXPECT_EQ(lock_order_check(&g, ha, 1, b, "f.c:11", &v), LOCK_ORDER_OK);
    struct lock_order_held hb[] = {H(b, "g.c:20")};
    memset(&v, 0, sizeof(v));
    ASSERT_EQ(lock_order_check(&g, hb, 1, a, "g.c:21", &v), LOCK_ORDER_VIOLATION);
    EXPECT_TRUE(v.held.cls == b);
    EXPECT_STREQ(v.held.site, "g.c:20");
    EXPECT_TRUE(v.taking.cls == a);
    EXPECT_STREQ(v.taking.site, "g.c:21");
    ASSERT_EQ(v.path_len, 1);
    EXPECT_TRUE(v.path[0].from == a && v.path[0].to == b);
    EXPECT_STREQ(v.path[0].from_site, "f.c:10");
    EXPECT_STREQ(v.path[0].to_site, "f.c:11");
    /* Not recorded: the graph keeps one order. */
    EXPECT_FALSE(lock_order_known(&g, b, a));
    EXPECT_EQ(g.nedges, 1);
    /* The same pair again: known, said once. */
    EXPECT_EQ(lock_order_check(&g, hb, 1, a, "h.c:1", &v), LOCK_ORDER_REPEAT);
    /* The first order still passes. */
    EXPECT_EQ(lock_order_check(&g, ha, 1, b, "f.c:11", &v), LOCK_ORDER_OK);
}

TEST(violation_through_a_path)
{
    lock_order_init(&g);
    struct lock_class *a = lock_order_class(&g, "a"), *b = lock_order_class(&g, "b"), *c = lock_order_class(&g, "c");
    struct lock_order_violation v;
    /* a -> b at one time, b -> c at another: never a, b, c held together. */
    EXPECT_EQ(lock_order_check(&g, (struct lock_order_held[]){H(a, "a.c:1")}, 1, b, "a.c:2", &v), LOCK_ORDER_OK);
    EXPECT_EQ(lock_order_check(&g, (struct lock_order_held[]){H(b, "b.c:1")}, 1, c, "b.c:2", &v), LOCK_ORDER_OK);
    EXPECT_TRUE(lock_order_known(&g, a, c));
    EXPECT_TRUE(lock_order_edge(&g, a, c) == NULL); /* implied, not recorded */
    ASSERT_EQ(lock_order_check(&g, (struct lock_order_held[]){H(c, "c.c:1")}, 1, a, "c.c:2", &v), LOCK_ORDER_VIOLATION);
    ASSERT_EQ(v.path_len, 2);
    EXPECT_TRUE(v.path[0].from == a && v.path[0].to == b);
    EXPECT_TRUE(v.path[1].from == b && v.path[1].to == c);
    EXPECT_STREQ(v.path[0].from_site, "a.c:1");
    EXPECT_STREQ(v.path[1].to_site, "b.c:2");
}

TEST(oldest_conflicting_held_lock_is_named)
{
    lock_order_init(&g);
    struct lock_class *a = lock_order_class(&g, "a"), *b = lock_order_class(&g, "b"), *x = lock_order_class(&g, "x");
    struct lock_order_violation v;
    EXPECT_EQ(lock_order_check(&g, (struct lock_order_held[]){H(a, "1")}, 1, b, "2", &v), LOCK_ORDER_OK);
    /* Hold x (no conflict) then b, take a: b is the conflict. Nothing new is recorded (x -> a would be new). */
    struct lock_order_held held[] = {H(x, "3"), H(b, "4")};
    ASSERT_EQ(lock_order_check(&g, held, 2, a, "5", &v), LOCK_ORDER_VIOLATION);
    EXPECT_TRUE(v.held.cls == b);
    EXPECT_FALSE(lock_order_known(&g, x, a));
}

TEST(nested_locks_record_every_held_class)
{
    lock_order_init(&g);
    struct lock_class *a = lock_order_class(&g, "a"), *b = lock_order_class(&g, "b"), *c = lock_order_class(&g, "c");
    struct lock_order_violation v;
    struct lock_order_held held[] = {H(a, "1"), H(b, "2")};
    EXPECT_EQ(lock_order_check(&g, held, 1, b, "2", &v), LOCK_ORDER_OK);
    EXPECT_EQ(lock_order_check(&g, held, 2, c, "3", &v), LOCK_ORDER_OK);
    EXPECT_STREQ(lock_order_edge(&g, a, c)->to_site, "3");
    EXPECT_STREQ(lock_order_edge(&g, b, c)->from_site, "2");
    /* Orders that agree are fine in any combination. */
    EXPECT_EQ(lock_order_check(&g, (struct lock_order_held[]){H(a, "9")}, 1, c, "9", &v), LOCK_ORDER_OK);
    EXPECT_EQ(lock_order_check(&g, (struct lock_order_held[]){H(b, "9")}, 1, c, "9", &v), LOCK_ORDER_OK);
}

TEST(same_class_nesting_is_not_checked)
{
    lock_order_init(&g);
    struct lock_class *q = lock_order_class(&g, "runqueue");
    struct lock_order_violation v;
    EXPECT_EQ(lock_order_check(&g, (struct lock_order_held[]){H(q, "1")}, 1, q, "2", &v), LOCK_ORDER_OK);
    EXPECT_EQ(g.after[q->id], 0);
    EXPECT_EQ(g.nedges, 0);
}

TEST(edge_table_full_still_checks_order)
{
    lock_order_init(&g);
    static char names[LOCK_ORDER_CLASSES][8];
    struct lock_class *c[LOCK_ORDER_CLASSES];
    for (int i = 0; i < LOCK_ORDER_CLASSES; i++) {
        snprintf(names[i], sizeof(names[i]), "l%d", i);
        c[i] = lock_order_class(&g, names[i]);
    }
    struct lock_order_violation v;
    /* i -> j for every i < j: 2016 orders, far more than the sites table keeps. */
    for (int i = 0; i < LOCK_ORDER_CLASSES; i++)
        for (int j = i + 1; j < LOCK_ORDER_CLASSES; j++)
            ASSERT_EQ(lock_order_check(&g, (struct lock_order_held[]){H(c[i], "s")}, 1, c[j], "t", &v), LOCK_ORDER_OK);
    EXPECT_EQ(g.nedges, LOCK_ORDER_EDGES);
    EXPECT_TRUE(g.edges_full);
    /* The last pair's sites were not kept, but its order was. */
    EXPECT_TRUE(lock_order_edge(&g, c[62], c[63]) == NULL);
    ASSERT_EQ(lock_order_check(&g, (struct lock_order_held[]){H(c[63], "u")}, 1, c[62], "v", &v), LOCK_ORDER_VIOLATION);
    ASSERT_EQ(v.path_len, 1);
    EXPECT_TRUE(v.path[0].from == c[62] && v.path[0].from_site == NULL);
}

TEST(long_path_keeps_its_first_links)
{
    lock_order_init(&g);
    static char names[12][8];
    struct lock_class *c[12];
    struct lock_order_violation v;
    for (int i = 0; i < 12; i++) {
        snprintf(names[i], sizeof(names[i]), "p%d", i);
        c[i] = lock_order_class(&g, names[i]);
    }
    for (int i = 0; i + 1 < 12; i++)
        ASSERT_EQ(lock_order_check(&g, (struct lock_order_held[]){H(c[i], names[i])}, 1, c[i + 1], names[i + 1], &v),
                  LOCK_ORDER_OK);
    ASSERT_EQ(lock_order_check(&g, (struct lock_order_held[]){H(c[11], "z")}, 1, c[0], "y", &v), LOCK_ORDER_VIOLATION);
    EXPECT_EQ(v.path_len, 11);
    for (int k = 0; k < LOCK_ORDER_PATH_MAX; k++)
        EXPECT_TRUE(v.path[k].from == c[k] && v.path[k].to == c[k + 1] && v.path[k].from_site == names[k]);
}

/* The model: its own list of recorded pairs, searched depth first. */
#define NC 12
static bool model_edge[NC][NC], model_reported[NC][NC];

static bool model_reach(int from, int to, bool *seen)
{
    if (from == to)
        return true;
    seen[from] = true;
    for (int n = 0; n < NC; n++)
        if (model_edge[from][n] && !seen[n] && model_reach(n, to, seen))
            return true;
    return false;
}

static unsigned long long rng = 0x9e3779b97f4a7c15ull;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

TEST(random_takes_against_a_model)
{
    lock_order_init(&g);
    memset(model_edge, 0, sizeof(model_edge));
    memset(model_reported, 0, sizeof(model_reported));
    static char names[NC][8];
    struct lock_class *c[NC];
    for (int i = 0; i < NC; i++) {
        snprintf(names[i], sizeof(names[i]), "r%d", i);
        c[i] = lock_order_class(&g, names[i]);
    }
    unsigned violations = 0, repeats = 0;
    for (int round = 0; round < 20000; round++) {
        /* Mostly takes in a fixed order, so that most checks pass and the graph grows; some at random. */
        unsigned nheld = rnd(4);
        struct lock_order_held held[4];
        int hid[4];
        for (unsigned i = 0; i < nheld; i++) {
            hid[i] = (int)rnd(NC);
            held[i] = H(c[hid[i]], names[hid[i]]);
        }
        int t = (int)rnd(NC);
        /* What the model expects: the first held class (oldest) with a path t -> ... -> it. */
        int conflict = -1;
        for (unsigned i = 0; i < nheld && conflict < 0; i++) {
            bool seen[NC] = {0};
            if (hid[i] != t && model_reach(t, hid[i], seen))
                conflict = hid[i];
        }
        struct lock_order_violation v;
        enum lock_order_result r = lock_order_check(&g, held, nheld, c[t], "site", &v);
        if (conflict < 0) {
            ASSERT_EQ(r, LOCK_ORDER_OK);
            for (unsigned i = 0; i < nheld; i++)
                if (hid[i] != t)
                    model_edge[hid[i]][t] = true;
        } else if (model_reported[conflict][t]) {
            ASSERT_EQ(r, LOCK_ORDER_REPEAT);
            repeats++;
        } else {
            ASSERT_EQ(r, LOCK_ORDER_VIOLATION);
            model_reported[conflict][t] = true;
            violations++;
            EXPECT_TRUE(v.held.cls == c[conflict] && v.taking.cls == c[t]);
            /* The path is real: consecutive recorded edges from t to the held class. */
            ASSERT_TRUE(v.path_len >= 1 && v.path_len <= LOCK_ORDER_PATH_MAX);
            EXPECT_TRUE(v.path[0].from == c[t] && v.path[v.path_len - 1].to == c[conflict]);
            for (unsigned k = 0; k < v.path_len; k++) {
                EXPECT_TRUE(model_edge[v.path[k].from->id][v.path[k].to->id]);
                if (k)
                    EXPECT_TRUE(v.path[k].from == v.path[k - 1].to);
            }
        }
        for (int a = 0; a < NC; a++)
            for (int b = 0; b < NC; b++)
                if ((g.after[a] >> b & 1) != model_edge[a][b]) {
                    EXPECT_TRUE(!"graph and model disagree");
                    return;
                }
    }
    EXPECT_TRUE(violations > 10 && repeats > 100);
}
