/*
 * Channels: two connected ends, each with a bounded queue of messages (struct wren_msg plus
 * at most one handle in flight). A message sent on one end is queued on the other. When the
 * last reference to an end goes, its peer delivers what is queued, then one Close message,
 * then E_PIPE; the peer's senders fail with E_PIPE.
 */
#ifndef WREN_OBJECTS_CHANNEL_H
#define WREN_OBJECTS_CHANNEL_H

#include "obj/object.h"

#define CHANNEL_DEFAULT_DEPTH 8
#define CHANNEL_MAX_DEPTH     64

/* A message's priority: bits 0-1 of header.flags (interface/ipc.yaml, WREN_MSG_PRIORITY_*). */
#define CHANNEL_PRIORITY_MASK 3u
_Static_assert(WREN_MSG_PRIORITY_HIGHEST == CHANNEL_PRIORITY_MASK, "priorities fill bits 0-1 of header.flags");

/* A new channel whose ends queue `depth` messages each: 0 or -E_NOMEM. */
long channel_create(uint32_t depth, struct kobject **a, struct kobject **b);

/*
 * Queue `msg` (already in kernel memory, header checked) on the peer of `end`, with `handle`
 * (a reference the channel takes over on success; NULL for none) carrying `rights`.
 * `nonblock`: E_AGAIN when full; otherwise wait until `deadline` (0: forever).
 */
long channel_send(struct kobject *end, const struct wren_msg *msg, struct kobject *handle, uint32_t rights,
                  bool nonblock, uint64_t deadline);

/*
 * Take the first message queued on `end` (the oldest of the highest priority) and copy it to
 * *kmsg, or, if kmsg is NULL, to the user buffer `umsg`; a handle it carries is installed in
 * the caller's handle table. A message that cannot be delivered (E_FAULT, E_MFILE) stays
 * queued. Payload bytes, or E_*.
 */
long channel_receive(struct kobject *end, struct wren_msg *kmsg, user_out_ptr umsg, bool nonblock, uint64_t deadline);

/* Has the peer of `end` gone (its last reference dropped)? */
bool channel_peer_gone(struct kobject *end);

/*
 * May the handle to `moving` be queued on the peer of `end` (channel_transfer)? 0, or -E_INVAL / -E_BUSY for a move
 * that could close a cycle of handles in flight, which would outlive every process (the rule is in channel.c).
 */
long channel_check_transfer(struct kobject *end, struct kobject *moving);

/* Copy in and check a user's message; `type`: what header.type becomes (0: keep it, if known). 0 or E_*. */
long channel_fetch_msg(struct wren_msg *m, user_in_ptr umsg, uint32_t type);

/* channel_send of a message still in user memory (copied straight into the peer's queue when it has room). */
long channel_send_user(struct kobject *end, user_in_ptr umsg, bool nonblock, uint64_t deadline);

/*
 * Send the user's message at `msg` as a Request on `end` and wait for the next message on it,
 * which overwrites it (the fast path). A closed peer is E_PIPE.
 */
long channel_call(struct kobject *end, user_inout_ptr msg, uint64_t deadline);

/*
 * Send the user's message at `msg` on `reply_end` without waiting for room (skipped if
 * reply_end is NULL), then receive the next message on `receive_end` into it (the fast path).
 */
long channel_reply_receive(struct kobject *reply_end, struct kobject *receive_end, user_inout_ptr msg,
                           uint64_t deadline);

#endif
