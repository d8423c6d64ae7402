/*
 * oom: run as /bin/init by tests/test_memory.py, and from the shell by tests/test_shell.py.
 *
 * With no argument: reserves far more memory than the machine has and touches it page by page:
 * the kernel must end this program ("out of memory") when RAM runs out, not fail itself, and get
 * every page back.
 *
 * "oom ramfs": writes a file in the ramfs until memory runs out; the write that finds none must
 * fail with E_NOMEM (the program that asked is told, and lives on); then removes the file.
 */
#include <stdint.h>
#include <string.h>

#include <wren/print.h>
#include <wren/syscalls.h>

static uint8_t chunk[64 * 1024];

static int fill_ramfs(void)
{
    static const char path[] = "/oom.fill";
    long fd = wren_open(path, sizeof(path) - 1, WREN_OPEN_WRITE | WREN_OPEN_CREATE | WREN_OPEN_TRUNCATE);
    uint64_t total = 0;
    long ret;

    if (fd < 0) {
        wren_print("oom: cannot create /oom.fill\n");
        return 1;
    }
    wren_print("oom: writing /oom.fill until memory runs out\n");
    while ((ret = wren_write(fd, chunk, sizeof(chunk))) > 0)
        total += (uint64_t)ret;
    /* Nothing new may be touched until the file is gone: memory is out. */
    wren_close(fd);
    wren_unlink(path, sizeof(path) - 1);
    wren_print("oom: write failed with ");
    wren_print(ret == -E_NOMEM ? "E_NOMEM" : "another error");
    wren_print(" after ");
    wren_print_dec(total >> 20);
    wren_print(" MiB; file removed\n");
    return ret == -E_NOMEM ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "ramfs") == 0)
        return fill_ramfs();
    const uint64_t len = 64ull << 30; /* 64 GiB of address space */
    long a = wren_mmap(0, len, WREN_PROT_READ | WREN_PROT_WRITE, WREN_MAP_PRIVATE | WREN_MAP_ANONYMOUS, -1, 0);
    if (a < 0) {
        wren_print("oom: mmap failed\n");
        return 1;
    }
    wren_print("oom: touching pages until memory runs out\n");
    for (uint64_t off = 0; off < len; off += 4096)
        *(volatile uint8_t *)(a + off) = 1;
    wren_print("oom: touched 64 GiB?!\n");
    return 0;
}
