/*
 * The `memory` scheme: shared-memory objects (objects/shm.c) as files, as POSIX shm_open gives them.
 *
 *   open("/scheme/memory/", WREN_OPEN_WRITE [| READ])   a new anonymous object of size 0, which only descriptors
 *                                                       (and mappings) name: it goes with the last of them.
 *   open("/scheme/memory/<name>", CREATE [| EXCL] ...)  a named object: made if the name is free (EXCL: E_EXIST if
 *                                                       it is not), else the one already there; without CREATE,
 *                                                       E_NOENT if there is none. TRUNCATE sets its size to 0.
 *
 * The size is set with ftruncate (or truncate of the name): whole pages, zero-filled; mmap of the descriptor with
 * WREN_MAP_SHARED maps them (a descriptor from here carries WREN_RIGHT_MAP; mapping for writing needs it open for
 * writing). Every descriptor and mapping of one object, in any process, sees the same pages. unlink removes the name
 * (the object lives on while a descriptor or mapping names it); rename moves it, replacing what the new name held;
 * readdir of the root lists the names, stat describes them (size in bytes).
 *
 * Charged like shm_create's objects: the object, its page table and every page it allocates to the process that
 * made it; a name's entry to the process that made the name, until it is unlinked.
 */
#include <wren/abi.h>

#include "lib/list.h"
#include "lib/string.h"
#include "mm/account.h"
#include "mm/kmalloc.h"
#include "objects/shm.h"
#include "scheme/flat_dir.h"
#include "scheme/kernel_schemes.h"
#include "scheme/scheme.h"
#include "user.h"

#define MEMORY_NAMES_MAX 256 /* names at once, for everyone: a bound on the list every lookup walks */

struct memory_name {
    struct flat_entry e;      /* first: its name in the scheme's directory */
    struct kobject *obj;      /* a reference: the name keeps the object */
    struct mem_account *acct; /* charged for this entry (a reference) */
};

static void name_free(struct flat_entry *e);
static struct flat_dir names = FLAT_DIR_INIT(names, MEMORY_NAMES_MAX, name_free);

static struct memory_name *name_at(const char *path, size_t len)
{
    return (struct memory_name *)flat_at(&names, path, len);
}

/* The name goes, and its reference to the object with it. */
static void name_free(struct flat_entry *e)
{
    struct memory_name *m = (struct memory_name *)e;
    flat_del(&names, e);
    struct kobject *o = m->obj;
    account_uncharge(m->acct, kmalloc_size(sizeof(*m)));
    account_put(m->acct);
    kfree(m);
    kobj_put(o); /* the object goes too unless a descriptor or mapping still names it */
}

/* A new object of size 0, typed as a regular file for fstat. */
static long new_object(struct kobject **out)
{
    long err = shm_create_empty(out);
    if (err)
        return err;
    (*out)->file_type = WREN_FILE_TYPE_REGULAR;
    return 0;
}

static long name_create(const char *name, size_t len, struct memory_name **out)
{
    long err = flat_reserve(&names);
    if (err)
        return err;
    struct mem_account *acct = user_account();
    uint64_t cost = kmalloc_size(sizeof(struct memory_name));
    if (account_charge(acct, cost) != 0)
        return -E_NOMEM;
    struct memory_name *m = kzalloc(sizeof(*m));
    if (!m || new_object(&m->obj) != 0) {
        kfree(m);
        account_uncharge(acct, cost);
        return -E_NOMEM;
    }
    m->acct = account_get(acct);
    flat_add(&names, &m->e, name, len);
    *out = m;
    return 0;
}

static long memory_open(struct scheme *s, const char *path, size_t len, uint32_t flags, struct kobject **out)
{
    (void)s;
    if (flat_is_root(path, len)) {
        if (!(flags & WREN_OPEN_WRITE))
            return -E_ISDIR; /* the directory of names: a new object is asked for with write access */
        long err = new_object(out);
        if (!err)
            (*out)->open_flags = flags;
        return err;
    }
    const char *name;
    size_t name_len;
    long err = flat_name_of(path, len, &name, &name_len);
    if (err)
        return err;
    struct memory_name *m = name_at(path, len);
    if (m && (flags & WREN_OPEN_CREATE) && (flags & WREN_OPEN_EXCL))
        return -E_EXIST;
    if (!m) {
        if (!(flags & WREN_OPEN_CREATE))
            return -E_NOENT;
        err = name_create(name, name_len, &m);
        if (err)
            return err;
    }
    if ((flags & WREN_OPEN_TRUNCATE) && (flags & WREN_OPEN_WRITE)) {
        err = shm_resize(m->obj, 0);
        if (err)
            return err; /* -E_BUSY: still mapped */
    }
    *out = kobj_get(m->obj); /* one object for every opener: its open_flags say nothing of any one descriptor */
    return 0;
}

static long memory_stat(struct scheme *s, const char *path, size_t len, struct wren_stat *st)
{
    (void)s;
    st->block_size = 4096;
    if (flat_is_root(path, len)) {
        st->type = WREN_FILE_TYPE_DIRECTORY;
        st->size = names.count;
        return 0;
    }
    struct memory_name *m = name_at(path, len);
    if (!m)
        return -E_NOENT;
    st->type = WREN_FILE_TYPE_REGULAR;
    st->size = shm_size(m->obj);
    st->id = m->e.id;
    return 0;
}

static long memory_readdir(struct scheme *s, const char *path, size_t len, uint64_t index, struct wren_dirent *d)
{
    (void)s;
    long err = flat_readdir_check(&names, path, len);
    if (err)
        return err;
    struct memory_name *m = (struct memory_name *)flat_nth(&names, index);
    if (!m)
        return -E_NOENT;
    d->type = WREN_FILE_TYPE_REGULAR;
    d->size = shm_size(m->obj);
    d->id = m->e.id;
    d->name_len = m->e.name_len;
    memcpy(d->name, m->e.name, m->e.name_len + 1);
    return 0;
}

static long memory_unlink(struct scheme *s, const char *path, size_t len)
{
    (void)s;
    return flat_unlink(&names, path, len);
}

static long memory_truncate(struct scheme *s, const char *path, size_t len, uint64_t size)
{
    (void)s;
    if (flat_is_root(path, len))
        return -E_ISDIR;
    struct memory_name *m = name_at(path, len);
    return m ? shm_resize(m->obj, size) : -E_NOENT;
}

static long memory_rename(struct scheme *s, const char *old, size_t old_len, const char *new, size_t new_len)
{
    (void)s;
    return flat_rename(&names, old, old_len, new, new_len);
}

static const struct scheme_ops memory_scheme_ops = {
    .open = memory_open,
    .stat = memory_stat,
    .readdir = memory_readdir,
    .unlink = memory_unlink,
    .rename = memory_rename,
    .truncate = memory_truncate,
};

static struct scheme memory_scheme = {
    .ops = &memory_scheme_ops,
    .name = "memory",
    .name_len = 6,
    .open_rights = WREN_RIGHT_MAP,
};

void memory_scheme_init(void)
{
    kernel_scheme_register(&memory_scheme);
}
