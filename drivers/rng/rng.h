/* /bin/rng's halves (rng.c: arguments; serve.c: the scheme). */
#ifndef RNG_RNG_H
#define RNG_RNG_H

/* Find the device, register `rand` and serve it for ever; returns only on failure: the exit status. */
int rng_serve(void);

#endif
