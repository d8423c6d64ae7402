// sources: kernel/lib/elf.c
// ELF64 validation (elf_parse) on executables written here field by field: a minimal valid AArch64 ET_EXEC with a
// text and a bss-carrying data segment, then one rejection per header field and segment rule, the boundaries on
// both sides of each limit, truncation at every length, and a deterministic mutation loop whose every accepted
// image is checked against the guarantees the loader relies on. Every parse runs on an exact-size heap copy at an
// odd address, so ASan catches any read past the file and UBSan any wide misaligned load.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wren/abi.h>

#include "lib/elf.h"
#include "unit.h"

#define EHDR 64
#define PHDR 56

#define PT_NULL      0
#define PT_LOAD      1
#define PT_DYNAMIC   2
#define PT_INTERP    3
#define PT_NOTE      4
#define PT_PHDR      6
#define PT_TLS       7
#define PT_GNU_STACK 0x6474e551u
#define PT_GNU_RELRO 0x6474e552u
#define PT_GNU_PROP  0x6474e553u
#define R            ELF_PF_R
#define W            ELF_PF_W
#define X            ELF_PF_X

// The minimal image: ehdr, two program headers at 64, then 32 bytes of text and 16 bytes of data.
#define TEXT_OFF   176
#define TEXT_SIZE  32
#define DATA_OFF   208
#define DATA_SIZE  16
#define MIN_SIZE   224
#define TEXT_VADDR 0x41000000ull
#define DATA_VADDR 0x41010000ull
#define DATA_MEMSZ 0x2000ull
#define ENTRY      (TEXT_VADDR + 8)

// --- an ELF writer ---

struct ph {
    uint32_t type;
    uint32_t flags;
    uint64_t offset;
    uint64_t vaddr;
    uint64_t filesz;
    uint64_t memsz;
};

struct spec {
    uint64_t entry;
    uint64_t phoff;
    int nph;
    struct ph ph[80];
};

