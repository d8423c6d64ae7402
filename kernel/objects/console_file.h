/*
 * The console as a file: what descriptors 0, 1 and 2 of init are, and what open("console:")
 * gives. Reads return the bytes typed so far, blocking until there is at least one; there is
 * no line discipline in the kernel (the shell edits lines itself). Writes go to the UART.
 */
#ifndef WREN_OBJECTS_CONSOLE_FILE_H
#define WREN_OBJECTS_CONSOLE_FILE_H

#include "obj/object.h"

/* Start console input (interrupt-driven if `intid` is usable, polled otherwise). */
void console_file_init(uint32_t intid, bool edge);
/* A new console object opened with WREN_OPEN_* `flags`, or NULL without memory. */
struct kobject *console_file_open(uint32_t flags);

/* The most bytes one write to the console takes (debug_write and console descriptors); more is a short write. */
#define CONSOLE_WRITE_MAX 16384

/*
 * Write up to CONSOLE_WRITE_MAX of the count bytes of user memory to the console (debug_write and console
 * descriptors): bytes written or -E_FAULT.
 */
long console_write_user(user_in_ptr buf, size_t count);

#endif
