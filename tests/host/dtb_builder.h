// Builds small DTBs in memory for the hostile-input tests, one token at a time, so a test can produce exactly the
// malformation it wants (the builder itself checks nothing). Layout: header (40 bytes, version 17), reservation
// map, structure block, strings block.
#ifndef WREN_TESTS_DTB_BUILDER_H
#define WREN_TESTS_DTB_BUILDER_H

#include <stdint.h>
#include <string.h>

#define DB_STRUCT_MAX  65536
#define DB_STRINGS_MAX 4096

struct dtb_builder {
    uint8_t st[DB_STRUCT_MAX];
    size_t st_len;
    char str[DB_STRINGS_MAX];
    size_t str_len;
    uint64_t rsv[8][2];
    int nrsv;
};

static inline void db_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void db_put64(uint8_t *p, uint64_t v)
{
    db_put32(p, (uint32_t)(v >> 32));
    db_put32(p + 4, (uint32_t)v);
}

static inline void db_init(struct dtb_builder *b)
{
    memset(b, 0, sizeof(*b));
}

static inline void db_u32(struct dtb_builder *b, uint32_t v)
{
    db_put32(b->st + b->st_len, v);
    b->st_len += 4;
}

static inline void db_bytes(struct dtb_builder *b, const void *data, size_t len)
{
    memcpy(b->st + b->st_len, data, len);
    b->st_len += len;
    while (b->st_len % 4)
        b->st[b->st_len++] = 0;
}

static inline void db_begin(struct dtb_builder *b, const char *name)
{
    db_u32(b, 1);
    db_bytes(b, name, strlen(name) + 1);
}

static inline void db_end(struct dtb_builder *b)
{
    db_u32(b, 2);
}

// Offset of name in the strings block, adding it if new.
static inline uint32_t db_string(struct dtb_builder *b, const char *name)
{
    for (size_t off = 0; off < b->str_len; off += strlen(b->str + off) + 1) {
        if (strcmp(b->str + off, name) == 0)
            return (uint32_t)off;
    }
    uint32_t off = (uint32_t)b->str_len;
    memcpy(b->str + b->str_len, name, strlen(name) + 1);
    b->str_len += strlen(name) + 1;
    return off;
}

static inline void db_prop_raw(struct dtb_builder *b, uint32_t nameoff, const void *val, uint32_t len)
{
    db_u32(b, 3);
    db_u32(b, len);
    db_u32(b, nameoff);
    db_bytes(b, val, len);
}

static inline void db_prop(struct dtb_builder *b, const char *name, const void *val, uint32_t len)
{
    db_prop_raw(b, db_string(b, name), val, len);
}

static inline void db_prop_str(struct dtb_builder *b, const char *name, const char *s)
{
    db_prop(b, name, s, (uint32_t)strlen(s) + 1);
}

// Big-endian cells.
static inline void db_prop_cells(struct dtb_builder *b, const char *name, const uint32_t *cells, int n)
{
    uint8_t buf[64];

    for (int i = 0; i < n; i++)
        db_put32(buf + 4 * i, cells[i]);
    db_prop(b, name, buf, (uint32_t)(4 * n));
}

static inline void db_prop_u32(struct dtb_builder *b, const char *name, uint32_t v)
{
    db_prop_cells(b, name, &v, 1);
}

static inline void db_finish_tokens(struct dtb_builder *b)
{
    db_u32(b, 9); // FDT_END
}

// Header field offsets, for tests that corrupt them.
enum {
    DB_TOTALSIZE = 4,
    DB_OFF_STRUCT = 8,
    DB_OFF_STRINGS = 12,
    DB_OFF_MEMRSV = 16,
    DB_VERSION = 20,
    DB_LAST_COMP = 24,
    DB_SIZE_STRINGS = 32,
    DB_SIZE_STRUCT = 36
};

// Serialises into out (capacity cap). Returns the total size, or 0 if it does not fit.
static inline size_t db_build(const struct dtb_builder *b, uint8_t *out, size_t cap)
{
    size_t rsv_off = 40;
    size_t st_off = rsv_off + 16u * (size_t)(b->nrsv + 1);
    size_t str_off = st_off + b->st_len;
    size_t total = str_off + b->str_len;

    if (total > cap)
        return 0;
    memset(out, 0, total);
    db_put32(out + 0, 0xd00dfeedu);
    db_put32(out + DB_TOTALSIZE, (uint32_t)total);
    db_put32(out + DB_OFF_STRUCT, (uint32_t)st_off);
    db_put32(out + DB_OFF_STRINGS, (uint32_t)str_off);
    db_put32(out + DB_OFF_MEMRSV, (uint32_t)rsv_off);
    db_put32(out + DB_VERSION, 17);
    db_put32(out + DB_LAST_COMP, 16);
    db_put32(out + DB_SIZE_STRINGS, (uint32_t)b->str_len);
    db_put32(out + DB_SIZE_STRUCT, (uint32_t)b->st_len);
    for (int i = 0; i < b->nrsv; i++) {
        db_put64(out + rsv_off + 16u * (size_t)i, b->rsv[i][0]);
        db_put64(out + rsv_off + 16u * (size_t)i + 8, b->rsv[i][1]);
    }
    memcpy(out + st_off, b->st, b->st_len);
    memcpy(out + str_off, b->str, b->str_len);
    return total;
}

#endif // WREN_TESTS_DTB_BUILDER_H
