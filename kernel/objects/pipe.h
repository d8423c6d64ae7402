/*
 * Pipes: a 4 KiB ring between a read end and a write end, each its own object, so closing
 * the last descriptor of one end is seen by the other (EOF for readers, E_PIPE for writers).
 */
#ifndef WREN_OBJECTS_PIPE_H
#define WREN_OBJECTS_PIPE_H

#include "obj/object.h"

#define PIPE_SIZE 4096 /* also the atomic-write limit (POSIX PIPE_BUF) */

/* Both ends with WREN_OPEN_* `flags` (nonblock), or -E_NOMEM. */
long pipe_create(uint32_t flags, struct kobject **read_end, struct kobject **write_end);

#endif
