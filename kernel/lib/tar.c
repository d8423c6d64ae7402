/*
 * ustar reader (POSIX.1-2001 "pax" interchange format, ustar header layout): 512-byte
 * header blocks, each followed by the file's data padded to 512 bytes; two zero blocks end
 * the archive. Extensions that tar_next understands: a GNU 'L' entry holds the next entry's
 * full name (NUL-terminated), 'K' its link target; a pax 'x' entry holds "LEN key=value\n"
 * records for the next entry (POSIX.1-2001, pax "extended header"), 'g' records for all the
 * entries after it.
 */
#include <stdbool.h>
#include <stdint.h>

#include <wren/abi.h>

#include "lib/string.h"
#include "lib/tar.h"

#define BLOCK      512
#define NAME_OFF   0
#define NAME_LEN   100
#define SIZE_OFF   124
#define SIZE_LEN   12
#define CHKSUM_OFF 148
#define CHKSUM_LEN 8
#define TYPE_OFF   156
#define MODE_OFF   100
#define MODE_LEN   8
#define MAGIC_OFF  257
#define PREFIX_OFF 345
#define PREFIX_LEN 155

/* Octal field: optional leading spaces, digits, then NUL/space padding. */
static bool parse_octal(const uint8_t *p, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;
    bool digits = false;

    while (i < n && p[i] == ' ')
        i++;
    for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
        if (v >> 61)
            return false;
        v = v * 8 + (uint64_t)(p[i] - '0');
        digits = true;
    }
    for (; i < n; i++)
        if (p[i] != 0 && p[i] != ' ')
            return false;
    *out = v;
    return digits;
}

static bool header_checksum_ok(const uint8_t *h)
{
    uint64_t want;
    if (!parse_octal(h + CHKSUM_OFF, CHKSUM_LEN, &want))
        return false;
    uint64_t sum = 0;
    for (size_t i = 0; i < BLOCK; i++)
        sum += (i >= CHKSUM_OFF && i < CHKSUM_OFF + CHKSUM_LEN) ? ' ' : h[i];
    return sum == want;
}

static bool is_zero_block(const uint8_t *h)
{
    for (size_t i = 0; i < BLOCK; i++)
        if (h[i])
            return false;
    return true;
}

static const char *skip_root(const char *s, size_t *n)
{
    for (;;) {
        if (*n >= 1 && s[0] == '/') {
            s++, (*n)--;
        } else if (*n >= 2 && s[0] == '.' && s[1] == '/') {
            s += 2, *n -= 2;
        } else {
            return s;
        }
    }
}

/* Does "prefix/name" (each field NUL-padded, not necessarily terminated) equal path? */
static bool name_matches(const uint8_t *h, const char *path)
{
    size_t plen = strnlen((const char *)h + PREFIX_OFF, PREFIX_LEN);
    size_t nlen = strnlen((const char *)h + NAME_OFF, NAME_LEN);
    const char *prefix = (const char *)h + PREFIX_OFF;
    const char *name = (const char *)h + NAME_OFF;
    size_t want_len = strlen(path);
    const char *want = skip_root(path, &want_len);

    if (plen) {
        prefix = skip_root(prefix, &plen);
        if (want_len < plen + 1 || memcmp(want, prefix, plen) != 0 || want[plen] != '/')
            return false;
        want += plen + 1;
        want_len -= plen + 1;
    } else {
        name = skip_root(name, &nlen);
    }
    return nlen == want_len && memcmp(want, name, nlen) == 0;
}

/* One header block, checked, and where its data starts. */
struct raw_header {
    const uint8_t *h;
    size_t data_off;
    uint64_t size; /* the header's size field, already known to fit in the archive */
};

/*
 * The header at `off` (<= size): 1 and *r filled in; 0 at the end of the archive (a zero
 * block, or less than a block left); -E_INVAL, with *why, if it cannot be trusted.
 */
