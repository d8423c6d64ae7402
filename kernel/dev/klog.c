/* The kernel log ring (dev/klog.h). One CPU: kprintf and a reader never run at once. */
#include "dev/klog.h"

char klog_buf[KLOG_SIZE];
/* Statically set up, so the very first kprintf (before any init function has run) is kept. */
struct logring klog_ring = {klog_buf, KLOG_SIZE, 0};

void klog_view(struct logring_view *v, size_t max)
{
    logring_view(&klog_ring, v, max);
}
