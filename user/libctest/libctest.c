#include <stdio.h>
#include <stdlib.h>
#include <math.h>
int main(void)
{
    printf("hello %d %f %g\n", 42, sqrt(2.0), sin(1.0));
    char *p = malloc(100000);
    printf("p=%p\n", p);
    free(p);
    return 3;
}
