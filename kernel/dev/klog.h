/*
 * The kernel log: everything kprintf has printed since boot, in a ring of KLOG_SIZE bytes that drops the oldest
 * bytes first and counts them (lib/logring.h). It records from the first kprintf, before the console exists, so
 * /scheme/sys/log (scheme/sys_files.c, read by dmesg) shows the boot banner even though nobody was reading then.
 */
#ifndef WREN_DEV_KLOG_H
#define WREN_DEV_KLOG_H

#include "lib/logring.h"

#define KLOG_SIZE (32u << 10) /* a power of two: a boot's messages several times over */

/* One byte of kprintf's output (console.c's emit, panic). */
void klog_putc(char c);
/* The newest at most `max` bytes the log holds now, from a line start (valid until the next kprintf). */
void klog_view(struct logring_view *v, size_t max);

#endif
