/*
 * The per-process handle table. File descriptors and handles are the same thing: a small
 * index into this table, naming one object with a rights mask (WREN_RIGHT_*). A process can
 * only ever name entries of its own table, so a handle cannot be forged: a number that is
 * not an open entry gets E_BADF (descriptor calls) or E_BADHANDLE (handle calls).
 *
 * New entries take the lowest free index, as POSIX requires of open and dup.
 */
#ifndef WREN_OBJ_HANDLE_H
#define WREN_OBJ_HANDLE_H

#include <stdbool.h>
#include <stdint.h>

#include "obj/object.h"

#define HANDLE_MAX 256 /* entries per process: room for an event loop over a few hundred descriptors */

#define HANDLE_CLOEXEC 1u /* closed by exec */

struct handle {
    struct kobject *obj; /* NULL: free */
    uint32_t rights;
    uint32_t flags; /* HANDLE_* */
};

struct handle_table {
    /* Entries at and above `top` are free: the loops over a table stop there, not at HANDLE_MAX. */
    uint32_t top;
    struct handle h[HANDLE_MAX];
};

/*
 * Put `o` in the lowest free entry at or above `min`, taking over the caller's reference.
 * The index, or -E_MFILE (the caller still owns its reference).
 */
long handle_install(struct handle_table *t, struct kobject *o, uint32_t rights, int min);

/* Put `o` in entry i (0 <= i < HANDLE_MAX), which must be free, taking over the caller's reference. */
void handle_install_at(struct handle_table *t, int i, struct kobject *o, uint32_t rights);

/* The entry itself (NULL if h is not open), for calls that read or change rights and flags. */
static inline struct handle *handle_entry(struct handle_table *t, long h)
{
    if (h < 0 || h >= HANDLE_MAX || !t->h[h].obj)
        return 0;
    return &t->h[h];
}

/*
 * Look up entry `h`: it must be open (else `bad`, which is -E_BADF or -E_BADHANDLE), hold an
 * object of `type` unless type is 0 (else -E_WRONGTYPE), and carry every right in `rights`
 * (else -E_ACCES). On success *out is the object with a new reference the caller must drop.
 * Inline: every syscall on a handle starts here.
 */
static inline long handle_get(struct handle_table *t, long h, uint16_t type, uint32_t rights, long bad,
                              struct kobject **out)
{
    struct handle *e = handle_entry(t, h);
    if (!e)
        return bad;
    if (type && e->obj->type != type)
        return -E_WRONGTYPE;
    if ((e->rights & rights) != rights)
        return -E_ACCES;
    *out = kobj_get(e->obj);
    return 0;
}

/* Close entry h: 0 or `bad`. */
long handle_close(struct handle_table *t, long h, long bad);
/* Close the open entry `e` of t (one the dispatcher checked for a `pass: entry` argument). */
void handle_close_entry(struct handle_table *t, struct handle *e);
/* The number of the open entry `e` of t. */
static inline long handle_number(const struct handle_table *t, const struct handle *e)
{
    return e - t->h;
}
/* Close every entry (process exit), or only those marked HANDLE_CLOEXEC (exec). */
void handle_close_all(struct handle_table *t);
void handle_close_on_exec(struct handle_table *t);
/* Copy entries [0, n) of `from` into the empty table `to`, sharing the objects (fork: all; spawn: 0-2). */
void handle_inherit(struct handle_table *to, const struct handle_table *from, int n);
/* Number of open entries. */
int handle_count(const struct handle_table *t);

#endif