static void put16(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 2; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put32(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static struct spec minimal(void)
{
    struct spec s = {
        .entry = ENTRY,
        .phoff = EHDR,
        .nph = 2,
        .ph =
            {
                {PT_LOAD, R | X, TEXT_OFF, TEXT_VADDR, TEXT_SIZE, TEXT_SIZE},
                {PT_LOAD, R | W, DATA_OFF, DATA_VADDR, DATA_SIZE, DATA_MEMSZ},
            },
    };
    return s;
}

// Room for more program headers: move the table behind the contents (the parser does not care where it is).
static struct spec *spacious(struct spec *s)
{
    s->phoff = MIN_SIZE;
    return s;
}

// Writes the file into buf (at least 8 KiB) and returns its size: max(MIN_SIZE, end of the header table).
static size_t elf_write(const struct spec *s, uint8_t *buf)
{
    size_t size = MIN_SIZE;
    size_t table_end = (size_t)s->phoff + (size_t)s->nph * PHDR;

    if (s->phoff < 4096 && table_end > size)
        size = table_end;
    memset(buf, 0, size);
    memcpy(buf, "\177ELF", 4);
    buf[4] = 2;           // ELFCLASS64
    buf[5] = 1;           // ELFDATA2LSB
    buf[6] = 1;           // EV_CURRENT
    put16(buf + 16, 2);   // ET_EXEC
    put16(buf + 18, 183); // EM_AARCH64
    put32(buf + 20, 1);   // e_version
    put64(buf + 24, s->entry);
    put64(buf + 32, s->phoff);
    put16(buf + 52, EHDR);
    put16(buf + 54, PHDR);
    put16(buf + 56, (uint64_t)s->nph);
    for (int i = 0; s->phoff < 4096 && i < s->nph; i++) {
        uint8_t *p = buf + s->phoff + (size_t)i * PHDR;
        if (s->phoff == EHDR && i >= 2 && table_end > TEXT_OFF)
            abort(); // the table would overwrite the contents: use spacious()
        put32(p + 0, s->ph[i].type);
        put32(p + 4, s->ph[i].flags);
        put64(p + 8, s->ph[i].offset);
        put64(p + 16, s->ph[i].vaddr);
        put64(p + 24, s->ph[i].vaddr); // p_paddr
        put64(p + 32, s->ph[i].filesz);
        put64(p + 40, s->ph[i].memsz);
        put64(p + 48, 0x10000); // p_align
    }
    // Text: "mov x0, #0; b ." repeated; data: a recognisable pattern.
    for (int i = 0; i < TEXT_SIZE; i += 8) {
        put32(buf + TEXT_OFF + i, 0xd2800000);
        put32(buf + TEXT_OFF + i + 4, 0x14000000);
    }
    for (int i = 0; i < DATA_SIZE; i++)
        buf[DATA_OFF + i] = (uint8_t)(0xd0 + i);
    return size;
}

// --- parsing ---

// What the loader relies on when elf_parse returns 0.
static int image_ok(const struct elf_image *img, size_t size)
{
    int ok = 1;
    int entry_ok = 0;

    ok &= EXPECT_TRUE(img->nsegments >= 1 && img->nsegments <= ELF_MAX_SEGMENTS);
    for (unsigned i = 0; ok && i < img->nsegments; i++) {
        const struct elf_segment *s = &img->seg[i];
        ok &= EXPECT_TRUE(s->memsz > 0);
        ok &= EXPECT_TRUE(s->filesz <= s->memsz);
        ok &= EXPECT_TRUE(s->offset <= size && s->filesz <= size - s->offset);
        ok &= EXPECT_TRUE(s->vaddr + s->memsz > s->vaddr);
        if (i > 0)
            ok &= EXPECT_TRUE(s->vaddr >= img->seg[i - 1].vaddr + img->seg[i - 1].memsz);
        if ((s->flags & X) && img->entry >= s->vaddr && img->entry - s->vaddr < s->memsz)
            entry_ok = 1;
    }
    ok &= EXPECT_TRUE(entry_ok);
    return ok;
}

// elf_parse on a heap copy of f[0..n) that starts at an odd address and ends exactly where the file does. A
// successful result is checked with image_ok() and every file byte it names is read (for ASan).
static int parse(const uint8_t *f, size_t n, struct elf_image *img)
{
    uint8_t *buf = malloc(n + 1);
    unsigned sum = 0;

    if (buf == NULL)
        abort();
    memcpy(buf + 1, f, n);
    memset(img, 0xa5, sizeof(*img));
    int err = elf_parse(buf + 1, n, img);
    if (err == 0 && image_ok(img, n)) {
        for (unsigned i = 0; i < img->nsegments; i++)
            for (uint64_t k = 0; k < img->seg[i].filesz; k++)
                sum += buf[1 + img->seg[i].offset + k];
    } else if (err != 0) {
        EXPECT_EQ(err, -E_NOEXEC);
    }
    free(buf);
    (void)sum;
    return err;
}

static uint8_t file_buf[8192];

static int check_spec(const struct spec *s, int want, int line)
{
    struct elf_image img;
    size_t n = elf_write(s, file_buf);
    int err = parse(file_buf, n, &img);

    if (err == want)
        return 1;
    unit_fail_header(__FILE__, line);
    fprintf(stderr, "elf_parse = %d, want %d\n", err, want);
    return 0;
}

static int check_bytes(const uint8_t *f, size_t n, int want, int line)
{
    struct elf_image img;
    int err = parse(f, n, &img);

    if (err == want)
        return 1;
    unit_fail_header(__FILE__, line);
    fprintf(stderr, "elf_parse = %d, want %d\n", err, want);
    return 0;
}

#define EXPECT_ACCEPT(s)       check_spec((s), 0, __LINE__)
#define EXPECT_REJECT(s)       check_spec((s), -E_NOEXEC, __LINE__)
#define EXPECT_BYTES(f, n, rc) check_bytes((f), (n), (rc), __LINE__)

static int seg_eq(const struct elf_segment *g, const struct ph *w, int line)
{
    if (g->vaddr == w->vaddr && g->memsz == w->memsz && g->offset == w->offset && g->filesz == w->filesz &&
        g->flags == w->flags)
        return 1;
    unit_fail_header(__FILE__, line);
    fprintf(stderr,
            "segment {vaddr %#llx memsz %#llx offset %#llx filesz %#llx flags %u}\n"
            "    want {vaddr %#llx memsz %#llx offset %#llx filesz %#llx flags %u}\n",
            (unsigned long long)g->vaddr, (unsigned long long)g->memsz, (unsigned long long)g->offset,
            (unsigned long long)g->filesz, g->flags, (unsigned long long)w->vaddr, (unsigned long long)w->memsz,
            (unsigned long long)w->offset, (unsigned long long)w->filesz, w->flags);
    return 0;
}

#define EXPECT_SEG(g, w) seg_eq((g), (w), __LINE__)

// --- the valid image ---

TEST(minimal_executable)
{
    struct spec s = minimal();
    size_t n = elf_write(&s, file_buf);
    struct elf_image img;

    ASSERT_EQ(n, MIN_SIZE);
    ASSERT_EQ(parse(file_buf, n, &img), 0);
    EXPECT_EQ(img.entry, ENTRY);
    ASSERT_EQ(img.nsegments, 2);
    EXPECT_SEG(&img.seg[0], &s.ph[0]);
    EXPECT_SEG(&img.seg[1], &s.ph[1]);
    EXPECT_EQ(img.seg[0].flags, ELF_PF_R | ELF_PF_X);
    EXPECT_EQ(img.seg[1].memsz - img.seg[1].filesz, DATA_MEMSZ - DATA_SIZE);
    EXPECT_EQ(file_buf[img.seg[1].offset], 0xd0);

    // Unaligned buffer, and the same file at every alignment.
    for (int a = 0; a < 8; a++) {
        uint8_t *buf = malloc(n + 8);
        memcpy(buf + a, file_buf, n);
        EXPECT_EQ(elf_parse(buf + a, n, &img), 0);
        EXPECT_EQ(img.entry, ENTRY);
        free(buf);
    }
}

TEST(entry_bounds)
{
    struct spec s = minimal();

    s.entry = TEXT_VADDR;
    EXPECT_ACCEPT(&s); // first byte
    s.entry = TEXT_VADDR + TEXT_SIZE - 1;
    EXPECT_ACCEPT(&s); // last byte
    s.entry = TEXT_VADDR + TEXT_SIZE;
    EXPECT_REJECT(&s); // one past the end
    s.entry = TEXT_VADDR - 1;
    EXPECT_REJECT(&s);
    s.entry = 0;
    EXPECT_REJECT(&s);
    s.entry = UINT64_MAX;
    EXPECT_REJECT(&s);
    s.entry = DATA_VADDR; // inside a segment, but not an executable one
    EXPECT_REJECT(&s);
    s.entry = DATA_VADDR + DATA_MEMSZ - 1;
    EXPECT_REJECT(&s);
    s.entry = (TEXT_VADDR + TEXT_SIZE + DATA_VADDR) / 2; // in the gap
    EXPECT_REJECT(&s);

    // Executable data segment: now the entry may be there (in its zero-filled part too).
    s.ph[1].flags = R | W | X;
    s.entry = DATA_VADDR + DATA_MEMSZ - 4;
    EXPECT_ACCEPT(&s);

    // Text that is not executable.
    s = minimal();
    s.ph[0].flags = R;
    EXPECT_REJECT(&s);
    s.ph[0].flags = 0;
    EXPECT_REJECT(&s);
    s.ph[0].flags = R | W;
    EXPECT_REJECT(&s);
    s.ph[0].flags = X;
    EXPECT_ACCEPT(&s);
    s.ph[0].flags = 0xfffffff0u | R; // unknown high bits do not make it executable
    EXPECT_REJECT(&s);
}

// --- the ELF header ---

TEST(bad_identification)
{
    struct spec s = minimal();
    size_t n = elf_write(&s, file_buf);
    static uint8_t f[MIN_SIZE];

    for (int i = 0; i < 4; i++) {
        memcpy(f, file_buf, n);
        f[i] ^= 0x20;
        EXPECT_BYTES(f, n, -E_NOEXEC);
        f[i] = 0;
        EXPECT_BYTES(f, n, -E_NOEXEC);
    }
    static const struct {
        int at;
        uint8_t value;
    } bad[] = {
        {4, 0}, {4, 1}, {4, 3},    // ELFCLASSNONE, ELFCLASS32, nonsense
        {5, 0}, {5, 2}, {5, 3},    // ELFDATANONE, big-endian, nonsense
        {6, 0}, {6, 2}, {6, 0xff}, // EI_VERSION
    };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        memcpy(f, file_buf, n);
        f[bad[k].at] = bad[k].value;
        if (!EXPECT_BYTES(f, n, -E_NOEXEC))
            fprintf(stderr, "    e_ident[%d] = %u\n", bad[k].at, bad[k].value);
    }
    // OS ABI and padding are not looked at.
    memcpy(f, file_buf, n);
    f[7] = 3; // ELFOSABI_LINUX
    f[15] = 0xff;
    EXPECT_BYTES(f, n, 0);
}

TEST(bad_header_fields)
{
    struct spec s = minimal();
    size_t n = elf_write(&s, file_buf);
    static uint8_t f[MIN_SIZE];
    static const struct {
        int at;
        int width;
        uint64_t value;
    } bad[] = {
        {16, 2, 0},          {16, 2, 1},      {16, 2, 3},                  // ET_NONE, ET_REL, ET_DYN
        {16, 2, 4},          {16, 2, 0xfe00}, {16, 2, 0x0200},             // ET_CORE, ET_LOOS, ET_EXEC byte-swapped
        {18, 2, 62},         {18, 2, 40},     {18, 2, 0},                  // EM_X86_64, EM_ARM, EM_NONE
        {18, 2, 0xb700},     {18, 2, 243},                                 // EM_AARCH64 byte-swapped, EM_RISCV
        {20, 4, 0},          {20, 4, 2},      {20, 4, 0x101},              // e_version
        {20, 4, 0x01000000},                                               // e_version byte-swapped
        {54, 2, 0},          {54, 2, 32},     {54, 2, 55},                 // e_phentsize: 32 is Elf32_Phdr
        {54, 2, 57},         {54, 2, 64},     {54, 2, 0x3800}, {56, 2, 0}, // e_phnum
        {56, 2, 65},         {56, 2, 0xffff},                              // above the limit; PN_XNUM
    };

    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        memcpy(f, file_buf, n);
        if (bad[k].width == 2)
            put16(f + bad[k].at, bad[k].value);
        else
            put32(f + bad[k].at, bad[k].value);
        if (!EXPECT_BYTES(f, n, -E_NOEXEC))
            fprintf(stderr, "    field at %d = %#llx\n", bad[k].at, (unsigned long long)bad[k].value);
    }
    // The fields the parser has no use for do not matter.
    memcpy(f, file_buf, n);
    put64(f + 40, UINT64_MAX); // e_shoff
    put32(f + 48, 0xffffffff); // e_flags
    put16(f + 52, 0);          // e_ehsize
    put16(f + 58, 12345);      // e_shentsize
    put16(f + 60, 0xffff);     // e_shnum
    put16(f + 62, 0xffff);     // e_shstrndx
    EXPECT_BYTES(f, n, 0);
}

