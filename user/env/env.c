/* env: print the environment, one NAME=value a line; env NAME: print that variable's value (exit 1 if unset). */
#include <stdio.h>
#include <stdlib.h>

extern char **environ;

int main(int argc, char **argv)
{
    if (argc > 2) {
        fprintf(stderr, "usage: env [name]\n");
        return 2;
    }
    if (argc == 2) {
        const char *v = getenv(argv[1]);
        if (!v)
            return 1;
        printf("%s\n", v);
        return 0;
    }
    for (char **e = environ; e && *e; e++)
        printf("%s\n", *e);
    return 0;
}
