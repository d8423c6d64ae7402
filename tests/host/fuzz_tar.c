// sources: kernel/lib/tar.c
// libFuzzer entry point for the ustar reader (built by ninja; run by tests/test_fuzz.py). Looks up a few fixed paths
// and the name the input's own first header carries, and checks that whatever is found lies inside the input; then
// walks the whole input with tar_next, checking that the walk ends within one call per block, that every entry's
// data lies inside the input and its path is a well-formed C string within TAR_PATH_MAX, and that every error
// says why.
// Build and run it as shown in tests/host/README.md; seeds are in tests/host/corpus/tar/.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <wren/abi.h>

#include "lib/tar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void lookup(const uint8_t *archive, size_t size, const char *path)
{
    const void *found = NULL;
    size_t len = 0;
    int err = tar_find(archive, size, path, &found, &len);

    if (err == -E_NOENT || err == -E_INVAL)
        return;
    if (err != 0)
        __builtin_trap(); // an error code the interface does not name
    const uint8_t *p = found;
    // File data lies inside the archive and starts on a 512-byte block boundary after its header.
    if (p < archive + 512 || (size_t)(p - archive) > size || len > size - (size_t)(p - archive) ||
        (size_t)(p - archive) % 512 != 0)
        __builtin_trap();
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < len; i++)
        sink ^= p[i]; // ASan checks every byte
    (void)sink;
}

static void walk(const uint8_t *archive, size_t size)
{
    static struct tar_iter it;
    struct tar_entry e;
    size_t calls = 0;
    volatile uint8_t sink = 0;

    tar_iter_init(&it, archive, size);
    for (;;) {
        int r = tar_next(&it, &e);
        if (++calls > size / 512 + 2)
            __builtin_trap(); // the walk must always make progress
        if (r == 0)
            break;
        if (r == -E_INVAL) {
            if (it.error == NULL || e.offset >= size || e.offset % 512 != 0)
                __builtin_trap();
            continue;
        }
        if (r != 1)
            __builtin_trap();
        const uint8_t *p = e.data;
        if (p < archive + 512 || (size_t)(p - archive) > size || e.size > size - (size_t)(p - archive) ||
            (size_t)(p - archive) % 512 != 0 || e.offset >= (size_t)(p - archive))
            __builtin_trap();
        if (e.path_len > TAR_PATH_MAX || strlen(e.path) != e.path_len || e.path[0] == '/')
            __builtin_trap();
        for (size_t i = 0; i < e.size; i++)
            sink ^= p[i];
    }
    if (tar_next(&it, &e) != 0)
        __builtin_trap(); // an ended walk stays ended
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    walk(data, size);

    static const char *const paths[] = {"bin/init", "/etc/motd", "./bin/init", "absent", "", "/"};
    char own[300];

    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        lookup(data, size, paths[i]);

    // "prefix/name" of the first header, each field up to its NUL, so lookups can match names the fuzzer chose.
    if (size >= 512) {
        size_t plen = strnlen((const char *)data + 345, 155);
        size_t nlen = strnlen((const char *)data, 100);
        size_t n = 0;
        if (plen) {
            memcpy(own, data + 345, plen);
            n = plen;
            own[n++] = '/';
        }
        memcpy(own + n, data, nlen);
        own[n + nlen] = '\0';
        lookup(data, size, own);
        lookup(data, size, own + (plen ? plen + 1 : 0)); // the name alone
    }
    return 0;
}