TEST(too_short_or_null)
{
    struct spec s = minimal();
    size_t n = elf_write(&s, file_buf);
    struct elf_image img;

    EXPECT_EQ(elf_parse(NULL, n, &img), -E_NOEXEC);
    EXPECT_EQ(elf_parse(NULL, 0, &img), -E_NOEXEC);
    EXPECT_EQ(elf_parse(file_buf, 0, &img), -E_NOEXEC);
    EXPECT_BYTES(file_buf, EHDR - 1, -E_NOEXEC);
    EXPECT_BYTES(file_buf, EHDR, -E_NOEXEC); // header alone: the table is missing
}

TEST(phnum_limit)
{
    struct spec s = minimal();

    spacious(&s);
    EXPECT_ACCEPT(&s);
    // 64 headers: the two loads and 62 notes and nulls.
    for (s.nph = 2; s.nph < 64; s.nph++)
        s.ph[s.nph] = (struct ph){s.nph % 2 ? PT_NOTE : PT_NULL, R, 0, 0, 0, 0};
    EXPECT_ACCEPT(&s);
    s.ph[s.nph++] = (struct ph){PT_NOTE, R, 0, 0, 0, 0};
    EXPECT_EQ(s.nph, 65);
    EXPECT_REJECT(&s);
}

// --- the program header table ---

