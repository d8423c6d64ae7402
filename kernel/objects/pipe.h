/*
 * Pipes: a 4 KiB ring between a read end and a write end, each its own object, so closing
 * the last descriptor of one end is seen by the other (EOF for readers, E_PIPE for writers).
 */
#ifndef WREN_OBJECTS_PIPE_H
#define WREN_OBJECTS_PIPE_H

#include <stdbool.h>

#include "obj/object.h"

#define PIPE_SIZE 4096 /* also the atomic-write limit (POSIX PIPE_BUF) */

/* Both ends with WREN_OPEN_* `flags` (nonblock), or -E_NOMEM. */
long pipe_create(uint32_t flags, struct kobject **read_end, struct kobject **write_end);

/*
 * Named pipes (scheme/pipe_scheme.c): one pipe that a name keeps, whose ends are opened and closed by name any
 * number of times. `owner` is the name's object: each end holds a reference to it, and it frees the pipe with
 * pipe_fifo_free when it goes (so an unlinked pipe lives on while an end is open). The ring and state are the
 * owner's to charge; each end charges itself.
 */
struct pipe;
long pipe_fifo_create(struct kobject *owner, struct pipe **out); /* 0 or -E_NOMEM */
void pipe_fifo_free(struct pipe *p);
/*
 * An end of p for reading or (write) writing, with WREN_OPEN_NONBLOCK from `flags`: 0 and *out (a reference), or
 * -E_NOMEM, -E_INTR, -E_AGAIN. A side already open is shared (a reference to its end; its NONBLOCK is the first
 * opener's, as for a dup). Without NONBLOCK it waits until the other side is open too (POSIX FIFO semantics);
 * with it, a reader returns at once and a writer with no reader gets -E_AGAIN.
 */
long pipe_fifo_open(struct pipe *p, bool write, uint32_t flags, struct kobject **out);
/* What the state and ring of a named pipe take from the kernel heap, for its owner to charge. */
uint64_t pipe_fifo_cost(void);
/* Bytes waiting in it. */
uint32_t pipe_fifo_waiting(const struct pipe *p);

#endif
