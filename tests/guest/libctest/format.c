/* printf and friends, floating point included. */
#include <stdio.h>
#include <string.h>

#include "libctest.h"

void test_format(void)
{
    char buf[128];

    snprintf(buf, sizeof(buf), "%d|%5d|%-4d|%x|%lX|%o|%c|%s|%%", -42, 7, 3, 255u, 0xabcdefUL, 8u, 'w', "wren");
    check_str("snprintf integers and strings", buf, "-42|    7|3   |ff|ABCDEF|10|w|wren|%");
    snprintf(buf, sizeof(buf), "%f|%.3f|%8.2f|%e|%g|%g|%g", 1.41421356237, 2.5, -3.14159, 12345.678, 0.0001, 1e-5,
             123456789.0);
    check_str("snprintf floating point", buf, "1.414214|2.500|   -3.14|1.234568e+04|0.0001|1e-05|1.23457e+08");
    /* 2.675 is 2.67499999999999982236431605997495353221893310546875 in binary: exact conversion rounds down. */
    snprintf(buf, sizeof(buf), "%.2f", 2.675);
    check_str("%.2f of 2.675 rounds the binary value", buf, "2.67");
    volatile double third = 1.0 / 3;
    snprintf(buf, sizeof(buf), "%.10f|%.3g|%#.0f", third, third * 1e6, 2.0);
    check_str("precision and flags", buf, "0.3333333333|3.33e+05|2.");
    snprintf(buf, sizeof(buf), "%f %f", 1.0 / 0.0, -1.0 / 0.0);
    check_str("snprintf infinities", buf, "inf -inf");

    int n = snprintf(buf, 8, "%s", "truncated output");
    wren_check("snprintf returns the untruncated length", n, 16);
    check_str("snprintf truncates and terminates", buf, "truncat");

    int a = 0;
    double d = 0;
    char word[16];
    int got = sscanf("17 2.5 sparrow", "%d %lf %15s", &a, &d, word);
    wren_check("sscanf converts three fields", got, 3);
    wren_check("sscanf int", a, 17);
    check_near("sscanf double", d, 2.5, 0);
    check_str("sscanf string", word, "sparrow");

    /* Through stdout (fd 1): tests/test_libc.py looks for these lines on the console. */
    printf("libctest: printf %s %d %.6f\n", "says", 42, 3.14159265358979);
    fputs("libctest: fputs to stderr\n", stderr);
    fflush(stdout);
}