TEST(phoff_out_of_range)
{
    struct spec s = minimal();
    size_t n = elf_write(&s, file_buf);
    static uint8_t f[MIN_SIZE];
    const uint64_t bad[] = {
        n,
        n - 1,
        n - 2 * PHDR + 1, // one byte of the table past the end
        n + 1,
        0x100000000ull,
        UINT64_MAX,
        UINT64_MAX - 2 * PHDR + 1, // phoff + phnum * 56 wraps to 0
        UINT64_MAX - PHDR + 1,     // wraps in the middle of the table
        1ull << 63,
    };

    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        memcpy(f, file_buf, n);
        put64(f + 32, bad[k]);
        if (!EXPECT_BYTES(f, n, -E_NOEXEC))
            fprintf(stderr, "    e_phoff = %#llx\n", (unsigned long long)bad[k]);
    }

    // The table ending exactly at the end of the file is fine, one byte more is not.
    spacious(&s);
    n = elf_write(&s, file_buf);
    EXPECT_EQ(n, MIN_SIZE + 2 * PHDR);
    EXPECT_BYTES(file_buf, n, 0);
    EXPECT_BYTES(file_buf, n - 1, -E_NOEXEC);
}

// --- segments ---

TEST(segment_file_range)
{
    struct spec s = minimal();

    s.ph[1].filesz = DATA_SIZE + 1; // one byte past the end of the file
    EXPECT_REJECT(&s);
    s = minimal();
    s.ph[1].offset = DATA_OFF + 1;
    EXPECT_REJECT(&s);
    s.ph[1].offset = MIN_SIZE + 1;
    s.ph[1].filesz = 0;
    EXPECT_REJECT(&s); // even an empty file part must start inside the file
    s.ph[1].offset = MIN_SIZE;
    EXPECT_ACCEPT(&s); // ...or exactly at its end
    s.ph[1].offset = UINT64_MAX - 7;
    s.ph[1].filesz = 16; // offset + filesz wraps to 8
    EXPECT_REJECT(&s);
    // A single segment of almost 2^64 bytes from offset 8: nothing else wrong with it.
    s = minimal();
    s.nph = 1;
    s.ph[0] = (struct ph){PT_LOAD, R | X, 8, 0, UINT64_MAX - 8, UINT64_MAX - 8};
    s.entry = 8;
    EXPECT_REJECT(&s);
    s.ph[0].filesz = MIN_SIZE - 8;
    EXPECT_ACCEPT(&s);
    s = minimal();
    s.ph[0].offset = MIN_SIZE - TEXT_SIZE + 1; // the text this time
    EXPECT_REJECT(&s);
    s.ph[0].offset = 0; // a text segment that maps the headers too, as linkers often do
    EXPECT_ACCEPT(&s);
}

