/*
 * The RTC service (rtc -d, started by init): the driver keeps the PL031 open and answers, on the port "sys.rtc", the
 * calls of programs that may not open the device themselves (proto.h). It registers the restricted name while it
 * still holds the system privilege, then gives the privilege up: the handle and mapping it already has keep working,
 * and a bug in the loop below can no longer open devices or take other `sys.` names.
 *
 * One client at a time, each for a bounded while (RTC_CONN_BUDGET_NS, RTC_CONN_CALLS), every answer sent without
 * blocking: a client that sends nothing, floods, stops reading its replies or goes away mid-call costs the others at
 * most that budget and never stops the service. Handles a client attaches are closed at once, so it cannot fill the
 * service's handle table.
 */
#include <string.h>
#include <wren/scheme_server.h>
#include <wren/syscalls.h>

#include "pl031.h"
#include "proto.h"
#include "rtc.h"

#define PAUSE_NS 10000000ull /* after a failed accept (no memory, handle table full): let the system recover */

static long answer(wren_handle_t ch, const struct wren_msg *in, uint32_t type, const void *data, uint32_t len)
{
    struct wren_msg out = {0};
    out.header.type = type;
    out.header.txid = in->header.txid;
    out.header.length = len;
    memcpy(out.payload, data, len);
    return wren_send(ch, &out, WREN_IPC_NONBLOCK, 0);
}

/* Answer one message: 0 to go on, negative to end the connection. */
static long serve_msg(struct driver_device *rtc, wren_handle_t ch, struct wren_msg *m)
{
    uint32_t handles = m->header.handle_count;
    if (handles > WREN_MSG_PAYLOAD_SIZE / sizeof(wren_handle_t))
        handles = WREN_MSG_PAYLOAD_SIZE / sizeof(wren_handle_t);
    for (uint32_t i = 0; i < handles; i++) {
        wren_handle_t h;
        memcpy(&h, m->payload + i * sizeof(h), sizeof(h));
        wren_close((wren_fd_t)h);
    }
    uint32_t op;
    memcpy(&op, m->payload, sizeof(op));
    if (m->header.type == WREN_MSG_REQUEST && m->header.length == sizeof(op) && !handles && op == RTC_OP_NOW) {
        uint64_t now = pl031_now(rtc);
        return answer(ch, m, WREN_MSG_REPLY, &now, sizeof(now));
    }
    uint32_t err = E_INVAL;
    return answer(ch, m, WREN_MSG_ERROR, &err, sizeof(err));
}

static void serve_connection(struct driver_device *rtc, wren_handle_t ch)
{
    long start = wren_get_time(WREN_CLOCK_MONOTONIC);
    for (int calls = 0; calls < RTC_CONN_CALLS; calls++) {
        long left = (long)RTC_CONN_BUDGET_NS - (wren_get_time(WREN_CLOCK_MONOTONIC) - start);
        if (left <= 0)
            return;
        struct wren_msg m = {0}; /* the payload past header.length is then zeros, not an old message's bytes */
        if (wren_receive(ch, &m, 0, (uint64_t)left) < 0 || m.header.type == WREN_MSG_CLOSE)
            return; /* timed out, the client went, or its message brings a handle we have no room for */
        if (serve_msg(rtc, ch, &m) < 0)
            return; /* its queue is full (it does not read) or it has gone */
    }
}

/*
 * The scheme `rtc` (scheme.c) is served by a child of the service: the port's accept and a scheme's receive each
 * block, and no event queue waits on both, so each gets a process of its own. Both names are taken here, while the
 * privilege is still held; the child keeps the clock's mapping (fork gives it) and the registration, the parent the
 * port. If the scheme cannot be registered (the name is taken), the service still answers on the port.
 */
static void start_scheme(struct driver_device *rtc, long port)
{
    long server = wren_scheme_register_name("rtc");
    if (server < 0)
        return;
    long pid = wren_fork();
    if (pid == 0) {
        wren_close((wren_fd_t)port);
        wren_port_drop_privilege();
        wren_exit(rtc_serve_scheme(rtc, (wren_handle_t)server));
    }
    wren_close((wren_fd_t)server); /* the child's now (or nobody's, if the fork failed: the name is free again) */
}

int rtc_serve(struct driver_device *rtc)
{
    long port = wren_port_register(RTC_PORT, sizeof(RTC_PORT) - 1);
    if (port < 0)
        return 1;
    start_scheme(rtc, port);
    wren_port_drop_privilege();
    for (;;) {
        long ch = wren_port_accept((wren_handle_t)port, 0, 0);
        if (ch == -E_INTR)
            continue;
        if (ch == -E_PIPE || ch == -E_BADHANDLE)
            return 1; /* the port is gone: nothing left to serve */
        if (ch < 0) {
            wren_sleep(PAUSE_NS);
            continue;
        }
        serve_connection(rtc, (wren_handle_t)ch);
        wren_channel_close((wren_handle_t)ch);
    }
}
