/*
 * The RAM file system's tree and file data (see ramfs.h). Every operation checks everything
 * and allocates what it needs before it changes anything, so an error leaves the tree as it
 * was; the one exception is a write that runs out of memory part-way, which keeps what it
 * wrote and says how much (as a short write does elsewhere).
 */
#include <wren/abi.h>

#include "fs/ramfs.h"
#include "lib/string.h"
#include "mm/kmalloc.h"

struct ramfs_node {
    enum ramfs_type type;
    uint32_t mode;
    uint32_t refs; /* one for the tree while the node is in it, one per outside holder */
    uint64_t id;
    uint64_t mtime;
    struct ramfs_node *parent; /* NULL for the root and for nodes taken out of the tree */
    char *name;                /* kmalloc'd, name_len bytes, no NUL; NULL for the root */
    size_t name_len;
    union {
        struct {
            struct ramfs_node **child; /* creation order */
            size_t n, cap;
        } dir;
        struct {
            uint64_t size;
            const uint8_t *borrowed; /* initrd bytes standing in for the chunks until a change */
            uint8_t **chunk;         /* chunk[i] holds bytes [i * RAMFS_CHUNK, ...); NULL reads as zeros */
            size_t nchunks;          /* slots in chunk[]; everything beyond is a hole too */
        } file;
    };
};

struct ramfs {
    struct ramfs_node *root;
    uint64_t (*now_ns)(void);
    uint64_t next_id;
    uint64_t live;
};

static uint64_t now(struct ramfs *fs)
{
    return fs->now_ns ? fs->now_ns() : 0;
}

static struct ramfs_node *node_new(struct ramfs *fs, enum ramfs_type type, uint32_t mode, const char *name,
                                   size_t name_len)
{
    struct ramfs_node *n = kzalloc(sizeof(*n));
    if (!n)
        return 0;
    if (name_len) {
        n->name = kmalloc(name_len);
        if (!n->name) {
            kfree(n);
            return 0;
        }
        memcpy(n->name, name, name_len);
        n->name_len = name_len;
    }
    n->type = type;
    n->mode = mode & 07777;
    n->refs = 1;
    n->id = fs->next_id++;
    n->mtime = now(fs);
    fs->live++;
    return n;
}

static void file_free_chunks(struct ramfs_node *n, size_t from)
{
    for (size_t i = from; i < n->file.nchunks; i++) {
        kfree(n->file.chunk[i]);
        n->file.chunk[i] = 0;
    }
}

static void node_free(struct ramfs *fs, struct ramfs_node *n)
{
    if (n->type == RAMFS_FILE) {
        file_free_chunks(n, 0);
        kfree(n->file.chunk);
    } else {
        kfree(n->dir.child); /* empty: only empty directories leave the tree */
    }
    kfree(n->name);
    kfree(n);
    fs->live--;
}

struct ramfs *ramfs_new(uint64_t (*now_ns)(void))
{
    struct ramfs *fs = kzalloc(sizeof(*fs));
    if (!fs)
        return 0;
    fs->now_ns = now_ns;
    fs->next_id = 1;
    fs->root = node_new(fs, RAMFS_DIR, 0755, 0, 0);
    if (!fs->root) {
        kfree(fs);
        return 0;
    }
    return fs;
}

void ramfs_destroy(struct ramfs *fs)
{
    /* Depth-first without recursion: paths may be 2048 levels deep. */
    struct ramfs_node *n = fs->root;
    while (n) {
        if (n->type == RAMFS_DIR && n->dir.n) {
            n = n->dir.child[n->dir.n - 1];
            continue;
        }
        struct ramfs_node *p = n->parent;
        if (p)
            p->dir.n--;
        node_free(fs, n);
        n = p;
    }
    kfree(fs);
}

void ramfs_get(struct ramfs_node *n)
{
    n->refs++;
}

void ramfs_put(struct ramfs *fs, struct ramfs_node *n)
{
    if (n && --n->refs == 0)
        node_free(fs, n);
}

