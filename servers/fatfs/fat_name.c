/*
 * Names on a FAT volume: short 8.3 names, VFAT long names as UTF-16 (fatgen103 §6-7: the short name's checksum,
 * the characters a short name may hold, the "~n" numeric tail; long names of up to 255 UTF-16 units).
 */
#include <string.h>

#include "fat.h"

uint8_t fat_lfn_checksum(const uint8_t n[11])
{
    uint8_t sum = 0;
    for (int i = 0; i < 11; i++)
        sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + n[i]); /* rotate right, add (fatgen103 §7) */
    return sum;
}

/* Characters no FAT name may hold (fatgen103 §6: below 0x20 and "*+,/:;<=>?[\]| for short names; long names
 * allow + , ; = [ ] and spaces). */
static int bad_long_char(uint32_t c)
{
    return c < 0x20 || c == 0x7F || (c < 128 && strchr("\"*/:<>?\\|", (int)c));
}
static int bad_short_char(uint8_t c)
{
    return c < 0x20 || c == 0x7F || strchr("\"*+,./:;<=>?[\\]| ", c) != NULL;
}

long fat_name_to_utf16(const char *name, uint16_t *units)
{
    const uint8_t *p = (const uint8_t *)name;
    long n = 0;
    if (!*p || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return -E_INVAL;
    while (*p) {
        uint32_t c;
        int more;
        if (*p < 0x80) {
            c = *p;
            more = 0;
        } else if ((*p & 0xE0) == 0xC0) {
            c = *p & 0x1F;
            more = 1;
        } else if ((*p & 0xF0) == 0xE0) {
            c = *p & 0x0F;
            more = 2;
        } else {
            return -E_INVAL; /* four-byte sequences would need surrogate pairs: not supported */
        }
        p++;
        for (int i = 0; i < more; i++, p++) {
            if ((*p & 0xC0) != 0x80)
                return -E_INVAL;
            c = c << 6 | (*p & 0x3F);
        }
        if ((more == 1 && c < 0x80) || (more == 2 && (c < 0x800 || (c >= 0xD800 && c < 0xE000))) || bad_long_char(c))
            return -E_INVAL;
        if (n == FAT_NAME_MAX)
            return -E_NAMETOOLONG;
        units[n++] = (uint16_t)c;
    }
    /* Windows drops trailing dots and spaces; refuse them rather than store a name other systems rewrite. */
    if (units[n - 1] == '.' || units[n - 1] == ' ')
        return -E_INVAL;
    return n;
}

long fat_utf16_to_name(const uint16_t *u, int n, char *out, size_t size)
{
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        uint32_t c = u[i];
        if (c == 0 || (c >= 0xD800 && c < 0xE000) || c == '/')
            return -E_INVAL; /* no surrogate pairs; a slash or NUL would break paths */
        uint8_t b[3];
        int len = c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
        if (len == 1) {
            b[0] = (uint8_t)c;
        } else if (len == 2) {
            b[0] = (uint8_t)(0xC0 | c >> 6);
            b[1] = (uint8_t)(0x80 | (c & 0x3F));
        } else {
            b[0] = (uint8_t)(0xE0 | c >> 12);
            b[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
            b[2] = (uint8_t)(0x80 | (c & 0x3F));
        }
        if (k + len + 1 > size)
            return -E_INVAL;
        memcpy(out + k, b, len);
        k += len;
    }
    out[k] = 0;
    return 0;
}

int fat_name_is_short(const char *name, uint8_t out[11])
{
    memset(out, ' ', 11);
    const char *dot = strchr(name, '.');
    size_t base = dot ? (size_t)(dot - name) : strlen(name);
    size_t ext = dot ? strlen(dot + 1) : 0;
    if (base == 0 || base > 8 || ext > 3 || (dot && ext == 0) || (dot && strchr(dot + 1, '.')))
        return 0;
    for (size_t i = 0; i < base + (dot ? 1 + ext : 0); i++) {
        uint8_t c = (uint8_t)name[i];
        if (i == base)
            continue;
        if (c >= 0x80 || bad_short_char(c) || (c >= 'a' && c <= 'z'))
            return 0;
        if (i < base)
            out[i] = c;
        else
            out[8 + i - base - 1] = c;
    }
    if (out[0] == 0xE5)
        return 0;
    return 1;
}

static uint8_t short_char(uint8_t c)
{
    if (c >= 'a' && c <= 'z')
        return (uint8_t)(c - 32);
    if (c >= 0x80 || bad_short_char(c))
        return '_';
    return c;
}

void fat_short_basis(const char *name, uint8_t out[11])
{
    memset(out, ' ', 11);
    while (*name == '.')
        name++; /* leading dots are dropped (fatgen103 §7's basis-name algorithm) */
    const char *dot = strrchr(name, '.');
    int k = 0;
    for (const char *p = name; *p && p != dot && k < 8; p++) {
        if (*p == ' ' || *p == '.')
            continue;
        if ((*p & 0xC0) == 0x80)
            continue; /* one '_' per UTF-8 character, not per byte */
        out[k++] = short_char((uint8_t)*p);
    }
    if (k == 0)
        out[k++] = '_';
    if (dot) {
        k = 0;
        for (const char *p = dot + 1; *p && k < 3; p++) {
            if (*p == ' ' || (*p & 0xC0) == 0x80)
                continue;
            out[8 + k++] = short_char((uint8_t)*p);
        }
    }
}

void fat_short_tail(uint8_t name[11], uint32_t n)
{
    char digits[12];
    int d = 0;
    do {
        digits[d++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    int base = 0;
    while (base < 8 && name[base] != ' ')
        base++;
    int at = base + 1 + d > 8 ? 8 - 1 - d : base;
    name[at] = '~';
    for (int i = 0; i < d; i++)
        name[at + 1 + i] = (uint8_t)digits[d - 1 - i];
    for (int i = at + 1 + d; i < 8; i++)
        name[i] = ' ';
}

void fat_short_to_name(const uint8_t raw[32], char *out)
{
    int k = 0;
    int lower_base = raw[12] & 0x08, lower_ext = raw[12] & 0x10; /* NT's case bits */
    for (int i = 0; i < 8 && raw[i] != ' '; i++) {
        uint8_t c = i == 0 && raw[0] == 0x05 ? 0xE5 : raw[i];
        out[k++] = (char)(lower_base && c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    if (raw[8] != ' ') {
        out[k++] = '.';
        for (int i = 8; i < 11 && raw[i] != ' '; i++)
            out[k++] = (char)(lower_ext && raw[i] >= 'A' && raw[i] <= 'Z' ? raw[i] + 32 : raw[i]);
    }
    if (k == 0)
        out[k++] = '_'; /* a blank name (hostile, or damaged) still needs one to be listed and found by */
    out[k] = 0;
    /* A byte >= 0x80 (an OEM code page character) or a slash is not valid UTF-8 / a valid name for us. */
    for (int i = 0; i < k; i++)
        if ((uint8_t)out[i] >= 0x80 || out[i] == '/' || out[i] == 0)
            out[i] = '_';
}

int fat_name_equal(const char *a, const char *b)
{
    for (;; a++, b++) {
        uint8_t x = (uint8_t)*a, y = (uint8_t)*b;
        if (x >= 'a' && x <= 'z')
            x -= 32;
        if (y >= 'a' && y <= 'z')
            y -= 32;
        if (x != y)
            return 0;
        if (!x)
            return 1;
    }
}
