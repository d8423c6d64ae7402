/*
 * The kernel command line (DTB /chosen bootargs; QEMU -append, U-Boot's bootargs).
 */
#include "lib/cmdline.h"
#include "lib/string.h"

bool cmdline_has(const char *args, const char *word)
{
    if (!args || !word || !word[0])
        return false;
    size_t n = strlen(word);
    for (const char *p = args; *p;) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *start = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if ((size_t)(p - start) == n && memcmp(start, word, n) == 0)
            return true;
    }
    return false;
}

/* Append s[0..n) and a NUL to buf at *len, if it fits. */
static bool append(char *buf, size_t size, size_t *len, const char *s, size_t n)
{
    if (n + 1 > size - *len)
        return false;
    memcpy(buf + *len, s, n);
    buf[*len + n] = 0;
    *len += n + 1;
    return true;
}

size_t cmdline_init_args(const char *args, const char *prog, char *buf, size_t size)
{
    size_t len = 0;
    bool after_dashes = false;

    if (!prog || !buf || !append(buf, size, &len, prog, strlen(prog)))
        return 0;
    for (const char *p = args ? args : ""; *p;) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *start = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        size_t n = (size_t)(p - start);
        if (n == 0)
            break;
        if (after_dashes) {
            if (!append(buf, size, &len, start, n))
                return 0;
        } else if (n == 2 && start[0] == '-' && start[1] == '-') {
            after_dashes = true;
        }
    }
    return len;
}