uint64_t ramfs_live_nodes(const struct ramfs *fs)
{
    return fs->live;
}

/* --- directories --- */

static struct ramfs_node *dir_find(const struct ramfs_node *d, const char *name, size_t len)
{
    for (size_t i = 0; i < d->dir.n; i++) {
        struct ramfs_node *c = d->dir.child[i];
        if (c->name_len == len && memcmp(c->name, name, len) == 0)
            return c;
    }
    return 0;
}

/* Room for one more entry in d: 0 or -E_NOMEM. */
static int dir_reserve(struct ramfs_node *d)
{
    if (d->dir.n < d->dir.cap)
        return 0;
    size_t cap = d->dir.cap ? d->dir.cap * 2 : 8;
    struct ramfs_node **c = kmalloc(cap * sizeof(*c));
    if (!c)
        return -E_NOMEM;
    if (d->dir.n)
        memcpy(c, d->dir.child, d->dir.n * sizeof(*c));
    kfree(d->dir.child);
    d->dir.child = c;
    d->dir.cap = cap;
    return 0;
}

/* Link c into d (room reserved); the tree's reference is the one c was created with. */
static void dir_add(struct ramfs *fs, struct ramfs_node *d, struct ramfs_node *c)
{
    d->dir.child[d->dir.n++] = c;
    c->parent = d;
    d->mtime = now(fs);
}

/* Take c out of its directory, keeping the order of the others; the tree's reference stays with c. */
static void dir_remove(struct ramfs *fs, struct ramfs_node *c)
{
    struct ramfs_node *d = c->parent;
    size_t i = 0;
    while (d->dir.child[i] != c)
        i++;
    memmove(&d->dir.child[i], &d->dir.child[i + 1], (d->dir.n - i - 1) * sizeof(c));
    d->dir.n--;
    c->parent = 0;
    d->mtime = now(fs);
}

/* Take c out of the tree and drop the tree's reference. */
static void detach(struct ramfs *fs, struct ramfs_node *c)
{
    dir_remove(fs, c);
    ramfs_put(fs, c);
}

/* --- paths --- */

struct walk {
    struct ramfs_node *node;   /* what the path names, NULL if its last component is absent */
    struct ramfs_node *parent; /* the directory holding the last component (when name is set) */
    const char *name;          /* the last component; NULL when the path ends at "/", "." or ".." */
    size_t name_len;
    bool dir_only; /* a trailing "/" (or "." / ".."): only a directory will do */
};

