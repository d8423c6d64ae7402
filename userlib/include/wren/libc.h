/*
 * The system layer under picolibc (userlib/libc/): how a Wren syscall result becomes the
 * C library's `-1 and errno` convention.
 */
#ifndef WREN_LIBC_H
#define WREN_LIBC_H

/* picolibc's errno value for a Wren error code (E_*, positive); EIO for one it has no name for. */
int wren_errno_from(long wren_error);
/* For a syscall result: a negative -E_* sets errno and gives -1; anything else passes through. */
long wren_posix_result(long r);
/* Signal numbers: picolibc's <signal.h> (BSD numbering) to Wren's (Linux's) and back; 0 where there is none. */
int wren_signal_from_posix(int sig);
int wren_signal_to_posix(int wren_sig);

/*
 * sigaction's SA_RESTART, which picolibc's <signal.h> lacks (Linux's value): an interrupted
 * read, write or wait is made again after the handler (WREN_SIGACTION_RESTART).
 */
#ifndef SA_RESTART
#define SA_RESTART 0x10000000
#endif

#endif
