/*
 * Flattened device tree (DTB) reader.
 *
 * The blob is untrusted input (it comes from the boot loader). fdt_init() validates the header and walks the whole
 * structure block once, so every later call works on a blob known to be well formed; each accessor still checks
 * every offset and length it uses, so no call reads outside the blob, loops forever or recurses, whatever the input.
 *
 * Nodes are named by their offset (>= 0) inside the structure block; negative return values are FDT_ERR_* codes.
 * All multi-byte values in a DTB are big-endian (Devicetree Specification v0.4, chapter 5).
 */
#ifndef WREN_LIB_FDT_H
#define WREN_LIB_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FDT_MAGIC 0xd00dfeedu

/* Deepest node nesting accepted (root = depth 1). Real trees stay below 10. */
#define FDT_MAX_DEPTH 32

/* Error codes (negative). fdt_strerror() names them. */
enum {
    FDT_ERR_NOTFOUND = -1,     /* no such node or property */
    FDT_ERR_BADARG = -2,       /* NULL pointer or out-of-range argument from the caller */
    FDT_ERR_BADMAGIC = -3,     /* not a DTB */
    FDT_ERR_BADVERSION = -4,   /* version < 16 or last_comp_version > 17 */
    FDT_ERR_TRUNCATED = -5,    /* totalsize beyond the buffer, or a block/token runs past its end */
    FDT_ERR_BADLAYOUT = -6,    /* block offsets overlap the header or are misaligned */
    FDT_ERR_BADSTRUCTURE = -7, /* token stream malformed (unknown token, unbalanced nodes, missing END) */
    FDT_ERR_BADSTRING = -8,    /* a name or string is not NUL-terminated inside its block */
    FDT_ERR_BADOFFSET = -9,    /* a node offset that does not point at a node */
    FDT_ERR_BADVALUE = -10,    /* property present but its length or content is wrong */
    FDT_ERR_BADNCELLS = -11,   /* #address-cells/#size-cells out of range for what is being read */
    FDT_ERR_DEPTH = -12,       /* nesting deeper than FDT_MAX_DEPTH */
    FDT_ERR_BADPATH = -13,     /* malformed path or alias */
};

/* A validated blob. Fill with fdt_init(); treat the fields as private. */
struct fdt {
    const uint8_t *blob;
    uint32_t totalsize;
    uint32_t version;
    uint32_t boot_cpuid;
    uint32_t struct_off; /* structure block: offset in blob and size */
    uint32_t struct_size;
    uint32_t strings_off; /* strings block */
    uint32_t strings_size;
    uint32_t memrsv_off;   /* memory reservation map */
    uint32_t memrsv_count; /* entries before the (0, 0) terminator */
    int root;              /* offset of the root node */
};

/* Validates the blob (at most max_size bytes readable at blob) and fills *f. Returns 0 or FDT_ERR_*. */
int fdt_init(struct fdt *f, const void *blob, size_t max_size);
const char *fdt_strerror(int err);
uint32_t fdt_totalsize(const struct fdt *f);

/* Big-endian loads from property values (which are only byte-aligned in general). */
uint32_t fdt_be32(const void *p);
uint64_t fdt_be64(const void *p);

/* --- nodes --- */
int fdt_root(const struct fdt *f);
int fdt_first_child(const struct fdt *f, int node);
int fdt_next_sibling(const struct fdt *f, int node);
/* Next node in document order (depth-first); node < 0 starts at the root. */
int fdt_next_node(const struct fdt *f, int node);
/* Parent of `node` (found by walking from the root: O(size of the tree)). FDT_ERR_NOTFOUND for the root. */
int fdt_parent(const struct fdt *f, int node);
/* The node's full name ("uart@11000000"; "" for the root). *len (optional) gets its length. */
const char *fdt_node_name(const struct fdt *f, int node, int *len);
/* Child of parent whose name is name[0..len) exactly, or whose base name (before '@') is, when name has no '@'. */
int fdt_subnode(const struct fdt *f, int parent, const char *name, size_t len);
/* Path lookup: "/cpus/cpu@0", or "alias/rest" where the first component is a property of /aliases. */
int fdt_path_offset(const struct fdt *f, const char *path);
int fdt_path_offset_len(const struct fdt *f, const char *path, size_t len);
/* Value of property `name` of /aliases (a NUL-terminated path), or NULL. */
const char *fdt_alias(const struct fdt *f, const char *name, size_t len);
/* Node whose "phandle" (or legacy "linux,phandle") property equals ph. */
int fdt_node_by_phandle(const struct fdt *f, uint32_t ph);

