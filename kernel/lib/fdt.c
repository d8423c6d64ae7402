/*
 * Flattened device tree reader. Format: Devicetree Specification v0.4, chapter 5 ("Flattened Devicetree (DTB)
 * Format"): a header, a memory reservation map, a structure block of 4-byte-aligned tokens and a strings block.
 *
 * Every read goes through fdt_tok_read(), which checks that the whole token (tag, name, property header and
 * value) lies inside the structure block and that names are NUL-terminated inside their block. Offsets only ever
 * move forward, so every loop ends at the block end at the latest; nothing recurses.
 */
#include "lib/fdt.h"

#include "lib/string.h"

/* [DT spec 5.2] Header fields: big-endian u32s at these byte offsets. */
enum {
    HDR_MAGIC = 0,
    HDR_TOTALSIZE = 4,
    HDR_OFF_STRUCT = 8,
    HDR_OFF_STRINGS = 12,
    HDR_OFF_MEMRSV = 16,
    HDR_VERSION = 20,
    HDR_LAST_COMP = 24,
    HDR_BOOT_CPUID = 28,
    HDR_SIZE_STRINGS = 32, /* since version 3 */
    HDR_SIZE_STRUCT = 36,  /* since version 17 */
    HDR_LEN_V16 = 36,
    HDR_LEN_V17 = 40,
};

/* [DT spec 5.4.1] Structure block tokens. */
enum {
    TOK_BEGIN_NODE = 1,
    TOK_END_NODE = 2,
    TOK_PROP = 3,
    TOK_NOP = 4,
    TOK_END = 9,
};

/* [DT spec 5.1] Versions this reader understands: 16 and 17 (17 is what dtc writes and adds size_dt_struct). */
#define FDT_MIN_VERSION      16u
#define FDT_MAX_COMP_VERSION 17u

/* #address-cells/#size-cells above this make no sense for anything we read (PCI uses 3). */
#define FDT_MAX_NCELLS 4

/* One decoded token of the structure block. */
struct fdt_tok {
    uint32_t tag;
    int next;     /* offset of the following token */
    int name;     /* BEGIN_NODE: name offset in the structure block; PROP: name offset in the strings block */
    int name_len; /* length of that name (it is NUL-terminated inside its block) */
    int value;    /* PROP: value offset in the structure block */
    int len;      /* PROP: value length */
};