TEST(filesz_and_memsz)
{
    struct spec s = minimal();

    s.ph[1].memsz = DATA_SIZE - 1;
    EXPECT_REJECT(&s);
    s.ph[1].memsz = DATA_SIZE;
    EXPECT_ACCEPT(&s);
    s.ph[1].filesz = 0; // pure bss
    s.ph[1].memsz = 1;
    EXPECT_ACCEPT(&s);
    s.ph[0].filesz = TEXT_SIZE;
    s.ph[0].memsz = TEXT_SIZE - 1;
    s.entry = TEXT_VADDR;
    EXPECT_REJECT(&s);
}

TEST(vaddr_overflow)
{
    struct spec s = minimal();

    s.ph[1].vaddr = 0xfffffffffffff000ull; // + 0x2000 wraps
    EXPECT_REJECT(&s);
    s.ph[1].vaddr = 0xffffffffffffe000ull; // ends exactly at 2^64: the end address is not representable
    EXPECT_REJECT(&s);
    s.ph[1].vaddr = 0xffffffffffffd000ull;
    EXPECT_ACCEPT(&s);
    s.ph[1].vaddr = DATA_VADDR;
    s.ph[1].memsz = UINT64_MAX;
    EXPECT_REJECT(&s);
    // The text, placed last so that the order is right: it wraps by 16 bytes.
    s = minimal();
    struct ph text = s.ph[0];
    s.ph[0] = s.ph[1];
    s.ph[1] = text;
    s.ph[1].vaddr = UINT64_MAX - 15;
    s.entry = UINT64_MAX - 8;
    EXPECT_REJECT(&s);
    s.ph[1].vaddr = UINT64_MAX - 0x1000;
    s.entry = UINT64_MAX - 0x1000;
    EXPECT_ACCEPT(&s);
}

