/*
 * Intrusive circular doubly linked lists: a `struct list` head (a sentinel) and a `struct
 * list` link inside each element. A link that is on no list points at itself, so removing an
 * element twice, or one that was never added, is harmless.
 */
#ifndef WREN_LIB_LIST_H
#define WREN_LIB_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list {
    struct list *next, *prev;
};

#define LIST_INIT(name)                                                                                                \
    {                                                                                                                  \
        &(name), &(name)                                                                                               \
    }

/* The element that contains link `l` as its `member`. */
#define list_entry(l, type, member) ((type *)((char *)(l)-offsetof(type, member)))

static inline void list_init(struct list *l)
{
    l->next = l->prev = l;
}

static inline bool list_empty(const struct list *head)
{
    return head->next == head;
}

/* Is link n on a list? */
static inline bool list_linked(const struct list *n)
{
    return n->next != n;
}

static inline void list_add_tail(struct list *head, struct list *n)
{
    n->prev = head->prev;
    n->next = head;
    head->prev->next = n;
    head->prev = n;
}

static inline void list_del(struct list *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    list_init(n);
}

#endif
