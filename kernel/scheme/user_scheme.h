/*
 * User-space scheme servers, as the syscall layer sees them (interface/syscalls/scheme_server.yaml, the protocol in
 * interface/scheme_protocol.yaml). A registration is a kernel object (WREN_OBJECT_SCHEME_SERVER) whose handles the
 * server holds; its scheme is in the registry (scheme.h) while it lives, and its operations, and those of the files
 * it opens, become requests the server receives and answers (user_scheme_core.h has the inside).
 */
#ifndef WREN_SCHEME_USER_SCHEME_H
#define WREN_SCHEME_USER_SCHEME_H

#include <stddef.h>
#include <stdint.h>

#include "obj/object.h"
#include "syscall_table.h"

/* Register name[0..len) (checked here) for the calling process: 0 and a new registration in *out, or E_*. */
long user_scheme_register(const char *name, size_t len, struct kobject **out);

#define US_SERVE_REPLY    1u /* apply the reply at `reply` first */
#define US_SERVE_RECEIVE  2u /* then receive the next request into `out` and `buf` */
#define US_SERVE_NONBLOCK 4u /* without waiting: E_AGAIN if there is none */
/* scheme_reply, scheme_receive and scheme_reply_receive: what `how` asks, 0 or E_* (see the YAML). */
long user_scheme_serve(struct kobject *server, user_in_ptr reply, user_out_ptr out, user_inout_buf buf, uint32_t how);

/* For kernel_stats: whole client pages granted to servers, bytes copied between clients and servers. */
extern uint64_t us_pages_granted, us_bytes_copied;

#endif
