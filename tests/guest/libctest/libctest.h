/* libctest: the C library (picolibc over userlib/libc) checked from inside the guest. */
#ifndef LIBCTEST_H
#define LIBCTEST_H

#include <wren/check.h>

/* Checks beyond wren_check's integers; each prints one ok/FAIL line. */
int check_str(const char *what, const char *got, const char *want);
int check_near(const char *what, double got, double want, double tol);

void test_format(void);
void test_heap(void);
void test_text(void);
void test_math(void);
void test_errno(void);
void test_processes(void);

/* Children run by test_processes: `libctest <mode>`. Returns only for an unknown mode. */
int child_main(const char *mode);

/* tp.S: the EL0 thread pointer (TPIDR_EL0), which holds this process's TLS block (errno). */
unsigned long tp_get(void);
void tp_set(unsigned long tp);

#endif
