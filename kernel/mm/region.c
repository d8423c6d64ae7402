/*
 * The region list of a user address space: a sorted array of disjoint regions in canonical form (see region.h).
 *
 * Every public operation has two halves, seL4's decode/invoke split in miniature: a first half that only reads the
 * set and decides (arguments, overlaps, coverage, and the exact number of regions the result needs), and a second
 * half that reports the pieces and then changes the set and cannot fail.
 *
 * The only subtle part is region_protect's capacity. Splitting first and merging afterwards would need up to two
 * spare slots even when the result is no bigger than the input (split a region at the start of the range, then
 * merge the piece with the next region). So region_protect counts the result exactly on a copy-free dry run, and
 * then changes the set in an order whose intermediate states are never bigger than the larger of the input and the
 * result: first the regions wholly inside the range (their count can only fall), then the partly covered region at
 * each edge, where a piece that can join its neighbour moves the boundary between the two instead of taking a slot.
 */
#include "mm/region.h"

#include <stddef.h>

#include <wren/abi.h>

#include "lib/string.h"

static bool page_aligned(uint64_t a)
{
    return (a & (REGION_PAGE - 1)) == 0;
}

static bool valid_range(uint64_t start, uint64_t end)
{
    return page_aligned(start) && page_aligned(end) && start < end;
}

static bool valid_prot(uint32_t prot)
{
    return (prot & ~(uint32_t)WREN_PROT_ALL) == 0;
}

/*
 * Whether a and b (in this order) can be one region: b starts where a ends, with the same prot and kind, and the
 * same backing object at the offset where a's ends (or no object).
 */
static bool joinable(const struct region *a, const struct region *b)
{
    return a->end == b->start && a->prot == b->prot && a->kind == b->kind && a->obj == b->obj &&
           (a->obj == NULL || b->off == a->off + (a->end - a->start));
}

/* The offset in r's object of address a (inside r or at its end); 0 without an object. */
static uint64_t off_at(const struct region *r, uint64_t a)
{
    return r->obj ? r->off + (a - r->start) : 0;
}

/*
 * Moves r's start to a (either way), keeping its offset true. Unsigned arithmetic: a move down wraps and comes out
 * right.
 */
