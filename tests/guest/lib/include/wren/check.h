/*
 * A tiny self-check harness for in-guest test programs: one line per check
 * ("<prog>: ok   what -> value" or "<prog>: FAIL what -> value (want ...)") and a summary
 * "<prog>: N passed, M failed" that the host-side tests parse.
 */
#ifndef WREN_CHECK_H
#define WREN_CHECK_H

#include <stdint.h>
#include <wren/abi.h>

void wren_check_begin(const char *program);
/* Records and prints one check; returns got == want. */
int wren_check(const char *what, long got, long want);
/* Prints the summary; returns the exit status to use (0 if everything passed). */
int wren_check_end(void);

/* What many test programs measure around a check (each only a syscall away, but written once). */
/* Wait for child pid: its wait status, or -1000 if the wait did not reap it. */
long wren_check_wait_status(long pid);
/* Free physical memory in bytes (mem_info), or 0 if the call failed. */
uint64_t wren_check_free_bytes(void);
/* The kernel's live object, heap and handle counters (kernel_stats), zeroed if the call failed. */
struct wren_kernel_stats wren_check_kstats(void);

#endif
