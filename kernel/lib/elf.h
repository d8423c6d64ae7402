/*
 * ELF64 executable validation for the loader. The file is untrusted: elf_parse() checks
 * every header field and every segment against the file size before anyone uses them.
 */
#ifndef WREN_LIB_ELF_H
#define WREN_LIB_ELF_H

#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS 8

#define ELF_PF_X 1
#define ELF_PF_W 2
#define ELF_PF_R 4

struct elf_segment {
    uint64_t vaddr;
    uint64_t memsz;
    uint64_t offset; /* file offset of the first byte */
    uint64_t filesz; /* bytes from the file; the rest up to memsz is zero */
    uint32_t flags;  /* ELF_PF_* */
};

struct elf_image {
    uint64_t entry;
    unsigned nsegments;
    struct elf_segment seg[ELF_MAX_SEGMENTS]; /* PT_LOAD only, ascending, disjoint */
};

/* 0, or -E_NOEXEC when the file is not a well-formed static AArch64 executable. */
int elf_parse(const void *file, size_t size, struct elf_image *out);

#endif
