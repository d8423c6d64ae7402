/* The rand scheme (waits for the user-space scheme servers of issue 13). */
#include "entropy.h"
#include "rng.h"

int rng_serve(void)
{
    struct entropy e;
    if (entropy_open(&e) < 0)
        return 1;
    entropy_close(&e);
    return 1;
}
