/*
 * ustar reader (POSIX.1-2001 "pax" interchange format, ustar header layout): 512-byte
 * header blocks, each followed by the file's data padded to 512 bytes; two zero blocks end
 * the archive. GNU long-name ('L') and pax ('x', 'g') entries are skipped for now: the
 * ramfs work will interpret them.
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

int tar_find(const void *archive, size_t size, const char *path, const void **data, size_t *len)
{
    const uint8_t *a = archive;
    size_t off = 0;

    if (!a || !path || !data || !len)
        return -E_INVAL;
    while (size - off >= BLOCK) {
        const uint8_t *h = a + off;
        if (is_zero_block(h))
            return -E_NOENT;
        uint64_t fsize;
        if (!header_checksum_ok(h) || !parse_octal(h + SIZE_OFF, SIZE_LEN, &fsize))
            return -E_INVAL;
        size_t data_off = off + BLOCK;
        if (fsize > size - data_off)
            return -E_INVAL;
        char type = (char)h[TYPE_OFF];
        if ((type == '0' || type == '\0') && name_matches(h, path)) {
            *data = a + data_off;
            *len = (size_t)fsize;
            return 0;
        }
        uint64_t padded = (fsize + BLOCK - 1) / BLOCK * BLOCK;
        if (padded > size - data_off)
            return -E_NOENT; /* last entry's padding cut short: nothing follows */
        off = data_off + (size_t)padded;
    }
    return -E_NOENT;
}