uint32_t fdt_be32(const void *p)
{
    const uint8_t *b = p;

    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

uint64_t fdt_be64(const void *p)
{
    const uint8_t *b = p;

    return (uint64_t)fdt_be32(b) << 32 | fdt_be32(b + 4);
}

const char *fdt_strerror(int err)
{
    switch (err) {
    case 0: return "ok";
    case FDT_ERR_NOTFOUND: return "not found";
    case FDT_ERR_BADARG: return "bad argument";
    case FDT_ERR_BADMAGIC: return "bad magic (not a DTB)";
    case FDT_ERR_BADVERSION: return "unsupported DTB version";
    case FDT_ERR_TRUNCATED: return "truncated blob or block";
    case FDT_ERR_BADLAYOUT: return "bad block layout";
    case FDT_ERR_BADSTRUCTURE: return "malformed structure block";
    case FDT_ERR_BADSTRING: return "unterminated name or string";
    case FDT_ERR_BADOFFSET: return "offset is not a node";
    case FDT_ERR_BADVALUE: return "bad property value";
    case FDT_ERR_BADNCELLS: return "bad #address-cells/#size-cells";
    case FDT_ERR_DEPTH: return "nodes nested too deeply";
    case FDT_ERR_BADPATH: return "bad path or alias";
    default: return "unknown error";
    }
}

uint32_t fdt_totalsize(const struct fdt *f)
{
    return f->totalsize;
}

/* Length of the string at p if a NUL occurs within max bytes, else -1. */
static int fdt_strlen_within(const uint8_t *p, uint32_t max)
{
    for (uint32_t i = 0; i < max; i++) {
        if (p[i] == '\0')
            return (int)i;
    }
    return -1;
}

static uint32_t fdt_align4(uint32_t n)
{
    return (n + 3u) & ~3u;
}

static const uint8_t *fdt_struct_base(const struct fdt *f)
{
    return f->blob + f->struct_off;
}

static const char *fdt_strings_base(const struct fdt *f)
{
    return (const char *)(f->blob + f->strings_off);
}

/* BEGIN_NODE: the name follows the tag, NUL-terminated, padded to 4 bytes. `rest` = bytes after the tag. */
static int fdt_tok_begin_node(const uint8_t *p, int off, uint32_t rest, struct fdt_tok *t)
{
    int n = fdt_strlen_within(p + 4, rest);

    if (n < 0)
        return FDT_ERR_BADSTRING;
    uint32_t adv = fdt_align4((uint32_t)n + 1);
    if (adv > rest)
        return FDT_ERR_TRUNCATED;
    t->name = off + 4;
    t->name_len = n;
    t->next = off + 4 + (int)adv;
    return 0;
}

/*
 * PROP: u32 len, u32 nameoff, then len bytes of value padded to 4. The name lives in the strings block and must be
 * terminated there [DT spec 5.4.1, 5.5].
 */
static int fdt_tok_prop(const struct fdt *f, const uint8_t *p, int off, uint32_t rest, struct fdt_tok *t)
{
    if (rest < 8)
        return FDT_ERR_TRUNCATED;
    uint32_t len = fdt_be32(p + 4);
    uint32_t nameoff = fdt_be32(p + 8);
    rest -= 8;
    /* len <= rest < 2^31, so aligning cannot overflow. */
    if (len > rest || fdt_align4(len) > rest)
        return FDT_ERR_TRUNCATED;
    if (nameoff >= f->strings_size)
        return FDT_ERR_BADSTRING;
    int n = fdt_strlen_within((const uint8_t *)fdt_strings_base(f) + nameoff, f->strings_size - nameoff);
    if (n < 0)
        return FDT_ERR_BADSTRING;
    t->name = (int)nameoff;
    t->name_len = n;
    t->value = off + 12;
    t->len = (int)len;
    t->next = off + 12 + (int)fdt_align4(len);
    return 0;
}

/* Decodes the token at structure-block offset off. Never reads outside the structure/strings blocks. */
static int fdt_tok_read(const struct fdt *f, int off, struct fdt_tok *t)
{
    uint32_t size = f->struct_size;

    if (off < 0 || (off & 3) != 0 || (uint32_t)off > size || size - (uint32_t)off < 4)
        return FDT_ERR_TRUNCATED;
    const uint8_t *p = fdt_struct_base(f) + off;
    uint32_t rest = size - (uint32_t)off - 4;
    t->tag = fdt_be32(p);
    switch (t->tag) {
    case TOK_BEGIN_NODE: return fdt_tok_begin_node(p, off, rest, t);
    case TOK_PROP: return fdt_tok_prop(f, p, off, rest, t);
    case TOK_END_NODE:
    case TOK_NOP:
    case TOK_END: t->next = off + 4; return 0;
    default: return FDT_ERR_BADSTRUCTURE;
    }
}

/* Reads the token at node and insists it is a BEGIN_NODE: anything else means the caller's offset is not a node. */
static int fdt_node_tok(const struct fdt *f, int node, struct fdt_tok *t)
{
    if (fdt_tok_read(f, node, t) < 0 || t->tag != TOK_BEGIN_NODE)
        return FDT_ERR_BADOFFSET;
    return 0;
}

/* --- validation --- */

/*
 * [DT spec 5.4.2] One root node, properties only inside nodes, balanced BEGIN/END_NODE, then END.
 * Nesting is bounded by FDT_MAX_DEPTH so that walkers with fixed-size stacks (fdt_parent) never overflow.
 */
static int fdt_check_structure(struct fdt *f)
{
    struct fdt_tok t;
    int off = 0;
    int depth = 0;
    bool root_done = false;

    for (;;) {
        int err = fdt_tok_read(f, off, &t);
        if (err < 0)
            return err;
        switch (t.tag) {
        case TOK_BEGIN_NODE:
            if (root_done)
                return FDT_ERR_BADSTRUCTURE; /* a second top-level node */
            if (depth == 0)
                f->root = off;
            if (++depth > FDT_MAX_DEPTH)
                return FDT_ERR_DEPTH;
            break;
        case TOK_END_NODE:
            if (depth == 0)
                return FDT_ERR_BADSTRUCTURE;
            if (--depth == 0)
                root_done = true;
            break;
        case TOK_PROP:
            if (depth == 0)
                return FDT_ERR_BADSTRUCTURE;
            break;
        case TOK_END: return (depth == 0 && root_done) ? 0 : FDT_ERR_BADSTRUCTURE;
        default: /* TOK_NOP */ break;
        }
        off = t.next;
    }
}

/* [DT spec 5.3] The reservation map: 8-byte aligned (u64 address, u64 size) pairs ending with (0, 0). */
static int fdt_check_memrsv(struct fdt *f)
{
    uint32_t off = f->memrsv_off;

    if ((off & 7u) != 0)
        return FDT_ERR_BADLAYOUT;
    for (uint32_t i = 0;; i++, off += 16) {
        if (off > f->totalsize || f->totalsize - off < 16)
            return FDT_ERR_TRUNCATED;
        if (fdt_be64(f->blob + off) == 0 && fdt_be64(f->blob + off + 8) == 0) {
            f->memrsv_count = i;
            return 0;
        }
    }
}

/* True if [off, off+size) lies inside [hdr_len, total). */
static bool fdt_block_inside(uint32_t off, uint32_t size, uint32_t hdr_len, uint32_t total)
{
    return off >= hdr_len && (uint64_t)off + size <= total;
}

/* [DT spec 5.2] Header sanity: magic, size against the caller's buffer, version, block placement. */
static int fdt_check_header(struct fdt *f, const uint8_t *b, size_t max_size)
{
    if (max_size < 4)
        return FDT_ERR_TRUNCATED;
    if (fdt_be32(b + HDR_MAGIC) != FDT_MAGIC)
        return FDT_ERR_BADMAGIC;
    if (max_size < HDR_LEN_V17)
        return FDT_ERR_TRUNCATED;

    uint32_t total = fdt_be32(b + HDR_TOTALSIZE);
    uint32_t version = fdt_be32(b + HDR_VERSION);
    if (total > max_size || total > (uint32_t)INT32_MAX)
        return FDT_ERR_TRUNCATED;
    if (version < FDT_MIN_VERSION || fdt_be32(b + HDR_LAST_COMP) > FDT_MAX_COMP_VERSION)
        return FDT_ERR_BADVERSION;
    uint32_t hdr_len = version >= 17 ? HDR_LEN_V17 : HDR_LEN_V16;
    if (total < hdr_len)
        return FDT_ERR_TRUNCATED;

    f->blob = b;
    f->totalsize = total;
    f->version = version;
    f->boot_cpuid = fdt_be32(b + HDR_BOOT_CPUID);
    f->struct_off = fdt_be32(b + HDR_OFF_STRUCT);
    f->strings_off = fdt_be32(b + HDR_OFF_STRINGS);
    f->strings_size = fdt_be32(b + HDR_SIZE_STRINGS);
    f->memrsv_off = fdt_be32(b + HDR_OFF_MEMRSV);
    if (f->struct_off < hdr_len || f->struct_off > total || f->memrsv_off < hdr_len)
        return FDT_ERR_BADLAYOUT;
    /* Version 16 has no size_dt_struct: the structure block may extend to the end of the blob. */
    f->struct_size = version >= 17 ? fdt_be32(b + HDR_SIZE_STRUCT) : total - f->struct_off;
    /* [DT spec 5.4] The structure block is 4-byte aligned; tokens are aligned relative to it. */
    if ((f->struct_off & 3u) != 0)
        return FDT_ERR_BADLAYOUT;
    if (!fdt_block_inside(f->struct_off, f->struct_size, hdr_len, total) ||
        !fdt_block_inside(f->strings_off, f->strings_size, hdr_len, total))
        return FDT_ERR_TRUNCATED;
    return 0;
}

int fdt_init(struct fdt *f, const void *blob, size_t max_size)
{
    struct fdt tmp = {0};
    int err;

    if (f == NULL)
        return FDT_ERR_BADARG;
    if (blob == NULL) {
        err = FDT_ERR_BADARG;
    } else {
        err = fdt_check_header(&tmp, blob, max_size);
        if (err == 0)
            err = fdt_check_memrsv(&tmp);
        if (err == 0)
            err = fdt_check_structure(&tmp);
    }
    /* On failure leave *f empty (struct_size 0): any later call on it fails cleanly instead of reading garbage. */
    if (err < 0)
        memset(&tmp, 0, sizeof(tmp));
    *f = tmp;
    return err;
}

/* --- node walking --- */

int fdt_root(const struct fdt *f)
{
    struct fdt_tok t;
    int err = fdt_node_tok(f, f->root, &t);

    return err < 0 ? err : f->root;
}

int fdt_first_child(const struct fdt *f, int node)
{
    struct fdt_tok t;
    int err = fdt_node_tok(f, node, &t);

    if (err < 0)
        return err;
    /* Skip the node's properties (and NOPs) up to its first child or its END_NODE. */
    for (int off = t.next;; off = t.next) {
        err = fdt_tok_read(f, off, &t);
        if (err < 0)
            return err;
        if (t.tag == TOK_BEGIN_NODE)
            return off;
        if (t.tag == TOK_END_NODE)
            return FDT_ERR_NOTFOUND;
        if (t.tag == TOK_END)
            return FDT_ERR_BADSTRUCTURE;
    }
}

/* Offset just past the END_NODE closing `node` (skips its whole subtree). */
static int fdt_node_end(const struct fdt *f, int node)
{
    struct fdt_tok t;
    int depth = 0;

    for (int off = node;; off = t.next) {
        int err = fdt_tok_read(f, off, &t);
        if (err < 0)
            return err;
        if (t.tag == TOK_BEGIN_NODE) {
            depth++;
        } else if (t.tag == TOK_END_NODE) {
            if (--depth == 0)
                return t.next;
        } else if (t.tag == TOK_END) {
            return FDT_ERR_BADSTRUCTURE;
        }
        if (depth <= 0)
            return FDT_ERR_BADOFFSET; /* `node` was not a BEGIN_NODE */
    }
}

int fdt_next_sibling(const struct fdt *f, int node)
{
    struct fdt_tok t;
    int off;

    int err = fdt_node_tok(f, node, &t);
    if (err < 0)
        return err;
    off = fdt_node_end(f, node);
    if (off < 0)
        return off;
    for (;; off = t.next) {
        err = fdt_tok_read(f, off, &t);
        if (err < 0)
            return err;
        if (t.tag == TOK_BEGIN_NODE)
            return off;
        if (t.tag == TOK_END_NODE || t.tag == TOK_END)
            return FDT_ERR_NOTFOUND;
    }
}

int fdt_next_node(const struct fdt *f, int node)
{
    struct fdt_tok t;

    if (node < 0)
        return fdt_root(f);
    int err = fdt_node_tok(f, node, &t);
    if (err < 0)
        return err;
    for (int off = t.next;; off = t.next) {
        err = fdt_tok_read(f, off, &t);
        if (err < 0)
            return err;
        if (t.tag == TOK_BEGIN_NODE)
            return off;
        if (t.tag == TOK_END)
            return FDT_ERR_NOTFOUND;
    }
}

int fdt_parent(const struct fdt *f, int node)
{
    int stack[FDT_MAX_DEPTH]; /* stack[d] = the open node at depth d */
    int depth = 0;
    struct fdt_tok t;

    int err = fdt_node_tok(f, node, &t);
    if (err < 0)
        return err;
    for (int off = f->root;; off = t.next) {
        err = fdt_tok_read(f, off, &t);
        if (err < 0)
            return err;
        if (t.tag == TOK_BEGIN_NODE) {
            if (off == node)
                return depth > 0 ? stack[depth - 1] : FDT_ERR_NOTFOUND;
            if (depth >= FDT_MAX_DEPTH)
                return FDT_ERR_DEPTH;
            stack[depth++] = off;
        } else if (t.tag == TOK_END_NODE) {
            if (--depth <= 0)
                return FDT_ERR_BADOFFSET; /* left the root without meeting `node` */
        } else if (t.tag == TOK_END) {
            return FDT_ERR_BADOFFSET;
        }
    }
}

const char *fdt_node_name(const struct fdt *f, int node, int *len)
{
    struct fdt_tok t;
    int err = fdt_node_tok(f, node, &t);

    if (len != NULL)
        *len = err < 0 ? err : t.name_len;
    return err < 0 ? NULL : (const char *)fdt_struct_base(f) + t.name;
}

/*
 * Does node name nn[0..nlen) match the path component name[0..len)? Either exactly, or, when the component has no
 * unit address, the node's name up to its '@' ("memory" matches "memory@40000000") [DT spec 2.2.1, 2.2.3].
 */
static bool fdt_name_matches(const char *nn, int nlen, const char *name, size_t len)
{
    if ((size_t)nlen < len || memcmp(nn, name, len) != 0)
        return false;
    if ((size_t)nlen == len)
        return true;
    for (size_t i = 0; i < len; i++) {
        if (name[i] == '@')
            return false;
    }
    return nn[len] == '@';
}

int fdt_subnode(const struct fdt *f, int parent, const char *name, size_t len)
{
    int child;

    if (name == NULL)
        return FDT_ERR_BADARG;
    for (child = fdt_first_child(f, parent); child >= 0; child = fdt_next_sibling(f, child)) {
        int nlen;
        const char *nn = fdt_node_name(f, child, &nlen);
        if (nn != NULL && fdt_name_matches(nn, nlen, name, len))
            return child;
    }
    return child;
}

/* Follows the '/'-separated components of p[0..end) from node. */
static int fdt_path_walk(const struct fdt *f, int node, const char *p, const char *end)
{
    while (p < end && node >= 0) {
        if (*p == '/') {
            p++;
            continue;
        }
        const char *q = p;
        while (q < end && *q != '/')
            q++;
        node = fdt_subnode(f, node, p, (size_t)(q - p));
        p = q;
    }
    return node;
}

int fdt_path_offset_len(const struct fdt *f, const char *path, size_t len)
{
    if (path == NULL || len == 0)
        return FDT_ERR_BADPATH;

    const char *end = path + len;
    int node = fdt_root(f);
    if (node < 0 || path[0] == '/')
        return node < 0 ? node : fdt_path_walk(f, node, path, end);

    /* [DT spec 3.3] A path not starting with '/' begins with an alias name; the alias value is a full path. */
    const char *q = path;
    while (q < end && *q != '/')
        q++;
    const char *alias = fdt_alias(f, path, (size_t)(q - path));
    if (alias == NULL)
        return FDT_ERR_NOTFOUND;
    if (alias[0] != '/')
        return FDT_ERR_BADPATH; /* aliases to aliases are not allowed: this also rules out alias loops */
    node = fdt_path_walk(f, node, alias, alias + strlen(alias));
    return fdt_path_walk(f, node, q, end);
}

int fdt_path_offset(const struct fdt *f, const char *path)
{
    if (path == NULL)
        return FDT_ERR_BADPATH;
    return fdt_path_offset_len(f, path, strlen(path));
}

/* --- properties --- */

/* First PROP token at or after off, before the node's first child or END_NODE. */
static int fdt_prop_from(const struct fdt *f, int off)
{
    struct fdt_tok t;

    for (;; off = t.next) {
        int err = fdt_tok_read(f, off, &t);
        if (err < 0)
            return err;
        if (t.tag == TOK_PROP)
            return off;
        if (t.tag != TOK_NOP)
            return FDT_ERR_NOTFOUND;
    }
}

int fdt_first_prop(const struct fdt *f, int node)
{
    struct fdt_tok t;
    int err = fdt_node_tok(f, node, &t);

    return err < 0 ? err : fdt_prop_from(f, t.next);
}

int fdt_next_prop(const struct fdt *f, int prop)
{
    struct fdt_tok t;
    int err = fdt_tok_read(f, prop, &t);

    if (err < 0)
        return err;
    if (t.tag != TOK_PROP)
        return FDT_ERR_BADOFFSET;
    return fdt_prop_from(f, t.next);
}

int fdt_prop_at(const struct fdt *f, int prop, const char **name, const void **value, int *len)
{
    struct fdt_tok t;
    int err = fdt_tok_read(f, prop, &t);

    if (err < 0)
        return err;
    if (t.tag != TOK_PROP)
        return FDT_ERR_BADOFFSET;
    if (name != NULL)
        *name = fdt_strings_base(f) + t.name;
    if (value != NULL)
        *value = fdt_struct_base(f) + t.value;
    if (len != NULL)
        *len = t.len;
    return 0;
}

/* Property lookup by a name that need not be NUL-terminated. */
static const void *fdt_getprop_n(const struct fdt *f, int node, const char *name, size_t namelen, int *lenp)
{
    struct fdt_tok t;
    int prop;

    for (prop = fdt_first_prop(f, node); prop >= 0; prop = fdt_next_prop(f, prop)) {
        if (fdt_tok_read(f, prop, &t) < 0)
            break;
        /* Compare lengths first: memcmp must not run past the stored name's terminator. */
        if ((size_t)t.name_len == namelen && memcmp(fdt_strings_base(f) + t.name, name, namelen) == 0) {
            if (lenp != NULL)
                *lenp = t.len;
            return fdt_struct_base(f) + t.value;
        }
    }
    if (lenp != NULL)
        *lenp = prop < 0 ? prop : FDT_ERR_BADSTRUCTURE;
    return NULL;
}

const void *fdt_getprop(const struct fdt *f, int node, const char *name, int *len)
{
    if (name == NULL) {
        if (len != NULL)
            *len = FDT_ERR_BADARG;
        return NULL;
    }
    return fdt_getprop_n(f, node, name, strlen(name), len);
}

/* Fetches a property whose length must be one of the two given sizes. */
static int fdt_prop_sized(const struct fdt *f, int node, const char *name, int size_a, int size_b,
                          const uint8_t **value, int *len)
{
    *value = fdt_getprop(f, node, name, len);
    if (*value == NULL)
        return *len;
    return (*len == size_a || *len == size_b) ? 0 : FDT_ERR_BADVALUE;
}

int fdt_prop_u32(const struct fdt *f, int node, const char *name, uint32_t *out)
{
    const uint8_t *v;
    int len;
    int err = fdt_prop_sized(f, node, name, 4, 4, &v, &len);

    if (err == 0)
        *out = fdt_be32(v);
    return err;
}

int fdt_prop_u64(const struct fdt *f, int node, const char *name, uint64_t *out)
{
    const uint8_t *v;
    int len;
    int err = fdt_prop_sized(f, node, name, 8, 8, &v, &len);

    if (err == 0)
        *out = fdt_be64(v);
    return err;
}

int fdt_prop_cells(const struct fdt *f, int node, const char *name, uint64_t *out)
{
    const uint8_t *v;
    int len;
    int err = fdt_prop_sized(f, node, name, 4, 8, &v, &len);

    if (err == 0)
        *out = fdt_read_cells(v, len / 4);
    return err;
}

const char *fdt_prop_string(const struct fdt *f, int node, const char *name)
{
    int len;
    const char *v = fdt_getprop(f, node, name, &len);

    if (v == NULL || len < 1 || v[len - 1] != '\0')
        return NULL;
    return v;
}

uint64_t fdt_read_cells(const void *p, int n)
{
    if (n == 1)
        return fdt_be32(p);
    if (n == 2)
        return fdt_be64(p);
    return 0;
}

const char *fdt_alias(const struct fdt *f, const char *name, size_t len)
{
    int aliases = fdt_subnode(f, fdt_root(f), "aliases", 7);
    int vlen;

    if (aliases < 0 || name == NULL)
        return NULL;
    const char *v = fdt_getprop_n(f, aliases, name, len, &vlen);
    if (v == NULL || vlen < 1 || v[vlen - 1] != '\0')
        return NULL;
    return v;
}

int fdt_node_by_phandle(const struct fdt *f, uint32_t ph)
{
    /* [DT spec 2.3.3] 0 and 0xffffffff are not valid phandles. */
    if (ph == 0 || ph == 0xffffffffu)
        return FDT_ERR_BADARG;
    int node;
    for (node = fdt_root(f); node >= 0; node = fdt_next_node(f, node)) {
        uint32_t v;
        if (fdt_prop_u32(f, node, "phandle", &v) == 0 && v == ph)
            return node;
        if (fdt_prop_u32(f, node, "linux,phandle", &v) == 0 && v == ph)
            return node;
    }
    return node;
}

bool fdt_stringlist_contains(const char *list, int len, const char *str)
{
    if (list == NULL || str == NULL || len <= 0)
        return false;
    size_t slen = strlen(str);
    for (int pos = 0; pos < len;) {
        int n = fdt_strlen_within((const uint8_t *)list + pos, (uint32_t)(len - pos));
        if (n < 0)
            return false;
        if ((size_t)n == slen && memcmp(list + pos, str, slen) == 0)
            return true;
        pos += n + 1;
    }
    return false;
}

bool fdt_node_is_compatible(const struct fdt *f, int node, const char *compat)
{
    int len;
    const char *list = fdt_getprop(f, node, "compatible", &len);

    return list != NULL && fdt_stringlist_contains(list, len, compat);
}

int fdt_find_compatible(const struct fdt *f, int after, const char *compat)
{
    int node;

    for (node = fdt_next_node(f, after); node >= 0; node = fdt_next_node(f, node)) {
        if (fdt_node_is_compatible(f, node, compat))
            return node;
    }
    return node;
}

bool fdt_node_is_okay(const struct fdt *f, int node)
{
    int len;

    /* [DT spec 2.3.4] No status property means "okay". Linux also accepts the older spelling "ok". */
    if (fdt_getprop(f, node, "status", &len) == NULL)
        return len == FDT_ERR_NOTFOUND;
    const char *s = fdt_prop_string(f, node, "status");
    return s != NULL && (strcmp(s, "okay") == 0 || strcmp(s, "ok") == 0);
}

/* --- addresses --- */

/* Reads a #...-cells property, using `dflt` when it is absent. */
static int fdt_ncells(const struct fdt *f, int bus, const char *name, int dflt, int *out)
{
    uint32_t v;
    int err = fdt_prop_u32(f, bus, name, &v);

    if (err == FDT_ERR_NOTFOUND) {
        *out = dflt;
        return 0;
    }
    if (err < 0 || v > FDT_MAX_NCELLS)
        return FDT_ERR_BADNCELLS;
    *out = (int)v;
    return 0;
}

int fdt_bus_cells(const struct fdt *f, int bus, int *addr_cells, int *size_cells)
{
    /* [DT spec 2.3.5] Defaults when a bus does not say: 2 address cells, 1 size cell. */
    int err = fdt_ncells(f, bus, "#address-cells", 2, addr_cells);

    return err < 0 ? err : fdt_ncells(f, bus, "#size-cells", 1, size_cells);
}

int fdt_reg_count_cells(const struct fdt *f, int node, int addr_cells, int size_cells)
{
    int len;

    if (addr_cells < 1 || addr_cells > 2 || size_cells < 0 || size_cells > 2)
        return FDT_ERR_BADNCELLS;
    if (fdt_getprop(f, node, "reg", &len) == NULL)
        return len;
    int entry = 4 * (addr_cells + size_cells);
    return len % entry == 0 ? len / entry : FDT_ERR_BADVALUE;
}

int fdt_read_reg_cells(const struct fdt *f, int node, int addr_cells, int size_cells, int index, uint64_t *addr,
                       uint64_t *size)
{
    int count = fdt_reg_count_cells(f, node, addr_cells, size_cells);

    if (count < 0)
        return count;
    if (index < 0)
        return FDT_ERR_BADARG;
    if (index >= count)
        return FDT_ERR_NOTFOUND;
    /* [DT spec 2.3.6] reg = (address, length) pairs of the parent bus's cell sizes. */
    const uint8_t *v = fdt_getprop(f, node, "reg", NULL);
    const uint8_t *entry = v + (size_t)index * 4u * (size_t)(addr_cells + size_cells);
    if (addr != NULL)
        *addr = fdt_read_cells(entry, addr_cells);
    if (size != NULL)
        *size = fdt_read_cells(entry + 4 * addr_cells, size_cells);
    return 0;
}

int fdt_read_reg(const struct fdt *f, int node, int index, uint64_t *addr, uint64_t *size)
{
    int ac;
    int sc;
    int parent = fdt_parent(f, node);

    if (parent < 0)
        return parent;
    int err = fdt_bus_cells(f, parent, &ac, &sc);
    return err < 0 ? err : fdt_read_reg_cells(f, node, ac, sc, index, addr, size);
}

/* --- memory reservation map --- */

int fdt_memrsv_count(const struct fdt *f)
{
    return (int)f->memrsv_count;
}

int fdt_memrsv_get(const struct fdt *f, int index, uint64_t *addr, uint64_t *size)
{
    if (index < 0 || (uint32_t)index >= f->memrsv_count)
        return FDT_ERR_NOTFOUND;
    /* fdt_init checked that all memrsv_count entries lie inside the blob. */
    const uint8_t *e = f->blob + f->memrsv_off + 16u * (uint32_t)index;
    if (addr != NULL)
        *addr = fdt_be64(e);
    if (size != NULL)
        *size = fdt_be64(e + 8);
    return 0;
}
