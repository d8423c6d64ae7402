/*
 * The FAT file system (FAT12, FAT16, FAT32 with VFAT long names) over a block cache: the part of the fatfs server
 * that knows nothing of schemes, so the host tests (tests/host/test_fatfs.c) and the fuzzer (tests/host/fuzz_fat.c)
 * build it too. Every function returns 0 (or a count) or a negative -E_* code; nothing a volume holds is trusted:
 * cluster numbers are range-checked, chains are walked at most `clusters` steps (a cycle is E_IO, never a hang),
 * a chain shorter than a file's size is E_IO where it ends, and BPB fields are checked before anything is derived
 * from them (fat_mount).
 *
 * Keeping the volume repairable on power loss. The cache writes dirty blocks in three classes, each made durable
 * (the device flushed) before the next one starts: file data, then the FAT (both copies, every FAT entry is
 * written to each FAT at once) and the FSInfo sector, then directory entries (wren/blockcache.h). So:
 *   - growing a file or making a directory: the new clusters' contents, then the FAT chain that allocates them,
 *     then the entry that points at the chain. Power lost before the entry: clusters allocated to no file, "lost
 *     chains" that fsck.fat frees; before the FAT: nothing refers to the new data.
 *   - freeing (unlink, rmdir, truncate that shrinks, the file a rename replaces): the directory entry is changed
 *     and the cache synced first, and only then are the clusters freed in the FAT (written at the next sync). A
 *     power loss in between leaves lost clusters, never an entry pointing at free or reused clusters.
 *   - rename writes the new entry and removes the old one in the same directory class: at worst both survive
 *     (two names for one chain, which fsck.fat repairs); the FSInfo free count is a hint fsck recomputes.
 * The boot sector and its backup are never written. The latest writes may be lost; the volume stays repairable.
 */
#ifndef FATFS_FAT_H
#define FATFS_FAT_H

#include <stdint.h>

#include <wren/abi.h>
#include <wren/blockcache.h>

#define FAT_NAME_MAX   255 /* UTF-16 units of a long name; its UTF-8 may be up to 3 bytes per unit */
#define FAT_NAME_BYTES 765 /* the UTF-8 buffer for one name */
#define FAT_ROOT_ID    1   /* stat id of the root */

enum fat_attr {
    FAT_ATTR_READ_ONLY = 0x01,
    FAT_ATTR_HIDDEN = 0x02,
    FAT_ATTR_SYSTEM = 0x04,
    FAT_ATTR_VOLUME_ID = 0x08,
    FAT_ATTR_DIRECTORY = 0x10,
    FAT_ATTR_ARCHIVE = 0x20,
    FAT_ATTR_LFN = 0x0F,
};

/* An open file or directory: one per on-disk entry, shared by every open of it. */
struct fat_node {
    struct fat_node *next;
    int refs;
    int is_root;
    int unlinked;    /* its entry is gone; its clusters are freed at the last close */
    int entry_dirty; /* size, first cluster or times changed since the entry was last written */
    uint32_t dir;    /* first cluster of the directory holding its entry (0: FAT12/16's fixed root) */
    uint32_t slot;   /* index of its short entry in that directory */
    uint32_t first;  /* first cluster, 0 for an empty file */
    uint32_t size;
    uint32_t nclust, last; /* clusters in its chain, and the last one (0 when empty) */
    uint8_t attr;
    uint16_t wtime, wdate;
    /* where the last access ended in the chain, so sequential I/O does not walk it from the start */
    uint32_t cur_index, cur_cluster;
};

struct fat_vol {
    struct blockcache *bc;
    int type; /* 12, 16 or 32 */
    int read_only;
    uint32_t sector_size, cluster_size;
    uint32_t num_fats, active_fat, mirror;
    uint64_t fat_offset, fat_bytes; /* FAT 0's byte offset, and each FAT's size */
    uint64_t root_offset;           /* FAT12/16: the fixed root directory */
    uint32_t root_entries;
    uint64_t data_offset; /* cluster 2 */
    uint32_t clusters;    /* data clusters: valid numbers are 2 .. clusters + 1 */
    uint32_t root_cluster;
    uint32_t fsinfo_sector; /* 0: none (or not valid) */
    uint32_t free_count, next_free;
    int fsinfo_dirty;
    int64_t (*now)(void); /* seconds since 1970 UTC, negative if unknown */
    struct fat_node root;
    struct fat_node *nodes; /* every open node but the root */
    uint32_t generation;    /* changes with every directory change (readdir's resume point depends on it) */
    struct {
        uint32_t dir, index, slot, generation;
        int valid;
    } readdir_hint;
    struct {
        uint32_t dir, index, cluster;
        int valid;
    } dir_hint; /* the last directory cluster found by index (fat_dir_slot_offset) */
};

/* What a directory scan finds: one visible entry. */
struct fat_entry {
    uint8_t raw[32];     /* the short entry */
    uint32_t slot;       /* its index in the directory */
    uint32_t first_slot; /* the first of its long-name entries (== slot without them) */
    char name[FAT_NAME_BYTES + 1];
};

