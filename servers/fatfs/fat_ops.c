/*
 * Operations by path: finding an entry, open nodes, and the changes to directories (create, unlink, mkdir, rmdir,
 * rename). Each change follows fat.h's ordering: what is freed is freed only after the entries that named it are
 * synced away.
 */
#include <stdlib.h>
#include <string.h>

#include "fat.h"

#define PARENT_WALK_MAX 65536 /* how far rename follows ".." looking for a loop; a deeper tree is E_IO */

/* Where a path leads: the directory holding its last component and, if it exists, that entry. */
struct where {
    int is_root, found;
    uint32_t parent;
    char name[FAT_NAME_BYTES + 1];
    struct fat_entry e;
};

static int entry_is_dir(const struct fat_entry *e)
{
    return (e->raw[11] & FAT_ATTR_DIRECTORY) != 0;
}

/* The first cluster of the directory `e` names (E_IO for a directory entry without a valid one). */
static long dir_cluster(struct fat_vol *v, const struct fat_entry *e, uint32_t *out)
{
    uint32_t c = fat_entry_cluster(v, e->raw);
    if (!fat_cluster_ok(v, c))
        return -E_IO;
    *out = c;
    return 0;
}

static long walk(struct fat_vol *v, const char *path, struct where *w)
{
    memset(w, 0, sizeof(*w));
    w->parent = fat_dir_of_root(v);
    w->is_root = 1;
    const char *p = path;
    for (;;) {
        while (*p == '/')
            p++;
        if (!*p)
            return 0;
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > FAT_NAME_BYTES)
            return -E_NAMETOOLONG;
        if (len == 1 && p[0] == '.') {
            p += len;
            continue;
        }
        if (len == 2 && p[0] == '.' && p[1] == '.')
            return -E_INVAL; /* the kernel hands servers resolved paths */
        if (!w->is_root) {   /* descend into the component before this one */
            if (!w->found)
                return -E_NOENT;
            if (!entry_is_dir(&w->e))
                return -E_NOTDIR;
            long r = dir_cluster(v, &w->e, &w->parent);
            if (r < 0)
                return r;
        }
        w->is_root = 0;
        memcpy(w->name, p, len);
        w->name[len] = 0;
        long r = fat_dir_lookup(v, w->parent, w->name, &w->e);
        if (r < 0 && r != -E_NOENT)
            return r;
        w->found = r == 0;
        p += len;
    }
}

static struct fat_node *find_node(struct fat_vol *v, uint32_t dir, uint32_t slot)
{
    for (struct fat_node *n = v->nodes; n; n = n->next)
        if (!n->unlinked && n->dir == dir && n->slot == slot)
            return n;
    return NULL;
}

static long node_of(struct fat_vol *v, const struct where *w, struct fat_node **out)
{
    if (w->is_root) {
        v->root.refs++;
        *out = &v->root;
        return 0;
    }
    struct fat_node *n = find_node(v, w->parent, w->e.slot);
    if (n) {
        n->refs++;
        *out = n;
        return 0;
    }
    n = calloc(1, sizeof(*n));
    if (!n)
        return -E_NOMEM;
    n->refs = 1;
    n->dir = w->parent;
    n->slot = w->e.slot;
    n->attr = w->e.raw[11];
    n->first = fat_entry_cluster(v, w->e.raw);
    n->size = n->attr & FAT_ATTR_DIRECTORY ? 0 : fat_le32(w->e.raw + 28);
    n->wtime = fat_le16(w->e.raw + 22);
    n->wdate = fat_le16(w->e.raw + 24);
    long r = fat_node_load_chain(v, n);
    if (r == 0 && (n->attr & FAT_ATTR_DIRECTORY) && n->first == 0)
        r = -E_IO;
    if (r < 0) {
        free(n);
        return r;
    }
    n->next = v->nodes;
    v->nodes = n;
    *out = n;
    return 0;
}

