/*
 * The block cache (wren/blockcache.h): slots in one array, found by a hash of the block number (chains of slot
 * indices), ordered by a doubly linked least-recently-used list. Block data lives in one arena, slot i at
 * arena + i * block_size, allocated once: the cache never allocates after bc_create.
 */
#include <stdlib.h>
#include <string.h>

#include <wren/abi.h>
#include <wren/blockcache.h>

#define NIL UINT32_MAX

struct slot {
    uint64_t block;
    uint32_t hnext;      /* next slot in the same hash chain */
    uint32_t prev, next; /* LRU list: head is the most recent */
    uint32_t valid;      /* bytes of the block inside the device (the last block may be short) */
    uint8_t used, dirty, cls;
};

struct blockcache {
    struct bc_dev dev;
    uint64_t dev_size;
    uint32_t block_size, shift, nslots, nbuckets;
    uint32_t lru_head, lru_tail, free_head; /* free slots chain through hnext */
    uint32_t *buckets;
    struct slot *slots;
    uint8_t *arena;
    uint32_t *order; /* scratch for bc_sync's sort */
    struct bc_stats st;
};

static uint32_t hash_block(const struct blockcache *bc, uint64_t block)
{
    return (uint32_t)((block * 0x9E3779B97F4A7C15ull) >> 40) & (bc->nbuckets - 1);
}

struct blockcache *bc_create(const struct bc_dev *dev, uint64_t dev_size, uint32_t block_size, uint32_t slots)
{
    if (!dev || !dev->read || !dev->write || block_size < 512 || (block_size & (block_size - 1)) || slots < 4)
        return NULL;
    struct blockcache *bc = calloc(1, sizeof(*bc));
    if (!bc)
        return NULL;
    bc->dev = *dev;
    bc->dev_size = dev_size & ~511ull;
    bc->block_size = block_size;
    while ((1u << bc->shift) < block_size)
        bc->shift++;
    bc->nslots = slots;
    bc->nbuckets = 1;
    while (bc->nbuckets < slots * 2)
        bc->nbuckets <<= 1;
    bc->buckets = malloc(sizeof(uint32_t) * bc->nbuckets);
    bc->slots = calloc(slots, sizeof(struct slot));
    bc->arena = malloc((size_t)slots * block_size);
    bc->order = malloc(sizeof(uint32_t) * slots);
    if (!bc->buckets || !bc->slots || !bc->arena || !bc->order) {
        bc_destroy(bc);
        return NULL;
    }
    for (uint32_t i = 0; i < bc->nbuckets; i++)
        bc->buckets[i] = NIL;
    for (uint32_t i = 0; i < slots; i++)
        bc->slots[i].hnext = i + 1 < slots ? i + 1 : NIL;
    bc->free_head = 0;
    bc->lru_head = bc->lru_tail = NIL;
    bc->st.slots = slots;
    return bc;
}

void bc_destroy(struct blockcache *bc)
{
    if (!bc)
        return;
    free(bc->buckets);
    free(bc->slots);
    free(bc->arena);
    free(bc->order);
    free(bc);
}

static uint8_t *slot_data(struct blockcache *bc, uint32_t i)
{
    return bc->arena + (size_t)i * bc->block_size;
}

static void lru_unlink(struct blockcache *bc, uint32_t i)
{
    struct slot *s = &bc->slots[i];
    if (s->prev != NIL)
        bc->slots[s->prev].next = s->next;
    else
        bc->lru_head = s->next;
    if (s->next != NIL)
        bc->slots[s->next].prev = s->prev;
    else
        bc->lru_tail = s->prev;
}

static void lru_push_front(struct blockcache *bc, uint32_t i)
{
    struct slot *s = &bc->slots[i];
    s->prev = NIL;
    s->next = bc->lru_head;
    if (bc->lru_head != NIL)
        bc->slots[bc->lru_head].prev = i;
    bc->lru_head = i;
    if (bc->lru_tail == NIL)
        bc->lru_tail = i;
}

static uint32_t lookup(struct blockcache *bc, uint64_t block)
{
    for (uint32_t i = bc->buckets[hash_block(bc, block)]; i != NIL; i = bc->slots[i].hnext)
        if (bc->slots[i].block == block)
            return i;
    return NIL;
}

static void hash_remove(struct blockcache *bc, uint32_t i)
{
    uint32_t *link = &bc->buckets[hash_block(bc, bc->slots[i].block)];
    while (*link != i)
        link = &bc->slots[*link].hnext;
    *link = bc->slots[i].hnext;
}

/* Forget slot i (clean) and put it on the free chain. */
static void slot_release(struct blockcache *bc, uint32_t i)
{
    hash_remove(bc, i);
    lru_unlink(bc, i);
    bc->slots[i].used = 0;
    bc->slots[i].hnext = bc->free_head;
    bc->free_head = i;
    bc->st.used--;
}

static long write_slot(struct blockcache *bc, uint32_t i)
{
    struct slot *s = &bc->slots[i];
    long r = bc->dev.write(bc->dev.arg, s->block << bc->shift, slot_data(bc, i), s->valid);
    bc->st.dev_writes++;
    if (r < 0)
        return r;
    if ((uint64_t)r != s->valid)
        return -E_IO;
    s->dirty = 0;
    bc->st.dirty--;
    return 0;
}

static int compare_block(const void *a, const void *b, void *arg)
{
    const struct slot *slots = arg;
    uint64_t x = slots[*(const uint32_t *)a].block, y = slots[*(const uint32_t *)b].block;
    return x < y ? -1 : x > y;
}

