/*
 * kmalloc: size classes on 4 KiB slabs, large objects on their own blocks (see kmalloc.h).
 *
 * Both kinds of memory start with a header on the first page, so kfree finds it by rounding the
 * pointer down to the page: a small object never sits on a page boundary (the slab header is
 * there), and a large object starts just after its header, inside its block's first page.
 * Each slab keeps a bitmap of its live objects, so a double or misaligned free is caught
 * exactly instead of corrupting the free list.
 */
#include <stdbool.h>

#include "mm/kmalloc.h"
#include "panic.h"
#include "lib/string.h"

#define PAGE          KMALLOC_PAGE
#define SLAB_MAGIC    0x736c6162u /* "slab" */
#define LARGE_MAGIC   0x6c617267u /* "larg" */
#define MIN_SHIFT     KMALLOC_MIN_SHIFT
#define SLAB_HDR      64u /* header size; objects start here */
#define SLAB_MAX_OBJS ((PAGE - SLAB_HDR) >> MIN_SHIFT)

struct slab {
    uint32_t magic;
    uint16_t cls;
    uint16_t nfree;
    void *free;               /* singly linked through the first word of each free object */
    struct slab *next, *prev; /* partial list of the class: slabs with at least one free object */
    uint8_t live[SLAB_MAX_OBJS / 8];
};
_Static_assert(sizeof(struct slab) <= SLAB_HDR, "slab header must fit before the first object");

struct large {
    uint32_t magic;
    uint32_t order;
    uint64_t size;
};
#define LARGE_HDR KMALLOC_LARGE_HDR
_Static_assert(sizeof(struct large) == LARGE_HDR, "large header keeps objects 16-byte aligned");

static struct slab *partial[KMALLOC_CLASSES];
static struct kmalloc_stats stats;

static unsigned class_size(unsigned cls)
{
    return 1u << (cls + MIN_SHIFT);
}

static unsigned class_objects(unsigned cls)
{
    return (PAGE - SLAB_HDR) / class_size(cls);
}

static unsigned class_of(size_t size)
{
    unsigned cls = 0;
    while (class_size(cls) < size)
        cls++;
    return cls;
}

static void list_remove(struct slab *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        partial[s->cls] = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->next = s->prev = NULL;
}

static void list_push(struct slab *s)
{
    s->prev = NULL;
    s->next = partial[s->cls];
    if (s->next)
        s->next->prev = s;
    partial[s->cls] = s;
}

static struct slab *slab_new(unsigned cls)
{
    struct slab *s = kmalloc_pages_alloc(0);
    if (!s)
        return NULL;
    memset(s, 0, SLAB_HDR);
    s->magic = SLAB_MAGIC;
    s->cls = (uint16_t)cls;
    unsigned n = class_objects(cls), sz = class_size(cls);
    uint8_t *base = (uint8_t *)s + SLAB_HDR;
    /* Thread the free list low to high, so objects are handed out in address order. */
    for (unsigned i = n; i-- > 0;) {
        *(void **)(base + i * sz) = s->free;
        s->free = base + i * sz;
    }
    s->nfree = (uint16_t)n;
    stats.pages++;
    list_push(s);
    return s;
}

static void *small_alloc(size_t size)
{
    unsigned cls = class_of(size);
    struct slab *s = partial[cls] ? partial[cls] : slab_new(cls);
    if (!s)
        return NULL;
    uint8_t *obj = s->free;
    s->free = *(void **)obj;
    if (--s->nfree == 0)
        list_remove(s);
    unsigned idx = (unsigned)((obj - ((uint8_t *)s + SLAB_HDR)) / class_size(cls));
    s->live[idx / 8] |= (uint8_t)(1u << (idx % 8));
    stats.class_live[cls]++;
    return obj;
}

static void small_free(struct slab *s, uint8_t *obj)
{
    if (s->cls >= KMALLOC_CLASSES)
        panic("kfree(%p): corrupt slab header", (void *)obj);
    unsigned sz = class_size(s->cls);
    uintptr_t off = (uintptr_t)(obj - ((uint8_t *)s + SLAB_HDR));
    unsigned idx = (unsigned)(off / sz);
    if (off % sz || idx >= class_objects(s->cls) || !(s->live[idx / 8] & (1u << (idx % 8))))
        panic("kfree(%p): not a live %u-byte object", (void *)obj, sz);
    s->live[idx / 8] &= (uint8_t) ~(1u << (idx % 8));
    stats.class_live[s->cls]--;
    *(void **)obj = s->free;
    s->free = obj;
    if (++s->nfree == 1)
        list_push(s);
    if (s->nfree == class_objects(s->cls)) {
        list_remove(s);
        s->magic = 0;
        stats.pages--;
        kmalloc_pages_free(s, 0);
    }
}

static void *large_alloc(size_t size)
{
    unsigned order = 0;
    if (size > ((uint64_t)PAGE << 10) - LARGE_HDR) /* PMM_MAX_ORDER blocks are the largest */
        return NULL;
    while (((uint64_t)PAGE << order) < size + LARGE_HDR)
        order++;
    struct large *l = kmalloc_pages_alloc(order);
    if (!l)
        return NULL;
    l->magic = LARGE_MAGIC;
    l->order = order;
    l->size = size;
    stats.pages += 1ull << order;
    return (uint8_t *)l + LARGE_HDR;
}

void *kmalloc(size_t size)
{
    if (size == 0)
        size = 1;
    void *p = size <= KMALLOC_MAX_SMALL ? small_alloc(size) : large_alloc(size);
    if (!p) {
        stats.failed++;
        return NULL;
    }
    stats.live_objects++;
    return p;
}

void *kzalloc(size_t size)
{
    void *p = kmalloc(size);
    if (p)
        memset(p, 0, size ? size : 1);
    return p;
}

void kfree(void *p)
{
    if (!p)
        return;
    uint8_t *obj = p;
    void *page = (void *)((uintptr_t)p & ~(uintptr_t)(PAGE - 1));
    if ((uintptr_t)p & 15)
        panic("kfree(%p): misaligned pointer", p);
    const uint32_t magic = *(const uint32_t *)page;
    if (magic == SLAB_MAGIC && obj >= (uint8_t *)page + SLAB_HDR) {
        small_free(page, obj);
    } else if (magic == LARGE_MAGIC && obj == (uint8_t *)page + LARGE_HDR) {
        struct large *l = page;
        l->magic = 0;
        stats.pages -= 1ull << l->order;
        kmalloc_pages_free(l, l->order);
    } else {
        panic("kfree(%p): not a kmalloc object", p);
    }
    stats.live_objects--;
}

void kmalloc_get_stats(struct kmalloc_stats *out)
{
    *out = stats;
}