static void proto_entry(struct fat_vol *v, uint8_t raw[32], uint8_t attr, uint32_t cluster)
{
    memset(raw, 0, 32);
    raw[11] = attr;
    uint16_t date, time;
    fat_time_from_unix(v->now ? v->now() : -1, &date, &time);
    fat_put16(raw + 14, time); /* created */
    fat_put16(raw + 16, date);
    fat_put16(raw + 18, date); /* accessed */
    fat_put16(raw + 22, time); /* written */
    fat_put16(raw + 24, date);
    fat_entry_set_cluster(raw, cluster);
}

long fat_open(struct fat_vol *v, const char *path, uint32_t flags, struct fat_node **out)
{
    int writes = (flags & (WREN_OPEN_WRITE | WREN_OPEN_CREATE | WREN_OPEN_TRUNCATE | WREN_OPEN_APPEND)) != 0;
    struct where w;
    long r = walk(v, path, &w);
    if (r < 0)
        return r;
    if (w.is_root || (w.found && entry_is_dir(&w.e))) {
        if (flags & (WREN_OPEN_WRITE | WREN_OPEN_TRUNCATE | WREN_OPEN_APPEND))
            return v->read_only ? -E_ROFS : -E_ISDIR;
        if ((flags & WREN_OPEN_CREATE) && (flags & WREN_OPEN_EXCL))
            return -E_EXIST;
        return node_of(v, &w, out);
    }
    if (w.found && (flags & WREN_OPEN_CREATE) && (flags & WREN_OPEN_EXCL))
        return -E_EXIST;
    if (!w.found && !(flags & WREN_OPEN_CREATE))
        return -E_NOENT;
    if (writes && v->read_only)
        return -E_ROFS;
    if (!w.found) {
        uint8_t proto[32];
        proto_entry(v, proto, FAT_ATTR_ARCHIVE, 0);
        r = fat_dir_add(v, w.parent, w.name, proto, &w.e);
        if (r < 0)
            return r;
        w.found = 1;
    }
    struct fat_node *n;
    r = node_of(v, &w, &n);
    if (r < 0)
        return r;
    if ((flags & WREN_OPEN_TRUNCATE) && n->size) {
        r = fat_node_truncate(v, n, 0);
        if (r < 0) {
            fat_close(v, n);
            return r;
        }
    }
    *out = n;
    return 0;
}

static void unlist(struct fat_vol *v, struct fat_node *n)
{
    for (struct fat_node **link = &v->nodes; *link; link = &(*link)->next)
        if (*link == n) {
            *link = n->next;
            return;
        }
}

long fat_close(struct fat_vol *v, struct fat_node *n)
{
    if (--n->refs > 0 || n->is_root)
        return 0;
    long r = 0;
    if (n->unlinked && !v->read_only)
        r = fat_free_chain(v, n->first); /* its entry was synced away when it was unlinked */
    else
        r = fat_node_write_entry(v, n);
    unlist(v, n);
    free(n);
    return r;
}

void fat_free_nodes(struct fat_vol *v)
{
    while (v->nodes) {
        struct fat_node *n = v->nodes;
        v->nodes = n->next;
        free(n);
    }
}

long fat_fsync(struct fat_vol *v, struct fat_node *n)
{
    (void)n; /* a file's data and entry are written with everything else: the cache keeps no per-file lists */
    return fat_sync(v);
}

static uint64_t entry_id(uint32_t dir, uint32_t slot)
{
    return ((uint64_t)dir << 21 | slot) + 2;
}

void fat_node_stat(const struct fat_vol *v, const struct fat_node *n, struct wren_stat *st)
{
    memset(st, 0, sizeof(*st));
    int dir = n->is_root || (n->attr & FAT_ATTR_DIRECTORY);
    st->type = dir ? WREN_FILE_TYPE_DIRECTORY : WREN_FILE_TYPE_REGULAR;
    st->size = dir ? 0 : n->size;
    st->id = n->is_root ? FAT_ROOT_ID : entry_id(n->dir, n->slot);
    st->block_size = v->cluster_size;
    if (!n->is_root)
        st->mtime.sec = fat_time_to_unix(n->wdate, n->wtime);
}

