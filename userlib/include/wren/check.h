/*
 * A tiny self-check harness for in-guest test programs: one line per check
 * ("<prog>: ok   what -> value" or "<prog>: FAIL what -> value (want ...)") and a summary
 * "<prog>: N passed, M failed" that the host-side tests parse.
 */
#ifndef WREN_CHECK_H
#define WREN_CHECK_H

void wren_check_begin(const char *program);
/* Records and prints one check; returns got == want. */
int wren_check(const char *what, long got, long want);
/* Prints the summary; returns the exit status to use (0 if everything passed). */
int wren_check_end(void);

#endif