static bool is_dots(const char *s, size_t n)
{
    return (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.');
}

/* Resolve path as far as it goes: every component but the last must exist and be a directory. */
static int walk_path(struct ramfs *fs, const char *path, size_t len, struct walk *w)
{
    struct ramfs_node *cur = fs->root;
    size_t i = 0;

    if (len > RAMFS_PATH_MAX)
        return -E_NAMETOOLONG;
    if (len == 0)
        return -E_NOENT;
    if (path[0] != '/' || strnlen(path, len) != len)
        return -E_INVAL; /* relative paths mean nothing without a working directory; NUL is no name */
    w->parent = 0;
    w->name = 0;
    w->name_len = 0;
    w->dir_only = path[len - 1] == '/';
    while (i < len) {
        while (i < len && path[i] == '/')
            i++;
        if (i == len)
            break;
        size_t j = i;
        while (j < len && path[j] != '/')
            j++;
        const char *comp = path + i;
        size_t clen = j - i;
        i = j;
        if (clen > RAMFS_NAME_MAX)
            return -E_NAMETOOLONG;
        if (!cur)
            return -E_NOENT; /* an earlier component is absent */
        if (cur->type != RAMFS_DIR)
            return -E_NOTDIR;
        if (is_dots(comp, clen)) {
            if (clen == 2 && cur->parent)
                cur = cur->parent;
            w->name = 0;
            w->dir_only = true;
            continue;
        }
        w->parent = cur;
        w->name = comp;
        w->name_len = clen;
        w->dir_only = path[len - 1] == '/'; /* matters only if this is the last component */
        cur = dir_find(cur, comp, clen);
    }
    w->node = cur;
    if (cur && cur->type != RAMFS_DIR && w->dir_only)
        return -E_NOTDIR;
    return 0;
}

int ramfs_lookup(struct ramfs *fs, const char *path, size_t len, struct ramfs_node **out)
{
    struct walk w;
    int err = walk_path(fs, path, len, &w);
    if (err)
        return err;
    if (!w.node)
        return -E_NOENT;
    *out = w.node;
    return 0;
}

/* Create a node at w (whose last component is absent). */
static int make_node(struct ramfs *fs, struct walk *w, enum ramfs_type type, uint32_t mode, struct ramfs_node **out)
{
    int err = dir_reserve(w->parent);
    if (err)
        return err;
    struct ramfs_node *n = node_new(fs, type, mode, w->name, w->name_len);
    if (!n)
        return -E_NOMEM;
    dir_add(fs, w->parent, n);
    if (out)
        *out = n;
    return 0;
}

int ramfs_create(struct ramfs *fs, const char *path, size_t len, uint32_t mode, bool excl, struct ramfs_node **out)
{
    struct walk w;
    int err = walk_path(fs, path, len, &w);
    if (err)
        return err;
    if (w.node) {
        if (excl)
            return -E_EXIST;
        if (w.node->type == RAMFS_DIR)
            return -E_ISDIR;
        *out = w.node;
        return 0;
    }
    if (w.dir_only)
        return -E_ISDIR; /* "newfile/": only a directory could be named so */
    return make_node(fs, &w, RAMFS_FILE, mode, out);
}

int ramfs_create_borrowed(struct ramfs *fs, const char *path, size_t len, uint32_t mode, const void *data, size_t size)
{
    struct ramfs_node *n;
    if (size > RAMFS_FILE_MAX)
        return -E_NOSPC;
    int err = ramfs_create(fs, path, len, mode, true, &n);
    if (err)
        return err;
    n->file.borrowed = data;
    n->file.size = size;
    return 0;
}

int ramfs_mkdir(struct ramfs *fs, const char *path, size_t len, uint32_t mode)
{
    struct walk w;
    int err = walk_path(fs, path, len, &w);
    if (err)
        return err;
    if (w.node)
        return -E_EXIST;
    return make_node(fs, &w, RAMFS_DIR, mode, 0);
}

int ramfs_rmdir(struct ramfs *fs, const char *path, size_t len)
{
    struct walk w;
    int err = walk_path(fs, path, len, &w);
    if (err)
        return err;
    if (!w.node)
        return -E_NOENT;
    if (w.node->type != RAMFS_DIR)
        return -E_NOTDIR;
    if (w.node == fs->root)
        return -E_BUSY;
    if (!w.name)
        return -E_INVAL; /* "dir/." or "dir/..": say which directory by its name */
    if (w.node->dir.n)
        return -E_NOTEMPTY;
    detach(fs, w.node);
    return 0;
}

int ramfs_unlink(struct ramfs *fs, const char *path, size_t len)
{
    struct walk w;
    int err = walk_path(fs, path, len, &w);
    if (err)
        return err;
    if (!w.node)
        return -E_NOENT;
    if (w.node->type == RAMFS_DIR)
        return -E_ISDIR;
    detach(fs, w.node);
    return 0;
}

/* Is a within the subtree rooted at d (d itself included)? */
static bool inside(const struct ramfs_node *a, const struct ramfs_node *d)
{
    for (; a; a = a->parent)
        if (a == d)
            return true;
    return false;
}

int ramfs_rename(struct ramfs *fs, const char *old, size_t old_len, const char *new, size_t new_len)
{
    struct walk o, t;
    int err = walk_path(fs, old, old_len, &o);
    if (!err)
        err = walk_path(fs, new, new_len, &t);
    if (err)
        return err;
    if (!o.node)
        return -E_NOENT;
    if (o.node == fs->root || t.node == fs->root)
        return -E_BUSY;
    if (!o.name || !t.name)
        return -E_INVAL;
    struct ramfs_node *n = o.node;
    if (n == t.node)
        return 0;
    if (n->type == RAMFS_DIR && inside(t.parent, n))
        return -E_INVAL; /* into itself or below */
    if (n->type != RAMFS_DIR && t.dir_only)
        return -E_NOTDIR;
    if (t.node) {
        if (n->type != RAMFS_DIR && t.node->type == RAMFS_DIR)
            return -E_ISDIR;
        if (n->type == RAMFS_DIR && t.node->type != RAMFS_DIR)
            return -E_NOTDIR;
        if (t.node->type == RAMFS_DIR && t.node->dir.n)
            return -E_NOTEMPTY;
    }
    /* Everything that can fail first: the new name and room in the target directory. */
    char *name = kmalloc(t.name_len);
    if (!name)
        return -E_NOMEM;
    err = t.node ? 0 : dir_reserve(t.parent);
    if (err) {
        kfree(name);
        return err;
    }
    memcpy(name, t.name, t.name_len);
    if (t.node)
        detach(fs, t.node);
    dir_remove(fs, n);
    kfree(n->name);
    n->name = name;
    n->name_len = t.name_len;
    dir_add(fs, t.parent, n);
    return 0;
}

int ramfs_readdir(const struct ramfs_node *dir, size_t index, const char **name, size_t *name_len,
                  struct ramfs_node **child)
{
    if (dir->type != RAMFS_DIR)
        return -E_NOTDIR;
    if (index >= dir->dir.n)
        return -E_NOENT;
    struct ramfs_node *c = dir->dir.child[index];
    *name = c->name;
    *name_len = c->name_len;
    *child = c;
    return 0;
}

enum ramfs_type ramfs_type(const struct ramfs_node *n)
{
    return n->type;
}

void ramfs_stat(const struct ramfs_node *n, struct ramfs_stat *st)
{
    st->type = n->type;
    st->mode = n->mode;
    st->size = n->type == RAMFS_DIR ? n->dir.n : n->file.size;
    st->id = n->id;
    st->mtime_ns = n->mtime;
}

/* --- file data --- */

/* Slots in chunk[] for chunks [0, count): 0 or -E_NOMEM. */
static int file_slots(struct ramfs_node *n, size_t count)
{
    if (count <= n->file.nchunks)
        return 0;
    size_t cap = n->file.nchunks * 2 > count ? n->file.nchunks * 2 : count;
    uint8_t **c = kzalloc(cap * sizeof(*c));
    if (!c)
        return -E_NOMEM;
    if (n->file.nchunks)
        memcpy(c, n->file.chunk, n->file.nchunks * sizeof(*c));
    kfree(n->file.chunk);
    n->file.chunk = c;
    n->file.nchunks = cap;
    return 0;
}

/* Copy bytes [off, off + count) of the file's own chunks (no borrowed data) to buf. */
static void chunks_read(const struct ramfs_node *n, uint64_t off, uint8_t *buf, size_t count)
{
    while (count) {
        size_t i = (size_t)(off / RAMFS_CHUNK);
        size_t at = (size_t)(off % RAMFS_CHUNK);
        size_t step = RAMFS_CHUNK - at < count ? RAMFS_CHUNK - at : count;
        if (i < n->file.nchunks && n->file.chunk[i])
            memcpy(buf, n->file.chunk[i] + at, step);
        else
            memset(buf, 0, step);
        buf += step;
        off += step;
        count -= step;
    }
}

/*
 * Write into the chunks, allocating (zeroed) the ones missing; slots are already there.
 * Returns the bytes written, fewer than count only when memory ran out.
 */
static size_t chunks_write(struct ramfs_node *n, uint64_t off, const uint8_t *buf, size_t count)
{
    size_t done = 0;
    while (done < count) {
        size_t i = (size_t)(off / RAMFS_CHUNK);
        size_t at = (size_t)(off % RAMFS_CHUNK);
        size_t step = RAMFS_CHUNK - at < count - done ? RAMFS_CHUNK - at : count - done;
        if (!n->file.chunk[i]) {
            n->file.chunk[i] = kzalloc(RAMFS_CHUNK);
            if (!n->file.chunk[i])
                break;
        }
        memcpy(n->file.chunk[i] + at, buf + done, step);
        off += step;
        done += step;
    }
    return done;
}

static size_t chunks_for(uint64_t size)
{
    return (size_t)((size + RAMFS_CHUNK - 1) / RAMFS_CHUNK);
}

/* Give a borrowed file chunks of its own holding the same bytes: 0 or -E_NOMEM (file unchanged). */
static int unborrow(struct ramfs_node *n)
{
    if (!n->file.borrowed)
        return 0;
    size_t size = (size_t)n->file.size;
    int err = file_slots(n, chunks_for(size));
    if (!err && chunks_write(n, 0, n->file.borrowed, size) != size) {
        file_free_chunks(n, 0);
        err = -E_NOMEM;
    }
    if (!err)
        n->file.borrowed = 0;
    return err;
}

long ramfs_read(struct ramfs_node *n, uint64_t off, void *buf, size_t count)
{
    if (n->type != RAMFS_FILE)
        return -E_ISDIR;
    if (off >= n->file.size)
        return 0;
    if (count > n->file.size - off)
        count = (size_t)(n->file.size - off);
    if (n->file.borrowed)
        memcpy(buf, n->file.borrowed + off, count);
    else
        chunks_read(n, off, buf, count);
    return (long)count;
}

long ramfs_write(struct ramfs *fs, struct ramfs_node *n, uint64_t off, const void *buf, size_t count)
{
    if (n->type != RAMFS_FILE)
        return -E_ISDIR;
    if (off > RAMFS_FILE_MAX || count > RAMFS_FILE_MAX - off)
        return -E_NOSPC;
    if (count == 0)
        return 0;
    int err = unborrow(n);
    if (!err)
        err = file_slots(n, chunks_for(off + count));
    if (err)
        return err;
    size_t done = chunks_write(n, off, buf, count);
    if (done == 0)
        return -E_NOMEM;
    if (off + done > n->file.size)
        n->file.size = off + done;
    n->mtime = now(fs);
    return (long)done;
}

int ramfs_truncate(struct ramfs *fs, struct ramfs_node *n, uint64_t size)
{
    if (n->type != RAMFS_FILE)
        return -E_ISDIR;
    if (size > RAMFS_FILE_MAX)
        return -E_NOSPC;
    /* Shrinking borrowed bytes needs no copy; growing them does (the initrd is not ours to zero). */
    if (size > n->file.size) {
        int err = unborrow(n);
        if (err)
            return err;
    }
    if (size < n->file.size && !n->file.borrowed) {
        /* Bytes past the end are kept zero, so that growing again reads zeros. */
        size_t keep = chunks_for(size);
        file_free_chunks(n, keep);
        size_t at = (size_t)(size % RAMFS_CHUNK);
        if (at && keep - 1 < n->file.nchunks && n->file.chunk[keep - 1])
            memset(n->file.chunk[keep - 1] + at, 0, RAMFS_CHUNK - at);
    }
    n->file.size = size;
    n->mtime = now(fs);
    return 0;
}

int ramfs_contents(struct ramfs_node *n, const void **data, size_t *size, void **copy)
{
    if (n->type != RAMFS_FILE)
        return -E_ISDIR;
    *size = (size_t)n->file.size;
    *copy = 0;
    if (n->file.borrowed) {
        *data = n->file.borrowed;
        return 0;
    }
    if (n->file.size <= RAMFS_CHUNK && n->file.nchunks && n->file.chunk[0]) {
        *data = n->file.chunk[0];
        return 0;
    }
    *copy = kmalloc(*size ? *size : 1);
    if (!*copy)
        return -E_NOMEM;
    chunks_read(n, 0, *copy, *size);
    *data = *copy;
    return 0;
}
