/*
 * The protocol of the RTC service (`rtc -d`) on the port "sys.rtc". A client connects (port_connect) and makes calls
 * on the channel it gets; every call is the kernel's Request message, answered with the same txid:
 *
 *   Request  payload u32 op = RTC_OP_NOW, header.length 4
 *   Reply    payload u64 seconds since 1970-01-01 00:00:00 UTC, header.length 8
 *   Error    payload u32 the positive E_* code, header.length 4: E_INVAL for anything else (another op, another
 *            length, another message type, handles attached: those are closed unread)
 *
 * The generic Request/Reply/Error types of interface/ipc.yaml carry it: it needs no message type of its own. The
 * service answers one client at a time and gives each connection at most RTC_CONN_BUDGET_NS and RTC_CONN_CALLS
 * calls before it closes it, so no client holds it for long; clients waiting to connect queue in the port's
 * backlog (16, beyond that port_connect fails with E_AGAIN).
 */
#ifndef RTC_PROTO_H
#define RTC_PROTO_H

#define RTC_PORT           "sys.rtc"
#define RTC_OP_NOW         1
#define RTC_CONN_BUDGET_NS 500000000ull /* half a second per connection */
#define RTC_CONN_CALLS     64

#endif