/*
 * --- properties ---
 * Value of property `name` of `node`, or NULL; *len (optional) gets the value length, or an FDT_ERR_* code.
 */
const void *fdt_getprop(const struct fdt *f, int node, const char *name, int *len);
/* Iteration over a node's properties: returns a property offset, FDT_ERR_NOTFOUND at the end. */
int fdt_first_prop(const struct fdt *f, int node);
int fdt_next_prop(const struct fdt *f, int prop);
/* Name and value of the property at offset prop. Returns 0 or FDT_ERR_*. */
int fdt_prop_at(const struct fdt *f, int prop, const char **name, const void **value, int *len);

/* Property of exactly 4 bytes / exactly 8 bytes / either (one or two cells, as used by linux,initrd-start). */
int fdt_prop_u32(const struct fdt *f, int node, const char *name, uint32_t *out);
int fdt_prop_u64(const struct fdt *f, int node, const char *name, uint64_t *out);
int fdt_prop_cells(const struct fdt *f, int node, const char *name, uint64_t *out);
/* A string property: the value must be NUL-terminated within its length. NULL if absent or malformed. */
const char *fdt_prop_string(const struct fdt *f, int node, const char *name);
/* Reads n (1 or 2) big-endian cells into a number; 0 if n is out of range. */
uint64_t fdt_read_cells(const void *p, int n);

/* True if the NUL-separated string list list[0..len) contains str. An unterminated last entry never matches. */
bool fdt_stringlist_contains(const char *list, int len, const char *str);
bool fdt_node_is_compatible(const struct fdt *f, int node, const char *compat);
/* Next node after `after` (document order; after < 0 searches from the root) compatible with compat. */
int fdt_find_compatible(const struct fdt *f, int after, const char *compat);
/* status absent, "okay" or "ok" => true; anything else ("disabled", "fail", malformed) => false. */
bool fdt_node_is_okay(const struct fdt *f, int node);

/*
 * --- addresses ---
 * #address-cells / #size-cells that `bus` declares for its children (defaults 2 and 1 when absent).
 * Returns 0, or FDT_ERR_BADNCELLS if a value is larger than 4 (address) / 4 (size), or malformed.
 */
int fdt_bus_cells(const struct fdt *f, int bus, int *addr_cells, int *size_cells);
/* Entry `index` of node's "reg", decoded with the given cell counts (each 1..2, size may be 0). */
int fdt_read_reg_cells(const struct fdt *f, int node, int addr_cells, int size_cells, int index, uint64_t *addr,
                       uint64_t *size);
/* Entry `index` of node's "reg", honouring the PARENT's #address-cells/#size-cells. */
int fdt_read_reg(const struct fdt *f, int node, int index, uint64_t *addr, uint64_t *size);
/* Number of entries in node's "reg" for the given cell counts (>= 0), or FDT_ERR_*. */
int fdt_reg_count_cells(const struct fdt *f, int node, int addr_cells, int size_cells);

/* --- memory reservation map (/memreserve/) --- */
int fdt_memrsv_count(const struct fdt *f);
int fdt_memrsv_get(const struct fdt *f, int index, uint64_t *addr, uint64_t *size);

#endif /* WREN_LIB_FDT_H */
