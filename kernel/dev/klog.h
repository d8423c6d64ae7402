/*
 * The kernel log: everything kprintf has printed since boot, in a ring of KLOG_SIZE bytes that drops the oldest
 * bytes first and counts them (lib/logring.h). It records from the first kprintf, before the console exists, so
 * /scheme/sys/log (scheme/sys_files.c, read by dmesg) shows the boot banner even though nobody was reading then.
 */
#ifndef WREN_DEV_KLOG_H
#define WREN_DEV_KLOG_H

#include "lib/logring.h"

#define KLOG_SIZE (32u << 10) /* a power of two: a boot's messages several times over */

/* The ring itself, for klog_putc only: its buffer and size are constants, so a byte costs a few instructions. */
extern char klog_buf[KLOG_SIZE];
extern struct logring klog_ring;

/* One byte of kprintf's output (console.c's emit, panic): logring_putc with the buffer and size known. */
static inline void klog_putc(char c)
{
    klog_buf[klog_ring.written++ & (KLOG_SIZE - 1)] = c;
}
/* The newest at most `max` bytes the log holds now, from a line start (valid until the next kprintf). */
void klog_view(struct logring_view *v, size_t max);

#endif
