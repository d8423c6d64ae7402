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

#include <stdbool.h>
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

/* The node name[0..len) names (a path, or a compatible string: dt_device_find), or a negative E_*. */
long device_find(const char *name, size_t len);
/* Decode `node` as device_open would (registers, interrupt, the kernel's claims): 0 or a negative E_*. */
long device_decode_node(int node, struct dt_device *dt);
/* Open `node` (device_open once the node is found). */
long device_open_node(int node, struct kobject **out);

/*
 * The nodes a driver may open (enabled, registers described, not the kernel's), in document order, at most
 * DEVICE_LIST_MAX: their count, and *nodes. For the mmio and irq schemes' listings.
 */
#define DEVICE_LIST_MAX 256
int device_list(const int **nodes);
/* A node's name ("pl031@9010000") and its compatible property (NUL-separated strings; NULL and 0 if none). */
const char *device_node_name(int node, int *len);
const char *device_node_compatible(int node, int *len);

/* What the tree says of an open device. */
const struct dt_device *device_desc(const struct kobject *o);

#endif