static int read_header(const uint8_t *a, size_t size, size_t off, struct raw_header *r, const char **why)
{
    if (size - off < BLOCK || is_zero_block(a + off))
        return 0;
    r->h = a + off;
    r->data_off = off + BLOCK;
    if (!header_checksum_ok(r->h)) {
        *why = "bad header checksum";
        return -E_INVAL;
    }
    if (!parse_octal(r->h + SIZE_OFF, SIZE_LEN, &r->size)) {
        *why = "bad size field";
        return -E_INVAL;
    }
    if (r->size > size - r->data_off) {
        *why = "data runs past the end of the archive";
        return -E_INVAL;
    }
    return 1;
}

/* Where the header after `len` data bytes at data_off is; `size` if the padding is cut short. */
static size_t after_data(size_t size, size_t data_off, uint64_t len)
{
    uint64_t padded = (len + BLOCK - 1) / BLOCK * BLOCK; /* len <= size: cannot overflow */
    return padded > size - data_off ? size : data_off + (size_t)padded;
}

int tar_find(const void *archive, size_t size, const char *path, const void **data, size_t *len)
{
    const uint8_t *a = archive;
    size_t off = 0;
    struct raw_header r;
    const char *why;

    if (!a || !path || !data || !len)
        return -E_INVAL;
    for (;;) {
        int got = read_header(a, size, off, &r, &why);
        if (got <= 0)
            return got ? got : -E_NOENT;
        char type = (char)r.h[TYPE_OFF];
        if ((type == '0' || type == '\0') && name_matches(r.h, path)) {
            *data = a + r.data_off;
            *len = (size_t)r.size;
            return 0;
        }
        off = after_data(size, r.data_off, r.size);
    }
}

/* --- the walk, with extension headers --- */

/* What extension headers said about the entry that follows them. */
struct pending {
    bool any;          /* an 'L', 'K' or 'x' header was seen */
    size_t first;      /* offset of the first one */
    const char *error; /* why the entry must be rejected, if it must */
    const char *gnu_path, *pax_path;
    size_t gnu_len, pax_len;
    bool have_size;
    uint64_t size;
};