TEST(overlapping_and_descending)
{
    struct spec s = minimal();

    s.ph[1].vaddr = TEXT_VADDR + TEXT_SIZE - 1; // overlaps the text's last byte
    EXPECT_REJECT(&s);
    s.ph[1].vaddr = TEXT_VADDR + TEXT_SIZE; // adjacent
    EXPECT_ACCEPT(&s);
    s.ph[1].vaddr = TEXT_VADDR; // same start
    EXPECT_REJECT(&s);
    s.ph[1].vaddr = TEXT_VADDR - 0x10000; // below: descending
    EXPECT_REJECT(&s);

    // Swapped table order, each segment well-formed on its own.
    s = minimal();
    struct ph t = s.ph[0];
    s.ph[0] = s.ph[1];
    s.ph[1] = t;
    EXPECT_REJECT(&s);

    // Three segments: the third overlaps the first but not the second.
    s = minimal();
    spacious(&s);
    s.ph[2] = (struct ph){PT_LOAD, R, DATA_OFF, TEXT_VADDR + 8, 0, 8};
    s.nph = 3;
    EXPECT_REJECT(&s);
    s.ph[2].vaddr = DATA_VADDR + DATA_MEMSZ;
    EXPECT_ACCEPT(&s);
    s.ph[2].vaddr = DATA_VADDR + DATA_MEMSZ - 1;
    EXPECT_REJECT(&s);
}

TEST(fields_are_64_bit)
{
    // Values that differ from valid ones only above bit 31: a parser reading 32 bits would get these wrong.
    const uint64_t hi = 1ull << 32;
    struct spec s = minimal();

    s.ph[1].offset = hi + DATA_OFF;
    EXPECT_REJECT(&s);
    s = minimal();
    s.ph[1].filesz = hi + DATA_SIZE;
    s.ph[1].memsz = hi + DATA_MEMSZ;
    EXPECT_REJECT(&s);
    s = minimal();
    s.ph[0].memsz = hi + TEXT_SIZE;
    s.ph[1].vaddr = TEXT_VADDR + hi; // overlaps the now huge text
    EXPECT_REJECT(&s);
    s.ph[1].vaddr = TEXT_VADDR + hi + TEXT_SIZE;
    s.ph[1].memsz = hi + DATA_MEMSZ;
    s.entry = TEXT_VADDR + hi; // in the text's zero-filled part
    size_t n = elf_write(&s, file_buf);
    struct elf_image img;
    if (EXPECT_EQ(parse(file_buf, n, &img), 0) && EXPECT_EQ(img.nsegments, 2)) {
        EXPECT_SEG(&img.seg[0], &s.ph[0]);
        EXPECT_SEG(&img.seg[1], &s.ph[1]);
        EXPECT_EQ(img.entry, TEXT_VADDR + hi);
    }
    s = minimal();
    s.entry = ENTRY + hi;
    EXPECT_REJECT(&s);

    s = minimal();
    n = elf_write(&s, file_buf);
    put64(file_buf + 32, hi + EHDR); // e_phoff
    EXPECT_BYTES(file_buf, n, -E_NOEXEC);
}

static struct spec eight_loads(void)
{
    struct spec s = minimal();

    spacious(&s);
    for (int i = 2; i < ELF_MAX_SEGMENTS; i++)
        s.ph[i] = (struct ph){PT_LOAD, R, DATA_OFF, DATA_VADDR + 0x10000ull * (uint64_t)i, 4, 0x100};
    s.nph = ELF_MAX_SEGMENTS;
    return s;
}

TEST(segment_count_limit)
{
    struct spec s = eight_loads();
    size_t n = elf_write(&s, file_buf);
    struct elf_image img;

    ASSERT_EQ(parse(file_buf, n, &img), 0);
    ASSERT_EQ(img.nsegments, ELF_MAX_SEGMENTS);
    for (int i = 0; i < ELF_MAX_SEGMENTS; i++)
        EXPECT_SEG(&img.seg[i], &s.ph[i]);

    s.ph[s.nph++] = (struct ph){PT_LOAD, R, DATA_OFF, 0x50000000, 4, 0x100};
    EXPECT_REJECT(&s);
    s.ph[8].type = PT_NOTE; // a ninth header that is not a load is fine
    EXPECT_ACCEPT(&s);
    s.ph[8].type = PT_LOAD; // so is a ninth load that occupies no memory
    s.ph[8].memsz = 0;
    s.ph[8].filesz = 0;
    EXPECT_ACCEPT(&s);
}

