/* How the benchmark programs (bench, schemebench, threadbench, smpbench) print a figure: "bench: KEY VALUE" lines. */
#ifndef WREN_BENCH_REPORT_H
#define WREN_BENCH_REPORT_H

#include <stdint.h>

/* "bench: KEY I.FF" for a value kept in hundredths (x100 = 12345 prints 123.45). */
void bench_print_x100(const char *key, uint64_t x100);
/* ticks of the counter over n operations, as instructions per operation (under -icount one instruction is one ns). */
void bench_report(const char *key, uint64_t ticks, uint64_t n);

#endif