static void set_start(struct region *r, uint64_t a)
{
    r->off = off_at(r, a);
    r->start = a;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

/*
 * Index of the first region that ends after addr (s->count if none). The regions are sorted and disjoint, so their
 * ends increase and a binary search finds it; if any region contains addr, it is this one.
 */
static int first_ending_after(const struct region_set *s, uint64_t addr)
{
    int lo = 0;
    int hi = s->count;

    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (s->r[mid].end > addr)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Makes n free slots at index k by moving r[k .. count) up. The caller has checked that they fit. */
static void open_slots(struct region_set *s, int k, int n)
{
    memmove(&s->r[k + n], &s->r[k], (size_t)(s->count - k) * sizeof(s->r[0]));
    s->count += n;
}

/* Drops r[k .. k + n) by moving the rest down, and zeroes the slots this frees (unused slots stay zero). */
static void close_slots(struct region_set *s, int k, int n)
{
    memmove(&s->r[k], &s->r[k + n], (size_t)(s->count - k - n) * sizeof(s->r[0]));
    s->count -= n;
    memset(&s->r[s->count], 0, (size_t)n * sizeof(s->r[0]));
}

/* Merges touching equal regions among r[lo .. hi) (clamped to the array) into one each. */
static void merge_range(struct region_set *s, int lo, int hi)
{
    if (lo < 0)
        lo = 0;
    if (hi > s->count)
        hi = s->count;
    if (hi - lo < 2)
        return;

    int w = lo; /* the last region kept */
    for (int k = lo + 1; k < hi; k++) {
        if (joinable(&s->r[w], &s->r[k]))
            s->r[w].end = s->r[k].end;
        else
            s->r[++w] = s->r[k];
    }
    if (hi - (w + 1) > 0)
        close_slots(s, w + 1, hi - (w + 1));
}

/*
 * Calls fn with the part inside [start, end) of each region from index k on that starts before end, in order;
 * with only_prot_change, skips the regions whose prot is already `prot`. Returns the number of pieces.
 */
static int report_pieces(const struct region_set *s, int k, uint64_t start, uint64_t end, bool only_prot_change,
                         uint32_t prot, region_piece_fn *fn, void *ctx)
{
    int n = 0;

    for (; k < s->count && s->r[k].start < end; k++) {
        const struct region *r = &s->r[k];
        if (r->end <= start || (only_prot_change && r->prot == prot))
            continue;
        uint64_t a = max_u64(r->start, start);
        struct region piece = {a, min_u64(r->end, end), r->prot, r->kind, r->obj, off_at(r, a)};
        if (fn != NULL)
            fn(ctx, &piece);
        n++;
    }
    return n;
}

void region_set_init(struct region_set *s)
{
    memset(s, 0, sizeof(*s));
}

const struct region *region_find(const struct region_set *s, uint64_t addr)
{
    int k = first_ending_after(s, addr);

    if (k < s->count && s->r[k].start <= addr)
        return &s->r[k];
    return NULL;
}

int region_insert(struct region_set *s, uint64_t start, uint64_t end, uint32_t prot, uint32_t kind)
{
    return region_insert_backed(s, start, end, prot, kind, NULL, 0);
}

int region_insert_backed(struct region_set *s, uint64_t start, uint64_t end, uint32_t prot, uint32_t kind, void *obj,
                         uint64_t off)
{
    if (!valid_range(start, end) || !valid_prot(prot) || !page_aligned(off) || (obj == NULL && off != 0))
        return -E_INVAL;

    /* r[k] is the first region ending after start: the new range overlaps something iff it overlaps r[k]. */
    int k = first_ending_after(s, start);
    if (k < s->count && s->r[k].start < end)
        return -E_EXIST;

    struct region n = {start, end, prot, kind, obj, off};
    bool join_prev = k > 0 && joinable(&s->r[k - 1], &n);
    bool join_next = k < s->count && joinable(&n, &s->r[k]);
    if (!join_prev && !join_next && s->count == REGION_MAX)
        return -E_NOMEM;

    if (join_prev && join_next) {
        s->r[k - 1].end = s->r[k].end;
        close_slots(s, k, 1);
    } else if (join_prev) {
        s->r[k - 1].end = end;
    } else if (join_next) {
        set_start(&s->r[k], start);
    } else {
        open_slots(s, k, 1);
        s->r[k] = n;
    }
    return 0;
}

int region_remove(struct region_set *s, uint64_t start, uint64_t end, region_piece_fn *removed, void *ctx)
{
    if (!valid_range(start, end))
        return -E_INVAL;

    /* r[i .. j) are the regions overlapping [start, end). */
    int i = first_ending_after(s, start);
    int j = i;
    while (j < s->count && s->r[j].start < end)
        j++;
    if (i == j)
        return 0; /* all hole */

    bool keep_left = s->r[i].start < start;  /* r[i] keeps [r[i].start, start) */
    bool keep_right = s->r[j - 1].end > end; /* r[j - 1] keeps [end, r[j - 1].end) */
    bool split = i + 1 == j && keep_left && keep_right;
    if (split && s->count == REGION_MAX)
        return -E_NOMEM;

    report_pieces(s, i, start, end, false, 0, removed, ctx);

    if (split) {
        open_slots(s, i + 1, 1);
        s->r[i + 1] = s->r[i];
        s->r[i].end = start;
        set_start(&s->r[i + 1], end);
        return 0;
    }
    /*
     * Trimming leaves each remnant's relation to its outer neighbour as it was, and the two remnants (if both
     * exist) are different regions with the removed range between them: nothing new can merge.
     */
    if (keep_left)
        s->r[i++].end = start;
    if (keep_right)
        set_start(&s->r[--j], end);
    if (j > i)
        close_slots(s, i, j - i);
    return 0;
}

/*
 * How many regions the set will hold after region_protect(start, end, prot), given that r[i .. j) cover the range
 * without a gap: r[i - 1 .. j + 1) (the covering regions and their neighbours) are cut at start and end, the pieces
 * inside get prot, and touching equal pieces are counted as one.
 */
static int protect_result_count(const struct region_set *s, int i, int j, uint64_t start, uint64_t end, uint32_t prot)
{
    int lo = i > 0 ? i - 1 : i;
    int hi = j < s->count ? j + 1 : j;
    struct region last = {0, 0, 0, 0, NULL, 0};
    int runs = 0;

    for (int k = lo; k < hi; k++) {
        const struct region *r = &s->r[k];
        uint64_t cut[4] = {r->start, min_u64(max_u64(start, r->start), r->end), min_u64(max_u64(end, r->start), r->end),
                           r->end};
        for (int p = 0; p < 3; p++) {
            if (cut[p] == cut[p + 1])
                continue;
            struct region piece = {cut[p], cut[p + 1], p == 1 ? prot : r->prot, r->kind, r->obj, off_at(r, cut[p])};
            if (runs == 0 || !joinable(&last, &piece))
                runs++;
            last = piece;
        }
    }
    return s->count - (hi - lo) + runs;
}

/*
 * Gives [a, b), a part of region k, protection prot, keeping the set canonical. The set must be canonical, and have
 * room for what this adds: two regions if [a, b) is strictly inside r[k], one if it shares one edge with r[k] and
 * the piece cannot join the neighbour on that side (then it moves the boundary between the two instead).
 */
static void protect_part(struct region_set *s, int k, uint64_t a, uint64_t b, uint32_t prot)
{
    struct region *r = &s->r[k];
    struct region mid = {a, b, prot, r->kind, r->obj, off_at(r, a)};
    bool keep_left = r->start < a;
    bool keep_right = b < r->end;

    if (r->prot == prot)
        return;
    if (!keep_left && !keep_right) {
        r->prot = prot;
        merge_range(s, k - 1, k + 2);
    } else if (keep_left && keep_right) {
        struct region right = *r;
        set_start(&right, b);
        r->end = a;
        open_slots(s, k + 1, 2);
        s->r[k + 1] = mid;
        s->r[k + 2] = right;
    } else if (keep_right) { /* [r.start, b) changes */
        if (k > 0 && joinable(&s->r[k - 1], &mid)) {
            s->r[k - 1].end = b;
        } else {
            open_slots(s, k, 1);
            s->r[k] = mid;
            k++;
        }
        set_start(&s->r[k], b);
    } else { /* [a, r.end) changes */
        if (k + 1 < s->count && joinable(&mid, &s->r[k + 1])) {
            set_start(&s->r[k + 1], a);
        } else {
            open_slots(s, k + 1, 1);
            s->r[k + 1] = mid;
        }
        s->r[k].end = a;
    }
}

int region_protect(struct region_set *s, uint64_t start, uint64_t end, uint32_t prot, region_piece_fn *changed,
                   void *ctx)
{
    if (!valid_range(start, end) || !valid_prot(prot))
        return -E_INVAL;

    /* r[i .. j) must cover [start, end) without a gap. */
    int i = first_ending_after(s, start);
    if (i == s->count || s->r[i].start > start)
        return -E_NOMEM;
    int j = i + 1;
    while (s->r[j - 1].end < end) {
        if (j == s->count || s->r[j].start != s->r[j - 1].end)
            return -E_NOMEM;
        j++;
    }
    if (protect_result_count(s, i, j, start, end, prot) > REGION_MAX)
        return -E_NOMEM;

    report_pieces(s, i, start, end, true, prot, changed, ctx);

    /*
     * 1. Regions wholly inside the range: set their prot, then merge them with each other and their neighbours.
     *    This can only lower the count.
     */
    for (int k = i; k < j; k++) {
        if (s->r[k].start >= start && s->r[k].end <= end)
            s->r[k].prot = prot;
    }
    merge_range(s, i - 1, j + 1);

    /*
     * 2. The region containing start, if the range covers only part of it (possibly the same region as in 3; then
     *    this does the whole job and 3 finds the prot already set). Adds what the result needs, no more: the set
     *    is canonical again afterwards, and 3 can only add.
     */
    int k = first_ending_after(s, start);
    protect_part(s, k, start, min_u64(end, s->r[k].end), prot);

    /* 3. The region containing the last page of the range, likewise. */
    k = first_ending_after(s, end - 1);
    protect_part(s, k, max_u64(start, s->r[k].start), end, prot);
    return 0;
}

int region_for_each(const struct region_set *s, uint64_t start, uint64_t end, region_piece_fn *fn, void *ctx)
{
    if (start >= end)
        return 0;
    return report_pieces(s, first_ending_after(s, start), start, end, false, 0, fn, ctx);
}

/* The lowest address at or above `from` where len bytes fit before hi without touching a region. */
static int lowest_gap(const struct region_set *s, uint64_t from, uint64_t hi, uint64_t len, uint64_t *out)
{
    uint64_t cur = from; /* candidate: the start of the free stretch being looked at */

    for (int k = first_ending_after(s, from);; k++) {
        bool region_below_hi = k < s->count && s->r[k].start < hi;
        uint64_t gap_end = region_below_hi ? s->r[k].start : hi;
        if (gap_end > cur && gap_end - cur >= len) {
            *out = cur;
            return 0;
        }
        if (!region_below_hi)
            return -E_NOMEM;
        cur = max_u64(cur, s->r[k].end);
        if (cur >= hi)
            return -E_NOMEM;
    }
}

int region_find_free(const struct region_set *s, uint64_t lo, uint64_t hi, uint64_t len, uint64_t hint, uint64_t *out)
{
    if (!page_aligned(lo) || !page_aligned(hi) || !page_aligned(len) || len == 0 || lo >= hi)
        return -E_INVAL;
    if (len > hi - lo)
        return -E_NOMEM;

    /* hint < hi <= 2^64 - REGION_PAGE, so rounding it up cannot wrap. */
    if (hint > lo && hint < hi) {
        uint64_t from = (hint + REGION_PAGE - 1) & ~(REGION_PAGE - 1);
        if (from < hi && lowest_gap(s, from, hi, len, out) == 0)
            return 0;
    }
    return lowest_gap(s, lo, hi, len, out);
}

bool region_set_valid(const struct region_set *s)
{
    static const struct region zero = {0, 0, 0, 0, NULL, 0};

    if (s->count < 0 || s->count > REGION_MAX)
        return false;
    for (int k = 0; k < s->count; k++) {
        const struct region *r = &s->r[k];
        if (!valid_range(r->start, r->end) || !valid_prot(r->prot) || !page_aligned(r->off) ||
            (r->obj == NULL && r->off != 0))
            return false;
        if (k > 0 && (s->r[k - 1].end > r->start || joinable(&s->r[k - 1], r)))
            return false;
    }
    for (int k = s->count; k < REGION_MAX; k++) {
        if (memcmp(&s->r[k], &zero, sizeof(zero)) != 0)
            return false;
    }
    return true;
}