TEST(zero_memsz_loads_are_ignored)
{
    struct spec s = minimal();
    spacious(&s);
    // Out of order and pointing outside the file: it would be rejected for either reason if it counted.
    struct ph empty = {PT_LOAD, R | W | X, UINT64_MAX - 3, 0x10, 0, 0};

    for (int at = 0; at <= 2; at++) {
        s = minimal();
        spacious(&s);
        memmove(&s.ph[at + 1], &s.ph[at], sizeof(s.ph[0]) * (size_t)(2 - at));
        s.ph[at] = empty;
        s.nph = 3;
        size_t n = elf_write(&s, file_buf);
        struct elf_image img;
        if (!EXPECT_EQ(parse(file_buf, n, &img), 0))
            continue;
        struct spec m = minimal();
        EXPECT_EQ(img.nsegments, 2);
        EXPECT_SEG(&img.seg[0], &m.ph[0]);
        EXPECT_SEG(&img.seg[1], &m.ph[1]);
        EXPECT_EQ(img.entry, ENTRY);
    }
    // Only zero-sized loads: nothing to run.
    s = minimal();
    s.ph[0].memsz = s.ph[0].filesz = 0;
    s.ph[1].memsz = s.ph[1].filesz = 0;
    EXPECT_REJECT(&s);
}

TEST(other_program_headers_are_ignored)
{
    static const uint32_t types[] = {PT_NULL,      PT_NOTE,     PT_PHDR,     PT_TLS,      PT_GNU_STACK,
                                     PT_GNU_RELRO, PT_GNU_PROP, 0x70000000u, 0x6fffffffu, 0xffffffffu};

    for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
        struct spec s = minimal();
        spacious(&s);
        // Every field nonsense: a load like this would be rejected several times over.
        s.ph[2] = (struct ph){types[k], R | W | X, UINT64_MAX, UINT64_MAX - 1, UINT64_MAX, 1};
        s.ph[3] = (struct ph){types[k], 0, 0, 0, 0, 0};
        s.nph = 4;
        size_t n = elf_write(&s, file_buf);
        struct elf_image img;
        int ok = EXPECT_EQ(parse(file_buf, n, &img), 0);
        if (ok) {
            ok &= EXPECT_EQ(img.nsegments, 2);
            ok &= EXPECT_SEG(&img.seg[0], &s.ph[0]) & EXPECT_SEG(&img.seg[1], &s.ph[1]);
        }
        if (!ok)
            fprintf(stderr, "    p_type %#x\n", types[k]);
    }
    // A table with no load at all.
    struct spec s = minimal();
    s.ph[0].type = PT_NOTE;
    s.ph[1].type = PT_GNU_STACK;
    EXPECT_REJECT(&s);
}

TEST(dynamically_linked_is_rejected)
{
    // An executable that asks for a program interpreter is not a static one: there is nobody to run it.
    struct spec s = minimal();
    spacious(&s);
    s.ph[2] = (struct ph){PT_INTERP, R, TEXT_OFF, TEXT_VADDR, 16, 16};
    s.nph = 3;
    EXPECT_REJECT(&s);
    s.ph[2].type = PT_NOTE;
    EXPECT_ACCEPT(&s);
}

// --- truncation and mutation ---

TEST(truncated_at_every_length)
{
    struct spec specs[3] = {minimal(), eight_loads(), minimal()};
    spacious(&specs[2]); // table at the end of the file

    for (int k = 0; k < 3; k++) {
        static uint8_t f[8192];
        size_t n = elf_write(&specs[k], f);
        for (size_t len = 0; len < n; len++)
            if (!EXPECT_BYTES(f, len, -E_NOEXEC)) // every byte up to the end is needed
                fprintf(stderr, "    spec %d cut at %zu of %zu\n", k, len, n);
        EXPECT_BYTES(f, n, 0);
        // Extra bytes after the end change nothing.
        memset(f + n, 0xcc, 100);
        EXPECT_BYTES(f, n + 100, 0);
    }
}

static uint64_t rng_state = 0xe1f5eed0badc0deull;

