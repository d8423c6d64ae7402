// sources: servers/lib/blockcache.c servers/fatfs/fat_volume.c servers/fatfs/fat_name.c servers/fatfs/fat_time.c
// sources: servers/fatfs/fat_dir.c servers/fatfs/fat_file.c servers/fatfs/fat_ops.c
// libFuzzer entry point for the FAT parser (built by ninja; run by tests/test_fuzz.py). The input is the start of a
// volume that reads as 48 MiB (zeros past the input; writes there are dropped), so a few KiB can carry a FAT32 BPB.
// If it mounts, every directory is listed (to a bounded depth), every file read, and then files and directories
// are made, written, renamed, truncated and removed, and the volume synced: each call must return 0 or an -E_*
// code the interface names, and nothing may crash, hang or leak. Seeds are in tests/host/corpus/fat/.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fat_host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int64_t fixed_now(void)
{
    return 1700000000;
}

static void check(long r)
{
    if (r > 0)
        return;
    switch (-r) {
    case 0:
    case E_NOENT:
    case E_IO:
    case E_NOMEM:
    case E_BUSY:
    case E_EXIST:
    case E_NOTDIR:
    case E_ISDIR:
    case E_INVAL:
    case E_NOSPC:
    case E_NOTEMPTY:
    case E_NAMETOOLONG:
    case E_TOOBIG: return;
    default: __builtin_trap(); // an error no FAT operation should give
    }
}

static unsigned budget;

static void walk(struct fat_vol *v, const char *path, int depth)
{
    for (uint64_t i = 0; i < 64 && budget > 0; i++, budget--) {
        struct wren_dirent d;
        long r = fat_readdir(v, path, i, &d);
        check(r);
        if (r < 0)
            return;
        if (d.name_len != strlen((char *)d.name) || d.name_len == 0 || strchr((char *)d.name, '/'))
            __builtin_trap();
        char child[1024];
        size_t n = strlen(path);
        if (n + 1 + d.name_len + 1 > sizeof(child))
            continue;
        memcpy(child, path, n);
        child[n] = '/';
        memcpy(child + n + 1, d.name, d.name_len + 1);
        struct wren_stat st;
        check(fat_stat(v, child, &st));
        if (d.type == WREN_FILE_TYPE_DIRECTORY) {
            if (depth < 6)
                walk(v, child, depth + 1);
            continue;
        }
        struct fat_node *f;
        r = fat_open(v, child, WREN_OPEN_READ, &f);
        check(r);
        if (r < 0)
            continue;
        static uint8_t buf[8192];
        for (uint64_t off = 0; off < 65536; off += sizeof(buf)) {
            r = fat_node_read(v, f, buf, sizeof(buf), off);
            check(r);
            if (r <= 0)
                break;
            if ((size_t)r > sizeof(buf))
                __builtin_trap();
        }
        check(fat_close(v, f));
    }
}

static void change(struct fat_vol *v)
{
    static const char text[] = "fuzzed volume, written anyway";
    struct fat_node *f;
    long r = fat_open(v, "/new file with a long name.txt", WREN_OPEN_WRITE | WREN_OPEN_CREATE, &f);
    check(r);
    if (r == 0) {
        check(fat_node_write(v, f, text, sizeof(text), 0));
        check(fat_node_write(v, f, text, sizeof(text), 5000));
        check(fat_node_truncate(v, f, 100));
        check(fat_close(v, f));
    }
    check(fat_mkdir(v, "/D"));
    check(fat_rename(v, "/new file with a long name.txt", "/D/moved"));
    check(fat_rename(v, "/D", "/E"));
    for (uint64_t i = 0; i < 4; i++) { // change what the volume already had, too
        struct wren_dirent d;
        if (fat_readdir(v, "/", i, &d) < 0)
            break;
        char p[300] = "/";
        memcpy(p + 1, d.name, d.name_len + 1);
        check(fat_truncate(v, p, 3));
        check(fat_unlink(v, p));
        check(fat_rmdir(v, p));
    }
    check(fat_unlink(v, "/E/moved"));
    check(fat_rmdir(v, "/E"));
    check(fat_sync(v));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mem_dev m = {malloc(size ? size : 1), size, 48u << 20, 0, 0};
    memcpy(m.data, data, size);
    struct bc_dev dev = mem_bc_dev(&m);
    struct blockcache *bc = bc_create(&dev, m.size, 4096, 32);
    static struct fat_vol v;
    if (bc && fat_mount(&v, bc, 0, fixed_now) == 0) {
        budget = 2000;
        walk(&v, "/", 0);
        change(&v);
        fat_unmount(&v);
    }
    bc_destroy(bc);
    free(m.data);
    return 0;
}
