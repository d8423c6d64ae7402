/*
 * The shell's environment: picolibc's environ, which crt0 points at the block the shell was
 * started with (init gives it PATH and HOME). export and NAME=value change it with setenv; every
 * program the shell runs gets it whole through exec's envp, plus its own NAME=value words
 * (applied in the forked child, so the shell's stays as it was).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh.h"

extern char **environ;

long env_block(char *buf, size_t size)
{
    size_t len = 0;
    for (char **e = environ; e && *e; e++) {
        size_t n = strlen(*e) + 1;
        if (len + n > size)
            return -1;
        memcpy(buf + len, *e, n);
        len += n;
    }
    return (long)len;
}

int env_assign(char *const *words, int n)
{
    for (int i = 0; i < n; i++) {
        char *eq = strchr(words[i], '=');
        if (!eq || eq == words[i]) {
            fprintf(stderr, "sh: %s: not NAME=value\n", words[i]);
            return -1;
        }
        *eq = 0; /* the word is the shell's own copy (the pipeline's store) */
        int r = setenv(words[i], eq + 1, 1);
        *eq = '=';
        if (r < 0) {
            fprintf(stderr, "sh: %s: cannot set\n", words[i]);
            return -1;
        }
    }
    return 0;
}
