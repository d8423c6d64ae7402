/*
 * Ports: a registry of named service endpoints. A server registers a name and gets a port
 * object; clients connect by name and wait in the port's backlog until the server accepts,
 * which makes a fresh channel and gives one end to each side. A port also broadcasts: each
 * subscriber gets the receiving end of a channel whose sending end the port keeps, and a
 * publish queues a copy of a message on every one of them.
 *
 * A port is alive while handles to it are open. When the last one goes (close, exit, crash)
 * or the port is unregistered, its name is freed, waiting clients fail with E_CONNREFUSED
 * and its subscribers' channels are closed.
 */
#ifndef WREN_OBJECTS_PORT_H
#define WREN_OBJECTS_PORT_H

#include <stdbool.h>
#include <stddef.h>

#include "obj/object.h"

#define PORT_NAME_MAX        64
#define PORT_BACKLOG         16 /* connect requests waiting for accept, per port */
#define PORT_MAX_SUBSCRIBERS 32

/* Does registering `name` need the system privilege (names under "sys.")? */
bool port_name_restricted(const char *name, size_t len);

/* Register `name` (1 to PORT_NAME_MAX bytes, checked by the caller): the new port in *out, or -E_EXIST / -E_NOMEM. */
long port_register(const char *name, size_t len, struct kobject **out);

/* Free the port's name, refuse waiting clients, close subscriptions; later accepts fail with E_PIPE. */
void port_unregister(struct kobject *port);

/*
 * Queue a connect request on the port registered as `name` and wait until it is accepted
 * (until `deadline`, 0 for none): 0 with the client's channel end in *end, or -E_NOENT,
 * -E_AGAIN (backlog full), -E_CONNREFUSED, -E_TIMEDOUT or -E_INTR.
 */
long port_connect(const char *name, size_t len, uint64_t deadline, struct kobject **end);

/*
 * Accept the oldest waiting request: 0 with the server's channel end in *end, or -E_AGAIN
 * (nonblock), -E_TIMEDOUT, -E_INTR, -E_PIPE (unregistered) or -E_NOMEM (the request stays queued).
 */
long port_accept(struct kobject *port, bool nonblock, uint64_t deadline, struct kobject **end);

/* A new subscription to `name`: 0 with the receiving channel end in *end, or -E_NOENT, -E_NOSPC, -E_NOMEM. */
long port_subscribe(const char *name, size_t len, struct kobject **end);

/*
 * Queue a copy of `msg` (checked) on every subscription without blocking: the number that got
 * it, with the number skipped because their queue was full in *skipped; or -E_PIPE.
 */
long port_publish(struct kobject *port, const struct wren_msg *msg, uint32_t *skipped);

#endif
