/*
 * Device objects: a node of the device tree opened by a user-space driver (device_open). The
 * object stands for the device's registers (mmap maps them, Device-nGnRE, through map_page)
 * and its interrupt (event_subscribe WREN_EVENT_IRQ with the device as source). A device is
 * open in one place at a time: the object is on a list of open devices from device_open until
 * its last reference (handle or mapping) goes, and a second open of it, or of a device sharing
 * a page of registers with it, is refused.
 */
#ifndef WREN_OBJECTS_DEVICE_H
#define WREN_OBJECTS_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/fdt.h"
#include "obj/object.h"
#include "dev/device_tree.h"
#include "dev/platform.h"

/* At boot: the tree device_open searches (kept for the kernel's lifetime) and what the kernel uses itself. */
void device_init(const struct fdt *f, const struct platform *p);

/* Open the device name[0..len) (kernel memory) names: a new object with one reference, or a negative E_*. */
long device_open(const char *name, size_t len, struct kobject **out);

/* What the tree says of an open device. */
const struct dt_device *device_desc(const struct kobject *o);

#endif
