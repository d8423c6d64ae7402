/*
 * Kernel objects: what a handle names. Every object a process can reach (channel end, port,
 * event queue, shared memory, process, open file, pipe end, the console) starts with a
 * `struct kobject`, which carries a reference count and the operations its type supports.
 *
 * References: each handle-table entry holds one, and so does any kernel code that keeps a
 * pointer across a point where the object could otherwise go (a blocking wait). When the last
 * reference goes, ops->destroy frees the object; that is also where a pipe end tells its peer
 * it has gone. An operation a type does not support is simply NULL and the syscall layer
 * answers E_NOTSUP (or E_WRONGTYPE for handle-only calls).
 *
 * Destruction never recurses. A destroy may drop references of its own (a channel end the
 * handles still queued to it, a port its subscriptions), and a user can chain objects that way
 * as long as memory lasts; so a release that happens while another is running is only queued,
 * and the outermost kobj_release destroys the queue in a loop, in the order the references
 * went (object.c). Between its last reference and its destroy an object is dead but intact:
 * its watchers are gone and nobody waits on it (a waiter holds a reference), but its fields are
 * valid, so code holding a pointer that counts no reference (a channel's peer, a pipe's other
 * end) may still look at it, as before.
 *
 * An object that reads and writes like a file (file, directory, console, pipe, channel used as
 * an fd) fills in the I/O operations; position, if it has one, is the object's own business.
 * dup'd descriptors share the object, hence its position, as POSIX wants.
 */
#ifndef WREN_OBJ_OBJECT_H
#define WREN_OBJ_OBJECT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/list.h"
#include "panic.h"
#include "syscall_table.h"
#include "user_ptr.h"

struct kobject;

struct kobject_ops {
    void (*destroy)(struct kobject *o);
    /* Byte I/O. Return bytes moved (0 = end of file) or a negative E_*. May block. */
    long (*read)(struct kobject *o, user_out_ptr buf, size_t count);
    long (*write)(struct kobject *o, user_in_ptr buf, size_t count);
    long (*lseek)(struct kobject *o, int64_t offset, uint32_t whence);
    /* Fill in what the object knows; type, open_flags and block_size are preset by the caller. */
    long (*fstat)(struct kobject *o, struct wren_stat *st);
    long (*ioctl)(struct kobject *o, uint32_t cmd, uint64_t arg);
    /* Set the size (ftruncate; the caller has checked the descriptor's write right): 0 or E_*. */
    long (*truncate)(struct kobject *o, uint64_t size);
    /* Write back what the object's provider holds (fsync): 0 or E_*. NULL: nothing to write back (see sys_fsync). */
    long (*sync)(struct kobject *o);
    /*
     * Readiness now, as WREN_EVENT_READY_* bits (readable, writable, hung up), for event
     * queues. An object that has it calls kobj_notify whenever one of those bits may have
     * turned on. NULL: the object cannot be watched.
     */
    uint32_t (*poll)(struct kobject *o);
    /*
     * Memory mapping (mmap with the object as fd; mm/vm.c calls it when a page of the mapping is first touched). The
     * page for byte `offset` (page aligned) of the object, with one page reference (pmm) for the caller to map: a
     * shared-memory object hands out its own page, a file a new page holding a copy of its bytes there. 0 and *pa,
     * or -E_NOMEM.
     */
    int (*map_page)(struct kobject *o, uint64_t offset, uint64_t *pa);
};

struct kobject {
    const struct kobject_ops *ops;
    uint32_t refs;
    uint16_t type;                /* WREN_OBJECT_* (interface/rights.yaml) */
    uint16_t file_type;           /* WREN_FILE_TYPE_* reported by fstat */
    uint32_t open_flags;          /* WREN_OPEN_* for objects used as descriptors; 0 otherwise */
    uint32_t charged;             /* bytes of kernel memory charged to acct for it (kobj_charge) */
    struct mem_account *acct;     /* its creator's account (mm/account.h), or NULL: charged to nobody */
    struct list watchers;         /* event subscriptions watching it (objects/event_queue.h); they hold no reference */
    struct kobject *release_next; /* on the queue of objects waiting for their destroy (object.c) */
};

/* Set up a new object with one reference (the creator's). */
void kobj_init(struct kobject *o, const struct kobject_ops *ops, uint16_t type, uint16_t file_type);
/*
 * Kernel memory for a new object is charged to the process creating it (the current one), before it is allocated:
 * kobj_charge_begin (0, or -E_NOMEM over its limit), then either kobj_charge_end once the object is built (it then
 * holds the charge and a reference to the account, both dropped when it is destroyed) or kobj_charge_cancel.
 */
int kobj_charge_begin(uint64_t bytes);
void kobj_charge_end(struct kobject *o, uint64_t bytes);
void kobj_charge_cancel(uint64_t bytes);
/* The account new objects are charged to: the current process's (user_account, user.h). */
struct mem_account *kobj_creator_account(void);

/* Let address spaces reach the objects their regions name (vm_set_backing): once, at start-up. */
void kobj_register_backing(void);

/* The last reference went: destroy the object, now or, inside another destroy, right after it (kobj_put's slow path).
 */
void kobj_release(struct kobject *o);

/* Inline: every syscall on a handle takes and drops one reference. */
static inline struct kobject *kobj_get(struct kobject *o)
{
    KASSERT(o->refs > 0 && o->refs < UINT32_MAX);
    o->refs++;
    return o;
}

/* Drop a reference; the last one destroys the object. NULL is ignored. */
static inline void kobj_put(struct kobject *o)
{
    if (!o)
        return;
    KASSERT(o->refs > 0);
    if (--o->refs == 0)
        kobj_release(o);
}

/*
 * An object's watchers (the event subscriptions on `watchers`) belong to the event layer above this one
 * (objects/event_queue.c), which registers what to do with them at start-up; the object core calls it only when
 * an object has any, so objects nobody watches never pay for the indirect call.
 */
struct kobj_watcher_hooks {
    void (*notify)(struct kobject *o, uint32_t what); /* wake the queues watching o for any of `what` */
    void (*drop)(struct kobject *o);                  /* o is being released: end its subscriptions */
};
extern const struct kobj_watcher_hooks *kobj_watcher_hooks;
void kobj_set_watcher_hooks(const struct kobj_watcher_hooks *hooks);

/* Wake the event queues watching o for any of the WREN_EVENT_READY_* bits in `what`. */
static inline void kobj_notify(struct kobject *o, uint32_t what)
{
    if (!list_empty(&o->watchers)) /* the common case costs a load and a branch */
        kobj_watcher_hooks->notify(o, what);
}

/* Live objects of each type (index WREN_OBJECT_*; 0 counts objects of no handle type), for leak checks. */
#define KOBJ_TYPES 9
extern uint64_t kobj_live[KOBJ_TYPES];

#endif