static void entry_node(uint32_t dir, const struct fat_entry *e, struct fat_node *n)
{
    memset(n, 0, sizeof(*n));
    n->dir = dir;
    n->slot = e->slot;
    n->attr = e->raw[11];
    n->size = fat_le32(e->raw + 28);
    n->wtime = fat_le16(e->raw + 22);
    n->wdate = fat_le16(e->raw + 24);
}

long fat_stat(struct fat_vol *v, const char *path, struct wren_stat *st)
{
    struct where w;
    long r = walk(v, path, &w);
    if (r < 0)
        return r;
    if (w.is_root) {
        fat_node_stat(v, &v->root, st);
        return 0;
    }
    if (!w.found)
        return -E_NOENT;
    struct fat_node *open = find_node(v, w.parent, w.e.slot), tmp;
    if (!open) {
        entry_node(w.parent, &w.e, &tmp);
        open = &tmp;
    }
    fat_node_stat(v, open, st);
    return 0;
}

/* The directory a path names: its first cluster. */
static long dir_of_path(struct fat_vol *v, const char *path, uint32_t *dir)
{
    struct where w;
    long r = walk(v, path, &w);
    if (r < 0)
        return r;
    if (w.is_root) {
        *dir = fat_dir_of_root(v);
        return 0;
    }
    if (!w.found)
        return -E_NOENT;
    if (!entry_is_dir(&w.e))
        return -E_NOTDIR;
    return dir_cluster(v, &w.e, dir);
}

long fat_readdir(struct fat_vol *v, const char *path, uint64_t index, struct wren_dirent *d)
{
    uint32_t dir;
    long r = dir_of_path(v, path, &dir);
    if (r < 0)
        return r;
    if (index > UINT32_MAX)
        return -E_NOENT;
    /* A listing asks for 0, 1, 2, ...: resume after the previous answer instead of scanning from the start. */
    uint32_t pos = 0, at = 0;
    if (v->readdir_hint.valid && v->readdir_hint.dir == dir && v->readdir_hint.generation == v->generation &&
        v->readdir_hint.index + 1 == index) {
        pos = v->readdir_hint.slot;
        at = (uint32_t)index;
    }
    struct fat_entry e;
    for (;; at++) {
        r = fat_dir_next(v, dir, &pos, &e);
        if (r < 0)
            return r;
        if (r == 1)
            return -E_NOENT;
        if (at == index)
            break;
    }
    v->readdir_hint.valid = 1;
    v->readdir_hint.dir = dir;
    v->readdir_hint.index = (uint32_t)index;
    v->readdir_hint.slot = pos;
    v->readdir_hint.generation = v->generation;
    memset(d, 0, sizeof(*d));
    size_t len = strlen(e.name);
    if (len >= sizeof(d->name)) { /* a long name past 255 UTF-8 bytes: give its short alias, which opens it too */
        fat_short_to_name(e.raw, e.name);
        len = strlen(e.name);
    }
    memcpy(d->name, e.name, len + 1);
    d->name_len = (uint32_t)len;
    struct fat_node *open = find_node(v, dir, e.slot);
    d->type = entry_is_dir(&e) ? WREN_FILE_TYPE_DIRECTORY : WREN_FILE_TYPE_REGULAR;
    d->size = entry_is_dir(&e) ? 0 : open ? open->size : fat_le32(e.raw + 28);
    d->id = entry_id(dir, e.slot);
    return 0;
}

/* Remove an entry, make that durable, then free its chain (unless an open node still uses it). */
static long remove_and_free(struct fat_vol *v, uint32_t dir, const struct fat_entry *e)
{
    struct fat_node *open = find_node(v, dir, e->slot);
    uint32_t first = open ? open->first : fat_entry_cluster(v, e->raw);
    long r = fat_dir_remove(v, dir, e);
    if (r < 0)
        return r;
    if (open) {
        open->unlinked = 1; /* freed at its last close */
        return 0;
    }
    r = bc_sync(v->bc);
    if (r < 0)
        return r;
    return fat_cluster_ok(v, first) ? fat_free_chain(v, first) : 0;
}

