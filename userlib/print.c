/* Console output without a C library (see wren/print.h). */
#include <wren/print.h>
#include <wren/syscalls.h>

size_t wren_strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

void wren_print(const char *s)
{
    size_t len = wren_strlen(s);
    /* The kernel writes a long string in pieces (debug_write's limit per call). */
    while (len) {
        long n = wren_debug_write(s, len);
        if (n <= 0)
            return;
        s += n, len -= (size_t)n;
    }
}

void wren_print_dec(long v)
{
    char buf[24];
    size_t i = sizeof(buf);
    /* Negate in unsigned arithmetic so LONG_MIN works too. */
    unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;

    buf[--i] = 0;
    do {
        buf[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        buf[--i] = '-';
    wren_print(buf + i);
}

void wren_print_hex(uint64_t v)
{
    char buf[19] = "0x";
    for (int i = 0; i < 16; i++)
        buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xf];
    buf[18] = 0;
    wren_print(buf);
}