/* Insertion sort of the dirty slots of one class by block number: bc_sync's lists are short (what changed since the
 * last sync) and mostly in order already, since files are written front to back. */
static void sort_slots(uint32_t *v, uint32_t n, const struct slot *slots)
{
    for (uint32_t i = 1; i < n; i++) {
        uint32_t x = v[i], j = i;
        while (j > 0 && compare_block(&v[j - 1], &x, (void *)slots) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

long bc_sync(struct blockcache *bc)
{
    for (unsigned cls = 0; cls < BC_CLASSES; cls++) {
        uint32_t n = 0;
        for (uint32_t i = 0; i < bc->nslots; i++)
            if (bc->slots[i].used && bc->slots[i].dirty && bc->slots[i].cls == cls)
                bc->order[n++] = i;
        if (!n)
            continue;
        sort_slots(bc->order, n, bc->slots);
        for (uint32_t k = 0; k < n; k++) {
            long r = write_slot(bc, bc->order[k]);
            if (r < 0)
                return r;
        }
        if (bc->dev.flush) {
            bc->st.flushes++;
            long r = bc->dev.flush(bc->dev.arg);
            if (r < 0)
                return r;
        }
    }
    return 0;
}

void bc_drop_clean(struct blockcache *bc)
{
    for (uint32_t i = 0; i < bc->nslots; i++)
        if (bc->slots[i].used && !bc->slots[i].dirty)
            slot_release(bc, i);
}

/* A free slot, evicting the least recently used block (after a sync if it is dirty). */
static long take_slot(struct blockcache *bc, uint32_t *out)
{
    if (bc->free_head == NIL) {
        uint32_t victim = bc->lru_tail;
        if (bc->slots[victim].dirty) {
            long r = bc_sync(bc);
            if (r < 0)
                return r;
        }
        slot_release(bc, victim);
        bc->st.evictions++;
    }
    uint32_t i = bc->free_head;
    bc->free_head = bc->slots[i].hnext;
    *out = i;
    return 0;
}

/* The slot holding `block`, read from the device unless `whole` (the caller overwrites all of it). */
static long get_block(struct blockcache *bc, uint64_t block, int whole, uint32_t *out)
{
    uint32_t i = lookup(bc, block);
    if (i != NIL) {
        bc->st.hits++;
        if (bc->lru_head != i) {
            lru_unlink(bc, i);
            lru_push_front(bc, i);
        }
        *out = i;
        return 0;
    }
    bc->st.misses++;
    long r = take_slot(bc, &i);
    if (r < 0)
        return r;
    struct slot *s = &bc->slots[i];
    uint64_t start = block << bc->shift;
    uint64_t left = bc->dev_size - start;
    s->valid = left < bc->block_size ? (uint32_t)left : bc->block_size;
    if (!whole) {
        r = bc->dev.read(bc->dev.arg, start, slot_data(bc, i), s->valid);
        bc->st.dev_reads++;
        if (r < 0 || (uint64_t)r != s->valid) {
            s->hnext = bc->free_head;
            bc->free_head = i;
            return r < 0 ? r : -E_IO;
        }
    }
    s->block = block;
    s->used = 1;
    s->dirty = 0;
    s->cls = 0;
    uint32_t b = hash_block(bc, block);
    s->hnext = bc->buckets[b];
    bc->buckets[b] = i;
    lru_push_front(bc, i);
    bc->st.used++;
    *out = i;
    return 0;
}

static int out_of_range(const struct blockcache *bc, uint64_t offset, size_t len)
{
    return offset > bc->dev_size || len > bc->dev_size - offset;
}

long bc_read(struct blockcache *bc, uint64_t offset, void *buf, size_t len)
{
    if (out_of_range(bc, offset, len))
        return -E_INVAL;
    uint8_t *p = buf;
    while (len) {
        uint64_t block = offset >> bc->shift;
        uint32_t in = (uint32_t)(offset & (bc->block_size - 1));
        size_t n = bc->block_size - in < len ? bc->block_size - in : len;
        uint32_t i;
        long r = get_block(bc, block, 0, &i);
        if (r < 0)
            return r;
        memcpy(p, slot_data(bc, i) + in, n);
        p += n;
        offset += n;
        len -= n;
    }
    return 0;
}

long bc_write(struct blockcache *bc, uint64_t offset, const void *buf, size_t len, enum bc_class cls)
{
    if (out_of_range(bc, offset, len) || (unsigned)cls >= BC_CLASSES)
        return -E_INVAL;
    const uint8_t *p = buf;
    while (len) {
        uint64_t block = offset >> bc->shift;
        uint32_t in = (uint32_t)(offset & (bc->block_size - 1));
        size_t n = bc->block_size - in < len ? bc->block_size - in : len;
        uint64_t left = bc->dev_size - (block << bc->shift);
        int whole = in == 0 && (n == bc->block_size || n == left);
        uint32_t i;
        long r = get_block(bc, block, whole, &i);
        if (r < 0)
            return r;
        struct slot *s = &bc->slots[i];
        memcpy(slot_data(bc, i) + in, p, n);
        if (!s->dirty) {
            s->dirty = 1;
            s->cls = (uint8_t)cls;
            bc->st.dirty++;
        } else if (s->cls < cls) {
            s->cls = (uint8_t)cls;
        }
        p += n;
        offset += n;
        len -= n;
    }
    return 0;
}

void bc_get_stats(const struct blockcache *bc, struct bc_stats *st)
{
    *st = bc->st;
}

uint64_t bc_dev_size(const struct blockcache *bc)
{
    return bc->dev_size;
}