long fat_unlink(struct fat_vol *v, const char *path)
{
    if (v->read_only)
        return -E_ROFS;
    struct where w;
    long r = walk(v, path, &w);
    if (r < 0)
        return r;
    if (w.is_root)
        return -E_ISDIR;
    if (!w.found)
        return -E_NOENT;
    if (entry_is_dir(&w.e))
        return -E_ISDIR;
    return remove_and_free(v, w.parent, &w.e);
}

long fat_mkdir(struct fat_vol *v, const char *path)
{
    if (v->read_only)
        return -E_ROFS;
    struct where w;
    long r = walk(v, path, &w);
    if (r < 0)
        return r;
    if (w.is_root || w.found)
        return -E_EXIST;
    uint16_t u[FAT_NAME_MAX + 1];
    r = fat_name_to_utf16(w.name, u);
    if (r < 0)
        return r;
    uint32_t c;
    r = fat_alloc(v, 0, &c);
    if (r < 0)
        return r;
    /* The new directory's cluster: "." and "..", then zeros (an end marker everywhere), as data, durable before
     * the FAT and the parent's entry (fat.h). */
    uint8_t block[512];
    memset(block, 0, sizeof(block));
    proto_entry(v, block, FAT_ATTR_DIRECTORY, c);
    memset(block, ' ', 11);
    block[0] = '.';
    proto_entry(v, block + 32, FAT_ATTR_DIRECTORY, w.parent == fat_dir_of_root(v) ? 0 : w.parent);
    memset(block + 32, ' ', 11);
    block[32] = block[33] = '.';
    for (uint32_t o = 0; o < v->cluster_size && r == 0; o += sizeof(block)) {
        r = bc_write(v->bc, fat_cluster_offset(v, c) + o, block, sizeof(block), BC_CLASS_DATA);
        memset(block, 0, 64);
    }
    uint8_t proto[32];
    proto_entry(v, proto, FAT_ATTR_DIRECTORY, c);
    if (r == 0)
        r = fat_dir_add(v, w.parent, w.name, proto, &w.e);
    if (r < 0) {
        fat_free_chain(v, c);
        return r;
    }
    return 0;
}

long fat_rmdir(struct fat_vol *v, const char *path)
{
    if (v->read_only)
        return -E_ROFS;
    struct where w;
    long r = walk(v, path, &w);
    if (r < 0)
        return r;
    if (w.is_root)
        return -E_BUSY;
    if (!w.found)
        return -E_NOENT;
    if (!entry_is_dir(&w.e))
        return -E_NOTDIR;
    uint32_t c;
    r = dir_cluster(v, &w.e, &c);
    if (r < 0)
        return r;
    r = fat_dir_is_empty(v, c);
    if (r < 0)
        return r;
    if (!r)
        return -E_NOTEMPTY;
    if (find_node(v, w.parent, w.e.slot))
        return -E_BUSY;
    return remove_and_free(v, w.parent, &w.e);
}

/* E_INVAL if directory `dir` is `moved` or inside it (following ".." up to the root). */
static long check_not_inside(struct fat_vol *v, uint32_t dir, uint32_t moved)
{
    uint32_t root = fat_dir_of_root(v);
    for (int steps = 0; steps < PARENT_WALK_MAX; steps++) {
        if (dir == moved)
            return -E_INVAL;
        if (dir == root)
            return 0;
        uint64_t off;
        uint8_t raw[32];
        long r = fat_dir_slot_offset(v, dir, 1, &off);
        if (r == 0)
            r = bc_read(v->bc, off, raw, 32);
        if (r)
            return r < 0 ? r : -E_IO;
        if (raw[0] != '.' || raw[1] != '.')
            return -E_IO; /* a directory without its ".." */
        uint32_t up = fat_entry_cluster(v, raw);
        dir = up == 0 ? root : up;
        if (dir != root && !fat_cluster_ok(v, dir))
            return -E_IO;
    }
    return -E_IO;
}