static uint32_t rng(void)
{
    // xorshift64*: fixed seed, so a failure reproduces exactly.
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

// Offsets of multi-byte fields the parser reads, relative to their header, and values worth writing there.
static const uint8_t ehdr_fields[] = {16, 18, 20, 24, 32, 54, 56};
static const uint8_t phdr_fields[] = {0, 4, 8, 16, 32, 40};
static const uint64_t interesting[] = {
    0,
    1,
    2,
    3,
    4,
    7,
    55,
    56,
    57,
    64,
    65,
    183,
    0xffff,
    0x7fffffff,
    0x80000000,
    0xffffffff,
    TEXT_VADDR,
    DATA_VADDR,
    DATA_MEMSZ,
    MIN_SIZE,
    0x8000000000000000ull,
    UINT64_MAX,
    UINT64_MAX - 55,
};

TEST(mutation_loop)
{
    struct spec specs[4] = {minimal(), eight_loads(), minimal(), minimal()};
    spacious(&specs[2]);
    specs[2].ph[2] = (struct ph){PT_NOTE, R, 0, 0, 0, 0};
    specs[2].ph[3] = (struct ph){PT_GNU_STACK, R | W, 0, 0, 0, 0};
    specs[2].ph[4] = (struct ph){PT_LOAD, R, 0, 0, 0, 0};
    specs[2].nph = 5;
    specs[3].ph[1].flags = R | W | X;
    const int rounds = 20000;
    int accepted = 0;
    int exact = 0;
    static uint8_t orig[8192];
    static uint8_t f[8192];

    for (int r = 0; r < rounds; r++) {
        const struct spec *s = &specs[r % 4];
        size_t n = elf_write(s, orig);
        size_t len = n;
        size_t table = (size_t)s->phoff;
        size_t table_end = table + (size_t)s->nph * PHDR;
        memcpy(f, orig, n);

        if (r % 5 == 0) {
            // Bytes the parser must not care about: segment contents and each header's p_paddr and p_align.
            int count = 1 + (int)(rng() % 6);
            for (int k = 0; k < count; k++) {
                size_t at;
                if (rng() % 2) {
                    at = TEXT_OFF + rng() % (TEXT_SIZE + DATA_SIZE);
                } else {
                    size_t hdr = table + (rng() % (unsigned)s->nph) * PHDR;
                    size_t field = rng() % 2 ? 24 : 48;
                    at = hdr + field + rng() % 8;
                }
                f[at] = (uint8_t)rng();
            }
            struct elf_image a;
            struct elf_image b;
            int ea = parse(orig, n, &a);
            int eb = parse(f, n, &b);
            int ok =
                EXPECT_EQ(ea, 0) & EXPECT_EQ(eb, 0) & EXPECT_EQ(a.entry, b.entry) & EXPECT_EQ(a.nsegments, b.nsegments);
            for (unsigned i = 0; ok && i < a.nsegments; i++) {
                struct ph w = {PT_LOAD,        a.seg[i].flags,  a.seg[i].offset,
                               a.seg[i].vaddr, a.seg[i].filesz, a.seg[i].memsz};
                ok &= EXPECT_SEG(&b.seg[i], &w);
            }
            if (!ok) {
                fprintf(stderr, "    round %d\n", r);
                return;
            }
            exact++;
            continue;
        }

        int count = 1 + (int)(rng() % 4);
        for (int k = 0; k < count; k++) {
            // (One rng() call per expression: the order of calls within one is unspecified.)
            switch (rng() % 6) {
            case 0: {
                size_t at = rng() % EHDR;
                f[at] ^= (uint8_t)(1u << (rng() % 8));
                break;
            }
            case 1: {
                size_t at = table + rng() % (table_end - table);
                f[at] = (uint8_t)rng();
                break;
            }
            case 2:
            case 3: {
                uint64_t v = interesting[rng() % (sizeof(interesting) / sizeof(interesting[0]))];
                uint8_t at = ehdr_fields[rng() % sizeof(ehdr_fields)];
                if (at >= 24 && at < 40)
                    put64(f + at, v);
                else if (at == 20)
                    put32(f + at, v);
                else
                    put16(f + at, v);
                break;
            }
            case 4: {
                uint64_t v = interesting[rng() % (sizeof(interesting) / sizeof(interesting[0]))];
                uint8_t fld = phdr_fields[rng() % sizeof(phdr_fields)];
                uint8_t *p = f + table + (rng() % (unsigned)s->nph) * PHDR + fld;
                if (rng() % 4 == 0)
                    v = v + rng() % 64 - 32; // near a boundary (wrapping)
                if (fld < 8)
                    put32(p, v);
                else
                    put64(p, v);
                break;
            }
            default: len = rng() % (n + 1); break;
            }
        }
        struct elf_image img;
        int err = parse(f, len, &img); // image_ok() runs on every success
        if (err == 0)
            accepted++;
        else if (!EXPECT_EQ(err, -E_NOEXEC))
            return;
    }
    printf("mutation_loop: %d of %d mutants accepted, %d unchanged by ignored bytes\n", accepted, rounds, exact);
    EXPECT_TRUE(accepted > rounds / 20); // enough get through to exercise the segment checks
    EXPECT_EQ(exact, rounds / 5);
}
