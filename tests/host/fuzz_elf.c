// sources: kernel/lib/elf.c
// libFuzzer entry point for the ELF validator (built by ninja; run by tests/test_fuzz.py). Every image elf_parse
// accepts is checked against what the loader relies on; a violation traps. Build and run it as shown in
// tests/host/README.md; seeds are in tests/host/corpus/elf/.
#include <stddef.h>
#include <stdint.h>

#include <wren/abi.h>

#include "lib/elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct elf_image *img, const uint8_t *data, size_t size)
{
    int entry_ok = 0;

    if (img->nsegments < 1 || img->nsegments > ELF_MAX_SEGMENTS)
        __builtin_trap();
    for (unsigned i = 0; i < img->nsegments; i++) {
        const struct elf_segment *s = &img->seg[i];
        if (s->memsz == 0 || s->filesz > s->memsz || s->offset > size || s->filesz > size - s->offset ||
            s->vaddr + s->memsz <= s->vaddr)
            __builtin_trap();
        if (i > 0 && s->vaddr < img->seg[i - 1].vaddr + img->seg[i - 1].memsz)
            __builtin_trap(); // ascending and disjoint
        if ((s->flags & ELF_PF_X) && img->entry >= s->vaddr && img->entry - s->vaddr < s->memsz)
            entry_ok = 1;
        volatile uint8_t sink = 0;
        for (uint64_t k = 0; k < s->filesz; k++)
            sink ^= data[s->offset + k]; // what the loader copies: ASan checks every byte
        (void)sink;
    }
    if (!entry_ok)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct elf_image img;
    int err = elf_parse(data, size, &img);

    if (err == 0)
        check(&img, data, size);
    else if (err != -E_NOEXEC)
        __builtin_trap();
    return 0;
}
