/* Asking the RTC service (proto.h) for the time: what `rtc` does without the privilege to open the clock. */
#include <string.h>
#include <wren/syscalls.h>

#include "proto.h"
#include "rtc.h"

#define CONNECT_NS 5000000000ull /* the service serves one client at a time, each briefly: a queue drains fast */
#define CALL_NS    2000000000ull
#define RETRY_NS   50000000ull
#define RETRIES    20 /* about a second: a service init just started may not have registered yet */

long rtc_ask(uint32_t *now)
{
    long ch = -E_NOENT;
    for (int i = 0; i <= RETRIES; i++) {
        ch = wren_port_connect(RTC_PORT, sizeof(RTC_PORT) - 1, CONNECT_NS);
        if (ch != -E_NOENT && ch != -E_AGAIN)
            break;
        wren_sleep(RETRY_NS);
    }
    if (ch < 0)
        return ch;
    struct wren_msg m = {0};
    uint32_t op = RTC_OP_NOW;
    m.header.length = sizeof(op);
    m.header.txid = 1;
    memcpy(m.payload, &op, sizeof(op));
    long r = wren_call((wren_handle_t)ch, &m, CALL_NS);
    wren_channel_close((wren_handle_t)ch);
    if (r < 0)
        return r;
    if (m.header.type == WREN_MSG_ERROR && m.header.length >= 4) {
        uint32_t err;
        memcpy(&err, m.payload, sizeof(err));
        return -(long)err;
    }
    if (m.header.type != WREN_MSG_REPLY || m.header.length != sizeof(uint64_t) || m.header.txid != 1)
        return -E_IO; /* not an answer of this protocol */
    uint64_t t;
    memcpy(&t, m.payload, sizeof(t));
    *now = (uint32_t)t;
    return 0;
}
