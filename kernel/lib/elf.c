/*
 * ELF64 validation. Field offsets from the System V ABI gABI "ELF-64 Object File Format"
 * and the AArch64 ELF ABI (EM_AARCH64 = 183). Values are read byte by byte, so the file may
 * sit at any alignment inside the initrd.
 */
#include <stdbool.h>

#include <wren/abi.h>

#include "lib/elf.h"

#define EHDR_SIZE     64
#define PHDR_SIZE     56
#define ET_EXEC       2
#define EM_AARCH64    183
#define PT_LOAD       1
#define PT_INTERP     3
#define ELF_MAX_PHNUM 64

static uint64_t rd(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static bool range_ok(uint64_t off, uint64_t len, uint64_t size)
{
    return off <= size && len <= size - off;
}

static int parse_phdr(const uint8_t *ph, uint64_t size, struct elf_image *out)
{
    uint64_t type = rd(ph, 4);

    /* A program interpreter means a dynamically linked program: nothing here can run it. */
    if (type == PT_INTERP)
        return -E_NOEXEC;
    if (type != PT_LOAD)
        return 0;
    struct elf_segment s = {
        .flags = (uint32_t)rd(ph + 4, 4),
        .offset = rd(ph + 8, 8),
        .vaddr = rd(ph + 16, 8),
        .filesz = rd(ph + 32, 8),
        .memsz = rd(ph + 40, 8),
    };
    if (s.memsz == 0)
        return 0;
    if (out->nsegments == ELF_MAX_SEGMENTS || s.filesz > s.memsz || !range_ok(s.offset, s.filesz, size) ||
        s.vaddr + s.memsz < s.vaddr)
        return -E_NOEXEC;
    /* Segments must ascend without overlap, as the gABI requires of PT_LOAD entries. */
    if (out->nsegments) {
        const struct elf_segment *prev = &out->seg[out->nsegments - 1];
        if (s.vaddr < prev->vaddr + prev->memsz)
            return -E_NOEXEC;
    }
    out->seg[out->nsegments++] = s;
    return 0;
}

int elf_parse(const void *file, size_t size, struct elf_image *out)
{
    const uint8_t *f = file;

    *out = (struct elf_image){0};
    if (!f || size < EHDR_SIZE)
        return -E_NOEXEC;
    if (f[0] != 0x7f || f[1] != 'E' || f[2] != 'L' || f[3] != 'F')
        return -E_NOEXEC;
    /* ELFCLASS64, little-endian, EV_CURRENT; executable for AArch64. */
    if (f[4] != 2 || f[5] != 1 || f[6] != 1 || rd(f + 16, 2) != ET_EXEC || rd(f + 18, 2) != EM_AARCH64 ||
        rd(f + 20, 4) != 1)
        return -E_NOEXEC;

    uint64_t phoff = rd(f + 32, 8);
    uint64_t phentsize = rd(f + 54, 2);
    uint64_t phnum = rd(f + 56, 2);
    if (phentsize != PHDR_SIZE || phnum == 0 || phnum > ELF_MAX_PHNUM || !range_ok(phoff, phnum * PHDR_SIZE, size))
        return -E_NOEXEC;

    for (uint64_t i = 0; i < phnum; i++) {
        int err = parse_phdr(f + phoff + i * PHDR_SIZE, size, out);
        if (err)
            return err;
    }
    if (out->nsegments == 0)
        return -E_NOEXEC;

    /* The entry point must be inside an executable segment. */
    out->entry = rd(f + 24, 8);
    for (unsigned i = 0; i < out->nsegments; i++) {
        const struct elf_segment *s = &out->seg[i];
        if ((s->flags & ELF_PF_X) && out->entry >= s->vaddr && out->entry - s->vaddr < s->memsz)
            return 0;
    }
    return -E_NOEXEC;
}
