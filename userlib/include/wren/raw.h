/* Raw syscall entry for tests and fuzzers; programs use <wren/syscalls.h>. */
#ifndef WREN_RAW_H
#define WREN_RAW_H

#include <stdint.h>

long wren_syscall6(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5);

#endif