long fat_rename(struct fat_vol *v, const char *from, const char *to)
{
    if (v->read_only)
        return -E_ROFS;
    struct where a, b;
    long r = walk(v, from, &a);
    if (r < 0)
        return r;
    if (a.is_root)
        return -E_BUSY;
    if (!a.found)
        return -E_NOENT;
    struct fat_node *open = find_node(v, a.parent, a.e.slot);
    if (open) { /* the new entry is made from the old one: bring it up to date first */
        r = fat_node_write_entry(v, open);
        if (r == 0)
            r = walk(v, from, &a);
        if (r < 0)
            return r;
    }
    r = walk(v, to, &b);
    if (r < 0)
        return r;
    if (b.is_root)
        return -E_BUSY;
    int is_dir = entry_is_dir(&a.e);
    uint32_t moved = 0;
    if (is_dir) {
        r = dir_cluster(v, &a.e, &moved);
        if (r == 0)
            r = check_not_inside(v, b.parent, moved);
        if (r < 0)
            return r;
    }
    int same = b.found && b.parent == a.parent && b.e.slot == a.e.slot;
    if (same && strcmp(b.e.name, b.name) == 0)
        return 0;
    struct fat_entry victim;
    struct fat_node *victim_node = NULL;
    int replace = b.found && !same;
    if (replace) {
        if (is_dir && !entry_is_dir(&b.e))
            return -E_NOTDIR;
        if (!is_dir && entry_is_dir(&b.e))
            return -E_ISDIR;
        if (is_dir) {
            uint32_t c;
            r = dir_cluster(v, &b.e, &c);
            if (r == 0)
                r = fat_dir_is_empty(v, c);
            if (r < 0)
                return r;
            if (!r)
                return -E_NOTEMPTY;
            if (find_node(v, b.parent, b.e.slot))
                return -E_BUSY;
        }
        victim = b.e;
        victim_node = find_node(v, b.parent, victim.slot);
        r = fat_dir_remove(v, b.parent, &victim);
        if (r < 0)
            return r;
    }
    if (same) { /* a change of case only: the old entry goes first, or the new name would collide with it */
        r = fat_dir_remove(v, a.parent, &a.e);
        if (r < 0)
            return r;
    }
    struct fat_entry made;
    r = fat_dir_add(v, b.parent, b.name, a.e.raw, &made);
    if (r < 0)
        return r;
    if (!same) {
        r = fat_dir_remove(v, a.parent, &a.e);
        if (r < 0)
            return r;
    }
    if (open) {
        open->dir = b.parent;
        open->slot = made.slot;
    }
    if (is_dir && b.parent != a.parent) { /* its ".." names the new parent */
        uint64_t off;
        uint8_t raw[32];
        r = fat_dir_slot_offset(v, moved, 1, &off);
        if (r == 0)
            r = bc_read(v->bc, off, raw, 32);
        if (r == 0 && raw[0] == '.' && raw[1] == '.') {
            fat_entry_set_cluster(raw, b.parent == fat_dir_of_root(v) ? 0 : b.parent);
            r = bc_write(v->bc, off, raw, 32, BC_CLASS_DIR);
        }
        if (r < 0)
            return r;
    }
    if (replace) {
        if (victim_node) {
            victim_node->unlinked = 1; /* its clusters are freed at its last close */
            return 0;
        }
        r = bc_sync(v->bc);
        uint32_t first = fat_entry_cluster(v, victim.raw);
        if (r == 0 && fat_cluster_ok(v, first))
            r = fat_free_chain(v, first);
    }
    return r;
}

long fat_truncate(struct fat_vol *v, const char *path, uint64_t size)
{
    struct fat_node *n;
    long r = fat_open(v, path, WREN_OPEN_WRITE, &n);
    if (r < 0)
        return r;
    r = fat_node_truncate(v, n, size);
    long c = fat_close(v, n);
    return r < 0 ? r : c;
}

long fat_statfs(struct fat_vol *v, const char *path, struct wren_statfs *st)
{
    struct wren_stat ignored;
    long r = fat_stat(v, path, &ignored);
    if (r < 0)
        return r;
    memset(st, 0, sizeof(*st));
    st->block_size = v->cluster_size;
    st->flags = v->read_only ? WREN_STATFS_READ_ONLY : 0;
    st->blocks = v->clusters;
    st->blocks_free = v->free_count;
    st->name_max = 255; /* readdir's names; a longer UTF-8 name is listed by its short alias */
    return 0;
}