static bool equals(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

/* A pax decimal value: digits only, below 2^63. */
static bool parse_decimal(const char *p, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9' || v > (UINT64_MAX / 2 - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    *out = v;
    return true;
}

/* One pax record "LEN key=value\n" at p[0..n): its length, or 0 if malformed. */
static size_t pax_record(struct pending *x, const char *p, size_t n)
{
    size_t i = 0;
    uint64_t len = 0;

    while (i < n && p[i] >= '0' && p[i] <= '9') {
        len = len * 10 + (uint64_t)(p[i] - '0');
        if (len > n)
            return 0;
        i++;
    }
    /* The length counts itself, the space, at least "k=" and the newline. */
    if (i == 0 || i >= n || p[i] != ' ' || len < i + 4 || p[len - 1] != '\n')
        return 0;
    const char *key = p + i + 1;
    const char *end = p + len - 1;
    const char *eq = key;
    while (eq < end && *eq != '=')
        eq++;
    if (eq == end || eq == key)
        return 0;
    const char *value = eq + 1;
    size_t klen = (size_t)(eq - key);
    size_t vlen = (size_t)(end - value);
    if (equals(key, klen, "path")) {
        if (strnlen(value, vlen) != vlen)
            return 0;
        x->pax_path = value;
        x->pax_len = vlen; /* an empty value cancels an earlier one */
    } else if (equals(key, klen, "size")) {
        if (!parse_decimal(value, vlen, &x->size))
            return 0;
        x->have_size = true;
    }
    return (size_t)len; /* other keys (mtime, uid, linkpath...) mean nothing to us */
}

static void pax_records(struct pending *x, const char *p, size_t n)
{
    while (n) {
        size_t used = pax_record(x, p, n);
        if (!used) {
            x->error = "malformed pax record";
            return;
        }
        p += used;
        n -= used;
    }
}

/* "prefix/name" of a plain ustar header into it->path; prefix only with the POSIX magic. */
static size_t ustar_name(struct tar_iter *it, const uint8_t *h)
{
    size_t n = 0;
    if (memcmp(h + MAGIC_OFF, "ustar", 6) == 0) {
        size_t plen = strnlen((const char *)h + PREFIX_OFF, PREFIX_LEN);
        if (plen) {
            memcpy(it->path, h + PREFIX_OFF, plen);
            it->path[plen] = '/';
            n = plen + 1;
        }
    }
    size_t nlen = strnlen((const char *)h + NAME_OFF, NAME_LEN);
    memcpy(it->path + n, h + NAME_OFF, nlen);
    return n + nlen;
}

/* Fill *e for the regular header r, given what extension headers said; 1 or -E_INVAL. */
static int finish_entry(struct tar_iter *it, const struct raw_header *r, const struct pending *x, uint64_t len,
                        struct tar_entry *e)
{
    size_t n;

    if (x->error) {
        it->error = x->error;
        return -E_INVAL;
    }
    const char *src = x->pax_len ? x->pax_path : x->gnu_len ? x->gnu_path : 0;
    n = x->pax_len ? x->pax_len : x->gnu_len;
    if (src) {
        if (n > TAR_PATH_MAX) {
            it->error = "name too long";
            return -E_INVAL;
        }
        memcpy(it->path, src, n);
    } else {
        n = ustar_name(it, r->h);
    }
    const char *p = skip_root(it->path, &n);
    memmove(it->path, p, n);
    it->path[n] = 0;

    uint64_t mode;
    char type = (char)r->h[TYPE_OFF];
    if (type == '\0' && n && it->path[n - 1] == '/')
        type = TAR_DIRECTORY; /* pre-POSIX tars marked directories by the trailing slash alone */
    else if (type == '\0' || type == '7')
        type = TAR_REGULAR;
    e->path = it->path;
    e->path_len = n;
    e->type = type;
    e->mode = parse_octal(r->h + MODE_OFF, MODE_LEN, &mode) ? (uint32_t)(mode & 07777) : 0;
    e->data = it->archive + r->data_off;
    e->size = (size_t)len;
    return 1;
}

void tar_iter_init(struct tar_iter *it, const void *archive, size_t size)
{
    it->archive = archive;
    it->size = archive ? size : 0;
    it->off = 0;
    it->done = false;
    it->error = 0;
    it->path[0] = 0;
}

int tar_next(struct tar_iter *it, struct tar_entry *e)
{
    struct pending x = {0};
    struct raw_header r;

    while (!it->done) {
        size_t off = it->off;
        int got = read_header(it->archive, it->size, off, &r, &it->error);
        if (got <= 0) {
            it->done = true;
            e->offset = x.any ? x.first : off;
            if (got == 0 && x.any) {
                it->error = "extension header without an entry";
                return -E_INVAL;
            }
            return got;
        }
        char type = (char)r.h[TYPE_OFF];
        bool ext = type == 'L' || type == 'K' || type == 'x' || type == 'g';
        uint64_t len = r.size;
        if (!ext && x.have_size) {
            /* The pax size replaces the header's (which may be 0 when the real one did not fit). */
            if (x.size > it->size - r.data_off) {
                it->done = true;
                e->offset = x.first;
                it->error = "pax size runs past the end of the archive";
                return -E_INVAL;
            }
            len = x.size;
        }
        it->off = after_data(it->size, r.data_off, len);
        const char *data = (const char *)it->archive + r.data_off;
        if (type == 'g')
            continue; /* global records: nothing in them changes what we build */
        if (ext && !x.any) {
            x.any = true;
            x.first = off;
        }
        if (type == 'L') {
            x.gnu_path = data;
            x.gnu_len = strnlen(data, (size_t)len); /* the name and its NUL */
            if (x.gnu_len == 0)
                x.error = "empty GNU long name";
        } else if (type == 'x') {
            pax_records(&x, data, (size_t)len);
        } else if (!ext) {
            e->offset = x.any ? x.first : off;
            return finish_entry(it, &r, &x, len, e);
        } /* 'K': the next entry's link target; the ramfs has no links */
    }
    return 0;
}
