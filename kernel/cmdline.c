/*
 * The kernel command line (DTB /chosen bootargs; QEMU -append, U-Boot's bootargs).
 */
#include "cmdline.h"
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