/* fat_volume.c: mounting, the FAT, allocation, sync. */
long fat_mount(struct fat_vol *v, struct blockcache *bc, int read_only, int64_t (*now)(void));
void fat_unmount(struct fat_vol *v); /* frees what is left of the nodes; does not sync */
long fat_sync(struct fat_vol *v);    /* every dirty entry, FSInfo, then the cache */
long fat_get(struct fat_vol *v, uint32_t cluster, uint32_t *value);
long fat_set(struct fat_vol *v, uint32_t cluster, uint32_t value);
/* The cluster after `c` in its chain: 0 and *next, 1 at the chain's end, -E_IO for a free, bad or out-of-range link. */
long fat_next(struct fat_vol *v, uint32_t c, uint32_t *next);
int fat_cluster_ok(const struct fat_vol *v, uint32_t c);
/* A free cluster marked end-of-chain and linked after `prev` (0: none): E_NOSPC when there is none. */
long fat_alloc(struct fat_vol *v, uint32_t prev, uint32_t *out);
long fat_free_chain(struct fat_vol *v, uint32_t first);
/* The number of clusters in the chain from `first` (E_IO for a cycle or a bad link). */
long fat_chain_length(struct fat_vol *v, uint32_t first);
uint64_t fat_cluster_offset(const struct fat_vol *v, uint32_t c);
uint32_t fat_eoc(const struct fat_vol *v);
long fat_count_free(struct fat_vol *v, uint32_t *free_out);

/* fat_name.c: names. */
uint8_t fat_lfn_checksum(const uint8_t short_name[11]);
/* A long name's UTF-16 units from UTF-8: their count, E_INVAL for a name FAT cannot hold, E_NAMETOOLONG. */
long fat_name_to_utf16(const char *name, uint16_t *units);
/* Append UTF-16 unit sequence as UTF-8 to out (bounded); 0 or E_INVAL. */
long fat_utf16_to_name(const uint16_t *units, int n, char *out, size_t out_size);
/* 1 if `name` is already a short name as FAT stores it (upper case 8.3), writing its 11 bytes. */
int fat_name_is_short(const char *name, uint8_t out[11]);
/* The basis of a short name for `name` (the first 6 characters before a numeric tail are used). */
void fat_short_basis(const char *name, uint8_t out[11]);
/* Put "~n" into a basis. */
void fat_short_tail(uint8_t name[11], uint32_t n);
/* The display form of a short entry ("README.TXT", lower-cased where byte 12's case bits say). */
void fat_short_to_name(const uint8_t raw[32], char *out);
int fat_name_equal(const char *a, const char *b); /* ASCII case-insensitive */

/* fat_time.c: FAT dates and times (local time = UTC here). */
void fat_time_from_unix(int64_t secs, uint16_t *date, uint16_t *time);
int64_t fat_time_to_unix(uint16_t date, uint16_t time);

/* fat_dir.c: directories, by the first cluster of their chain (0: the fixed root of FAT12/16). */
uint32_t fat_dir_of_root(const struct fat_vol *v);
/* The next visible entry at or after slot *pos: 0 and *pos past it, 1 at the directory's end. Dot entries and the
 * volume label are skipped. */
long fat_dir_next(struct fat_vol *v, uint32_t dir, uint32_t *pos, struct fat_entry *e);
long fat_dir_lookup(struct fat_vol *v, uint32_t dir, const char *name, struct fat_entry *e);
/* A new entry `name`, which the caller found is not there (fat_dir_lookup), made from the short entry `proto`
 * (attributes, cluster, size, times; its name is replaced); *e describes it. */
long fat_dir_add(struct fat_vol *v, uint32_t dir, const char *name, const uint8_t proto[32], struct fat_entry *e);
long fat_dir_remove(struct fat_vol *v, uint32_t dir, const struct fat_entry *e);
long fat_dir_slot_offset(struct fat_vol *v, uint32_t dir, uint32_t slot, uint64_t *off);
long fat_dir_is_empty(struct fat_vol *v, uint32_t dir_cluster);
uint32_t fat_entry_cluster(const struct fat_vol *v, const uint8_t raw[32]);
void fat_entry_set_cluster(uint8_t raw[32], uint32_t c);
uint32_t fat_le32(const uint8_t *p);
uint16_t fat_le16(const uint8_t *p);
void fat_put16(uint8_t *p, uint16_t x);
void fat_put32(uint8_t *p, uint32_t x);

/* fat_file.c: the bytes of a node. */
long fat_node_read(struct fat_vol *v, struct fat_node *n, void *buf, size_t len, uint64_t off);
long fat_node_write(struct fat_vol *v, struct fat_node *n, const void *buf, size_t len, uint64_t off);
long fat_node_truncate(struct fat_vol *v, struct fat_node *n, uint64_t size);
long fat_node_write_entry(struct fat_vol *v, struct fat_node *n); /* the entry, if dirty, into the cache */
/* Learn the node's chain (nclust, last): E_IO for a cycle or a bad link. */
long fat_node_load_chain(struct fat_vol *v, struct fat_node *n);
void fat_node_touch(struct fat_vol *v, struct fat_node *n); /* the modification time is now */

/* fat_ops.c: paths ("/a/b", absolute inside the volume). */
long fat_open(struct fat_vol *v, const char *path, uint32_t flags, struct fat_node **out); /* WREN_OPEN_* */
long fat_close(struct fat_vol *v, struct fat_node *n);
long fat_fsync(struct fat_vol *v, struct fat_node *n);
long fat_stat(struct fat_vol *v, const char *path, struct wren_stat *st);
void fat_node_stat(const struct fat_vol *v, const struct fat_node *n, struct wren_stat *st);
long fat_readdir(struct fat_vol *v, const char *path, uint64_t index, struct wren_dirent *d);
long fat_unlink(struct fat_vol *v, const char *path);
long fat_mkdir(struct fat_vol *v, const char *path);
long fat_rmdir(struct fat_vol *v, const char *path);
long fat_rename(struct fat_vol *v, const char *from, const char *to);
long fat_truncate(struct fat_vol *v, const char *path, uint64_t size);
/* Size and free space of the volume (`path` must name something on it). */
long fat_statfs(struct fat_vol *v, const char *path, struct wren_statfs *st);
void fat_free_nodes(struct fat_vol *v);

#endif
