/*
 * libctest: run as /bin/init by tests/test_libc.py, with itself as /bin/libctest for the
 * children that must die (assert, abort) or show what exit() flushes.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "libctest.h"

int check_str(const char *what, const char *got, const char *want)
{
    int ok = strcmp(got, want) == 0;
    if (!ok)
        printf("libctest: got \"%s\", want \"%s\"\n", got, want);
    return wren_check(what, ok, 1);
}

int check_near(const char *what, double got, double want, double tol)
{
    int ok = fabs(got - want) <= tol;
    if (!ok)
        printf("libctest: got %.17g, want %.17g (within %g)\n", got, want, tol);
    return wren_check(what, ok, 1);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        return child_main(argv[1]);
    wren_check_begin("libctest");
    test_format();
    test_text();
    test_math();
    test_errno();
    test_processes();
    test_heap();
    return wren_check_end();
}
