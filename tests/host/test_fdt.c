// sources: kernel/lib/fdt.c kernel/dev/platform.c kernel/lib/format.c
// Device tree reader: the API on real QEMU/BPI-R4 trees, then hostile input — truncation, header corruption,
// malformed tokens, deep nesting, and a deterministic mutation loop. Run under ASan + UBSan: any out-of-bounds
// read, overflow or crash fails the test even when the return value looks right.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dtb_builder.h"
#include "lib/fdt.h"
#include "dev/platform.h"
#include "unit.h"

// Loads a DTB from the data directory; the caller frees. NULL (test failed) if missing or invalid.
static uint8_t *load_dtb(const char *name, size_t *size, struct fdt *f)
{
    uint8_t *blob = unit_read_data(name, size);

    if (blob != NULL && !EXPECT_EQ(fdt_init(f, blob, *size), 0)) {
        free(blob);
        blob = NULL;
    }
    return blob;
}

// Calls every read-only API on whatever the tree contains. Its only job is to give ASan/UBSan something to catch.
static void exercise(const struct fdt *f)
{
    static struct platform p;
    int count = 0;
    uint64_t a;
    uint64_t s;

    for (int n = fdt_next_node(f, -1); n >= 0 && count < 400; n = fdt_next_node(f, n), count++) {
        int len;
        fdt_node_name(f, n, &len);
        for (int pr = fdt_first_prop(f, n); pr >= 0; pr = fdt_next_prop(f, pr)) {
            const char *name;
            const void *val;
            fdt_prop_at(f, pr, &name, &val, &len);
        }
        if (count < 40) {
            fdt_parent(f, n);
            fdt_read_reg(f, n, 0, &a, &s);
        }
        fdt_node_is_okay(f, n);
        fdt_node_is_compatible(f, n, "arm,pl011");
        fdt_first_child(f, n);
        fdt_next_sibling(f, n);
    }
    fdt_path_offset(f, "/chosen");
    fdt_path_offset(f, "serial0:115200");
    fdt_path_offset(f, "/cpus/cpu@0");
    fdt_find_compatible(f, -1, "fixed-clock");
    fdt_node_by_phandle(f, 1);
    for (int i = 0; i < fdt_memrsv_count(f) && i < 64; i++)
        fdt_memrsv_get(f, i, &a, &s);
    platform_from_fdt(f, &p);
}

// Copies data into a buffer of exactly len bytes (so ASan sees any read past it), validates and exercises it.
static int check_blob(const uint8_t *data, size_t len)
{
    uint8_t *copy = malloc(len > 0 ? len : 1);
    struct fdt f;

    if (len > 0)
        memcpy(copy, data, len);
    int err = fdt_init(&f, copy, len);
    if (err == 0)
        exercise(&f);
    else
        EXPECT_EQ(fdt_root(&f) < 0, 1); // a failed init leaves a struct every call rejects
    free(copy);
    return err;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

// --- API on real trees ---

TEST(qemu_paths_and_names)
{
    struct fdt f;
    size_t size;
    uint8_t *blob = load_dtb("qemu-virt-gicv2.dtb", &size, &f);
    int len;

    ASSERT_TRUE(blob != NULL);
    EXPECT_EQ(fdt_totalsize(&f), size);
    int root = fdt_root(&f);
    EXPECT_EQ(root, 0);
    EXPECT_STREQ(fdt_node_name(&f, root, &len), "");
    EXPECT_EQ(len, 0);
    EXPECT_EQ(fdt_path_offset(&f, "/"), root);

    int chosen = fdt_path_offset(&f, "/chosen");
    EXPECT_TRUE(chosen > 0);
    EXPECT_STREQ(fdt_node_name(&f, chosen, NULL), "chosen");
    EXPECT_EQ(fdt_parent(&f, chosen), root);
    EXPECT_EQ(fdt_parent(&f, root), FDT_ERR_NOTFOUND);
    EXPECT_STREQ(fdt_prop_string(&f, chosen, "stdout-path"), "/pl011@9000000");

    // A component without a unit address matches the node's base name.
    int mem = fdt_path_offset(&f, "/memory");
    EXPECT_EQ(mem, fdt_path_offset(&f, "/memory@40000000"));
    EXPECT_STREQ(fdt_node_name(&f, mem, NULL), "memory@40000000");
    EXPECT_EQ(fdt_path_offset(&f, "/memory@4"), FDT_ERR_NOTFOUND);
    EXPECT_EQ(fdt_path_offset(&f, "/mem"), FDT_ERR_NOTFOUND);
    EXPECT_EQ(fdt_path_offset(&f, "//cpus///cpu@0/"), fdt_path_offset(&f, "/cpus/cpu@0"));
    EXPECT_TRUE(fdt_path_offset(&f, "/cpus/cpu@0") > 0);
    EXPECT_EQ(fdt_path_offset(&f, "/cpus/cpu@1"), FDT_ERR_NOTFOUND);
    EXPECT_EQ(fdt_path_offset(&f, "/intc@8000000/v2m@8020000"), fdt_find_compatible(&f, -1, "arm,gic-v2m-frame"));
    EXPECT_EQ(fdt_path_offset(&f, "serial0"), FDT_ERR_NOTFOUND); // QEMU has no /aliases
    EXPECT_EQ(fdt_path_offset(&f, ""), FDT_ERR_BADPATH);
    EXPECT_EQ(fdt_path_offset(&f, NULL), FDT_ERR_BADPATH);
    EXPECT_EQ(fdt_path_offset_len(&f, "/chosen/garbage", 7), chosen);
    free(blob);
}

TEST(qemu_properties)
{
    struct fdt f;
    size_t size;
    uint8_t *blob = load_dtb("qemu-virt-gicv2.dtb", &size, &f);
    int len;
    uint32_t v32;
    uint64_t v64;

    ASSERT_TRUE(blob != NULL);
    int root = fdt_root(&f);
    EXPECT_STREQ(fdt_prop_string(&f, root, "model"), "linux,dummy-virt");
    EXPECT_EQ(fdt_prop_u32(&f, root, "#address-cells", &v32), 0);
    EXPECT_EQ(v32, 2);
    EXPECT_EQ(fdt_prop_u32(&f, root, "model", &v32), FDT_ERR_BADVALUE);
    EXPECT_EQ(fdt_prop_u32(&f, root, "nope", &v32), FDT_ERR_NOTFOUND);
    EXPECT_TRUE(fdt_getprop(&f, root, "nope", &len) == NULL);
    EXPECT_EQ(len, FDT_ERR_NOTFOUND);

    int uart = fdt_find_compatible(&f, -1, "arm,pl011");
    EXPECT_STREQ(fdt_node_name(&f, uart, NULL), "pl011@9000000");
    EXPECT_EQ(fdt_find_compatible(&f, uart, "arm,pl011"), FDT_ERR_NOTFOUND);
    EXPECT_TRUE(fdt_node_is_compatible(&f, uart, "arm,primecell"));
    EXPECT_FALSE(fdt_node_is_compatible(&f, uart, "arm,pl01"));
    EXPECT_FALSE(fdt_node_is_compatible(&f, uart, "arm,pl0111"));
    EXPECT_TRUE(fdt_node_is_okay(&f, uart));
    const uint8_t *reg = fdt_getprop(&f, uart, "reg", &len);
    EXPECT_EQ(len, 16);
    EXPECT_EQ(fdt_read_cells(reg, 2), 0x9000000);
    uint64_t addr;
    uint64_t sz;
    EXPECT_EQ(fdt_read_reg(&f, uart, 0, &addr, &sz), 0);
    EXPECT_EQ(addr, 0x09000000);
    EXPECT_EQ(sz, 0x1000);
    EXPECT_EQ(fdt_read_reg(&f, uart, 1, &addr, &sz), FDT_ERR_NOTFOUND);
    EXPECT_EQ(fdt_read_reg(&f, uart, -1, &addr, &sz), FDT_ERR_BADARG);
    EXPECT_EQ(fdt_read_reg_cells(&f, uart, 3, 1, 0, &addr, &sz), FDT_ERR_BADNCELLS);
    EXPECT_EQ(fdt_read_reg_cells(&f, uart, 1, 1, 0, &addr, &sz), 0); // 16 bytes = two 1+1 entries
    EXPECT_EQ(fdt_reg_count_cells(&f, uart, 1, 1), 2);
    EXPECT_EQ(fdt_reg_count_cells(&f, uart, 2, 1), FDT_ERR_BADVALUE);

    // Flash has two reg entries.
    int flash = fdt_path_offset(&f, "/flash@0");
    EXPECT_EQ(fdt_read_reg(&f, flash, 1, &addr, &sz), 0);
    EXPECT_EQ(addr, 0x4000000);
    EXPECT_EQ(sz, 0x4000000);

    // phandle 0x8000 is the 24 MHz apb-pclk.
    int clk = fdt_node_by_phandle(&f, 0x8000);
    EXPECT_STREQ(fdt_node_name(&f, clk, NULL), "apb-pclk");
    EXPECT_EQ(fdt_prop_u32(&f, clk, "clock-frequency", &v32), 0);
    EXPECT_EQ(v32, 24000000);
    EXPECT_EQ(fdt_node_by_phandle(&f, 0), FDT_ERR_BADARG);
    EXPECT_EQ(fdt_node_by_phandle(&f, 0xffffffffu), FDT_ERR_BADARG);
    EXPECT_EQ(fdt_node_by_phandle(&f, 0x1234), FDT_ERR_NOTFOUND);

    int chosen = fdt_path_offset(&f, "/chosen");
    EXPECT_EQ(fdt_prop_u64(&f, chosen, "kaslr-seed", &v64), 0);
    EXPECT_EQ(fdt_prop_cells(&f, chosen, "rng-seed", &v64), FDT_ERR_BADVALUE); // 32 bytes
    EXPECT_EQ(fdt_memrsv_count(&f), 0);
    EXPECT_EQ(fdt_memrsv_get(&f, 0, &addr, &sz), FDT_ERR_NOTFOUND);
    free(blob);
}

TEST(qemu_walk_counts)
{
    struct fdt f;
    size_t size;
    uint8_t *blob = load_dtb("qemu-virt-gicv2.dtb", &size, &f);
    int virtio = 0;
    int children = 0;
    int all = 0;
    int props = 0;

    ASSERT_TRUE(blob != NULL);
    for (int n = fdt_find_compatible(&f, -1, "virtio,mmio"); n >= 0; n = fdt_find_compatible(&f, n, "virtio,mmio"))
        virtio++;
    EXPECT_EQ(virtio, 32); // [bpi-r4.md §5 virtio-mmio] 32 transports
    for (int n = fdt_first_child(&f, fdt_root(&f)); n >= 0; n = fdt_next_sibling(&f, n)) {
        EXPECT_EQ(fdt_parent(&f, n), fdt_root(&f));
        children++;
    }
    for (int n = fdt_next_node(&f, -1); n >= 0; n = fdt_next_node(&f, n))
        all++;
    for (int pr = fdt_first_prop(&f, fdt_root(&f)); pr >= 0; pr = fdt_next_prop(&f, pr))
        props++;
    EXPECT_EQ(props, 5); // interrupt-parent model #size-cells #address-cells compatible
    // psci memory platform-bus fw-cfg, 32 × virtio, gpio-keys pl061 pcie pl031 pl011 pmu intc flash cpus timer
    // apb-pclk chosen
    EXPECT_EQ(children, 4 + 32 + 12);
    // + root, gpio-keys/poweroff, intc/v2m, cpus/{cpu-map,socket0,cluster0,core0,cpu@0}
    EXPECT_EQ(all, 48 + 1 + 1 + 1 + 5);
    int cpu = fdt_path_offset(&f, "/cpus/cpu-map/socket0/cluster0/core0");
    EXPECT_EQ(fdt_parent(&f, fdt_parent(&f, cpu)), fdt_path_offset(&f, "/cpus/cpu-map/socket0"));
    EXPECT_EQ(fdt_first_child(&f, cpu), FDT_ERR_NOTFOUND);
    EXPECT_EQ(fdt_next_sibling(&f, fdt_root(&f)), FDT_ERR_NOTFOUND);
    // Offsets that are not nodes are refused.
    EXPECT_EQ(fdt_first_child(&f, 4), FDT_ERR_BADOFFSET);
    EXPECT_EQ(fdt_first_child(&f, -5), FDT_ERR_BADOFFSET);
    EXPECT_EQ(fdt_parent(&f, 3), FDT_ERR_BADOFFSET);
    EXPECT_EQ(fdt_first_child(&f, 1 << 30), FDT_ERR_BADOFFSET);
    EXPECT_EQ(fdt_next_sibling(&f, 8), FDT_ERR_BADOFFSET); // a PROP token
    EXPECT_EQ(fdt_next_prop(&f, 0), FDT_ERR_BADOFFSET);
    EXPECT_TRUE(fdt_node_name(&f, 4, NULL) == NULL);
    free(blob);
}

TEST(bpi_r4_aliases)
{
    struct fdt f;
    size_t size;
    uint8_t *blob = load_dtb("bpi-r4.dtb", &size, &f);
    uint64_t addr;
    uint64_t sz;

    ASSERT_TRUE(blob != NULL);
    EXPECT_STREQ(fdt_alias(&f, "serial0", 7), "/soc/serial@11000000");
    EXPECT_TRUE(fdt_alias(&f, "serial1", 7) == NULL);
    int uart = fdt_path_offset(&f, "serial0");
    EXPECT_STREQ(fdt_node_name(&f, uart, NULL), "serial@11000000");
    EXPECT_EQ(fdt_path_offset_len(&f, "serial0:115200n8", 7), uart);
    EXPECT_EQ(fdt_read_reg(&f, uart, 0, &addr, &sz), 0);
    EXPECT_EQ(addr, 0x11000000);
    EXPECT_EQ(sz, 0x100);
    EXPECT_TRUE(fdt_node_is_compatible(&f, uart, "mediatek,mt6577-uart"));
    int disabled = fdt_path_offset(&f, "/soc/serial@11000100");
    EXPECT_FALSE(fdt_node_is_okay(&f, disabled));
    int ac;
    int sc;
    EXPECT_EQ(fdt_bus_cells(&f, fdt_path_offset(&f, "/cpus"), &ac, &sc), 0);
    EXPECT_EQ(ac, 1);
    EXPECT_EQ(sc, 0);
    EXPECT_EQ(fdt_bus_cells(&f, fdt_path_offset(&f, "/chosen"), &ac, &sc), 0); // defaults
    EXPECT_EQ(ac, 2);
    EXPECT_EQ(sc, 1);
    free(blob);
}

TEST(synthetic_aliases_and_memreserve)
{
    struct fdt f;
    size_t size;
    uint8_t *blob = load_dtb("synthetic.dtb", &size, &f);
    uint64_t addr;
    uint64_t sz;

    ASSERT_TRUE(blob != NULL);
    EXPECT_EQ(fdt_path_offset(&f, "console"), fdt_path_offset(&f, "/soc/serial@2000"));
    EXPECT_EQ(fdt_path_offset(&f, "relative"), FDT_ERR_BADPATH); // alias values must be absolute
    EXPECT_EQ(fdt_path_offset(&f, "unterminated"), FDT_ERR_NOTFOUND);
    EXPECT_EQ(fdt_path_offset(&f, "console/nothing"), FDT_ERR_NOTFOUND);
    EXPECT_EQ(fdt_memrsv_count(&f), 1);
    EXPECT_EQ(fdt_memrsv_get(&f, 0, &addr, &sz), 0);
    EXPECT_EQ(addr, 0x48000000);
    EXPECT_EQ(sz, 0x100000);
    free(blob);
}

TEST(stringlist)
{
    static const char list[] = "abc\0de\0\0f"; // sizeof includes the final NUL

    EXPECT_TRUE(fdt_stringlist_contains(list, sizeof(list), "abc"));
    EXPECT_TRUE(fdt_stringlist_contains(list, sizeof(list), "de"));
    EXPECT_TRUE(fdt_stringlist_contains(list, sizeof(list), ""));
    EXPECT_TRUE(fdt_stringlist_contains(list, sizeof(list), "f"));
    EXPECT_FALSE(fdt_stringlist_contains(list, sizeof(list) - 1, "f")); // last entry unterminated
    EXPECT_FALSE(fdt_stringlist_contains(list, sizeof(list), "ab"));
    EXPECT_FALSE(fdt_stringlist_contains(list, sizeof(list), "abcd"));
    EXPECT_FALSE(fdt_stringlist_contains(list, 2, "abc"));
    EXPECT_FALSE(fdt_stringlist_contains(list, 0, ""));
    EXPECT_FALSE(fdt_stringlist_contains(NULL, 4, "abc"));
}

TEST(strerror_names_every_code)
{
    for (int e = 0; e >= FDT_ERR_BADPATH; e--)
        EXPECT_TRUE(strcmp(fdt_strerror(e), "unknown error") != 0);
    EXPECT_STREQ(fdt_strerror(-1000), "unknown error");
}

// --- hostile input: whole blobs ---

TEST(truncated_at_every_length)
{
    const char *names[] = {"bpi-r4.dtb", "qemu-virt-gicv2.dtb"};

    for (size_t k = 0; k < 2; k++) {
        size_t size;
        uint8_t *blob = unit_read_data(names[k], &size);
        ASSERT_TRUE(blob != NULL);
        for (size_t len = 0; len < size; len++)
            EXPECT_TRUE(check_blob(blob, len) < 0);
        EXPECT_EQ(check_blob(blob, size), 0);
        free(blob);
    }
}

// Cut at every length but rewrite the header so it claims exactly what is left: now the token walker, not the
// size check, has to find the damage.
TEST(truncated_with_consistent_header)
{
    size_t size;
    uint8_t *blob = unit_read_data("bpi-r4.dtb", &size);
    uint8_t *cut = malloc(size);
    int ok = 0;

    ASSERT_TRUE(blob != NULL);
    uint32_t st_off = get32(blob + DB_OFF_STRUCT);
    uint32_t str_off = get32(blob + DB_OFF_STRINGS);
    for (size_t len = 40; len <= size; len++) {
        memcpy(cut, blob, len);
        db_put32(cut + DB_TOTALSIZE, (uint32_t)len);
        if (len >= st_off && len - st_off < get32(blob + DB_SIZE_STRUCT))
            db_put32(cut + DB_SIZE_STRUCT, (uint32_t)(len - st_off));
        if (len >= str_off && len - str_off < get32(blob + DB_SIZE_STRINGS))
            db_put32(cut + DB_SIZE_STRINGS, (uint32_t)(len - str_off));
        if (check_blob(cut, len) == 0)
            ok++;
    }
    // Only cuts inside the strings block that keep every referenced name can still be valid.
    EXPECT_TRUE(ok >= 1);
    free(cut);
    free(blob);
}

TEST(bit_flips_everywhere)
{
    size_t size;
    uint8_t *blob = unit_read_data("bpi-r4.dtb", &size);

    ASSERT_TRUE(blob != NULL);
    for (size_t i = 0; i < size; i++) {
        for (int bit = 0; bit < 8; bit++) {
            blob[i] ^= (uint8_t)(1u << bit);
            int err = check_blob(blob, size);
            // Any flip in magic, version fields or block offsets must be caught by the header check.
            if (i < 4 || (i >= DB_OFF_STRUCT && i < DB_OFF_STRUCT + 4 && bit < 2))
                EXPECT_TRUE(err < 0);
            blob[i] ^= (uint8_t)(1u << bit);
        }
    }
    EXPECT_EQ(check_blob(blob, size), 0);
    free(blob);
}

// --- hostile input: crafted headers ---

static size_t build_minimal(uint8_t *out, size_t cap)
{
    static struct dtb_builder b;

    db_init(&b);
    db_begin(&b, "");
    db_prop_u32(&b, "#address-cells", 2);
    db_prop_str(&b, "model", "m");
    db_begin(&b, "chosen");
    db_prop_str(&b, "bootargs", "x");
    db_end(&b);
    db_end(&b);
    db_finish_tokens(&b);
    return db_build(&b, out, cap);
}

TEST(header_checks)
{
    uint8_t good[512];
    uint8_t blob[512];
    struct fdt f;
    size_t len = build_minimal(good, sizeof(good));

    ASSERT_TRUE(len > 0);
    EXPECT_EQ(check_blob(good, len), 0);
    EXPECT_EQ(fdt_init(&f, NULL, 100), FDT_ERR_BADARG);
    EXPECT_EQ(fdt_init(NULL, good, len), FDT_ERR_BADARG);
    EXPECT_EQ(fdt_init(&f, good, 3), FDT_ERR_TRUNCATED);
    EXPECT_EQ(fdt_init(&f, good, 39), FDT_ERR_TRUNCATED);
    EXPECT_EQ(fdt_init(&f, good, len - 1), FDT_ERR_TRUNCATED);
    EXPECT_EQ(fdt_init(&f, good, len + 100), 0); // a bigger buffer is fine

    struct {
        uint32_t field;
        uint32_t value;
        int err;
    } cases[] = {
        {0, 0xd00dfeee, FDT_ERR_BADMAGIC},
        {0, 0xedfe0dd0, FDT_ERR_BADMAGIC}, // little-endian magic
        {DB_TOTALSIZE, 0xffffffff, FDT_ERR_TRUNCATED},
        {DB_TOTALSIZE, 39, FDT_ERR_TRUNCATED},
        {DB_VERSION, 15, FDT_ERR_BADVERSION},
        {DB_LAST_COMP, 18, FDT_ERR_BADVERSION},
        {DB_OFF_STRUCT, 0x82, FDT_ERR_BADLAYOUT}, // misaligned
        {DB_OFF_STRUCT, 0x20, FDT_ERR_BADLAYOUT}, // inside the header
        {DB_OFF_STRUCT, 0xfffffff0, FDT_ERR_BADLAYOUT},
        {DB_SIZE_STRUCT, 0xfffffff0, FDT_ERR_TRUNCATED}, // off + size wraps in 32 bits
        {DB_SIZE_STRUCT, 0, FDT_ERR_TRUNCATED},
        {DB_SIZE_STRUCT, 8, FDT_ERR_TRUNCATED},
        {DB_OFF_STRINGS, 0xffffff00, FDT_ERR_TRUNCATED},
        {DB_SIZE_STRINGS, 0x7fffffff, FDT_ERR_TRUNCATED},
        {DB_SIZE_STRINGS, 0, FDT_ERR_BADSTRING}, // every property name now lies outside
        {DB_OFF_MEMRSV, 44, FDT_ERR_BADLAYOUT},  // not 8-aligned
        {DB_OFF_MEMRSV, 8, FDT_ERR_BADLAYOUT},
        {DB_OFF_MEMRSV, 0xfffffff8, FDT_ERR_TRUNCATED},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memcpy(blob, good, len);
        db_put32(blob + cases[i].field, cases[i].value);
        if (!EXPECT_EQ(check_blob(blob, len), cases[i].err))
            fprintf(stderr, "    case %zu (field %u = 0x%x)\n", i, cases[i].field, cases[i].value);
    }

    // Version 16 has no size_dt_struct: the structure block runs to the end and must still parse.
    memcpy(blob, good, len);
    db_put32(blob + DB_VERSION, 16);
    db_put32(blob + DB_SIZE_STRUCT, 0xdeadbeef);
    EXPECT_EQ(check_blob(blob, len), 0);
}

TEST(memrsv_unterminated)
{
    uint8_t blob[512];
    static struct dtb_builder b;

    db_init(&b);
    b.nrsv = 2;
    b.rsv[0][0] = 0x1000;
    b.rsv[0][1] = 0x1000;
    b.rsv[1][0] = 0x3000;
    b.rsv[1][1] = 0x100;
    db_begin(&b, "");
    db_end(&b);
    db_finish_tokens(&b);
    size_t len = db_build(&b, blob, sizeof(blob));
    struct fdt f;
    EXPECT_EQ(fdt_init(&f, blob, len), 0);
    EXPECT_EQ(fdt_memrsv_count(&f), 2);
    // Overwrite the terminator and everything after it with non-zero: the map now runs off the blob.
    memset(blob + 40 + 32, 0xff, len - 40 - 32);
    EXPECT_EQ(check_blob(blob, len), FDT_ERR_TRUNCATED);
}

// --- hostile input: crafted structure blocks ---

// Builds a blob from the builder and returns fdt_init's verdict (exercising the tree if it is accepted).
static int verdict(const struct dtb_builder *b)
{
    static uint8_t blob[DB_STRUCT_MAX + DB_STRINGS_MAX + 256];
    size_t len = db_build(b, blob, sizeof(blob));

    return len == 0 ? -1000 : check_blob(blob, len);
}

TEST(structure_errors)
{
    static struct dtb_builder b;

    // Missing END after the root.
    db_init(&b);
    db_begin(&b, "");
    db_end(&b);
    EXPECT_EQ(verdict(&b), FDT_ERR_TRUNCATED);

    // END inside the root.
    db_init(&b);
    db_begin(&b, "");
    db_finish_tokens(&b);
    EXPECT_EQ(verdict(&b), FDT_ERR_BADSTRUCTURE);

    // One END_NODE too many.
    db_init(&b);
    db_begin(&b, "");
    db_end(&b);
    db_end(&b);
    db_finish_tokens(&b);
    EXPECT_EQ(verdict(&b), FDT_ERR_BADSTRUCTURE);

    // Two root nodes.
    db_init(&b);
    db_begin(&b, "");
    db_end(&b);
    db_begin(&b, "");
    db_end(&b);
    db_finish_tokens(&b);
    EXPECT_EQ(verdict(&b), FDT_ERR_BADSTRUCTURE);

    // A property outside any node.
    db_init(&b);
    db_prop_u32(&b, "x", 1);
    db_begin(&b, "");
    db_end(&b);
    db_finish_tokens(&b);
    EXPECT_EQ(verdict(&b), FDT_ERR_BADSTRUCTURE);

    // Unknown token.
    db_init(&b);
    db_begin(&b, "");
    db_u32(&b, 7);
    db_end(&b);
    db_finish_tokens(&b);
    EXPECT_EQ(verdict(&b), FDT_ERR_BADSTRUCTURE);

    // Empty structure block, and only an END.
    db_init(&b);
    EXPECT_EQ(verdict(&b), FDT_ERR_TRUNCATED);
    db_finish_tokens(&b);
    EXPECT_EQ(verdict(&b), FDT_ERR_BADSTRUCTURE);

    // NOPs are allowed anywhere.
    db_init(&b);
    db_u32(&b, 4);
    db_begin(&b, "");
    db_u32(&b, 4);
    db_prop_u32(&b, "a", 1);
    db_u32(&b, 4);
    db_begin(&b, "child");
    db_end(&b);
    db_u32(&b, 4);
    db_end(&b);
    db_u32(&b, 4);
    db_finish_tokens(&b);
    EXPECT_EQ(verdict(&b), 0);
}

TEST(unterminated_names)
{
    static struct dtb_builder b;

    // Node name running to the end of the structure block without a NUL.
    db_init(&b);
    db_begin(&b, "");
    db_u32(&b, 1);
    memcpy(b.st + b.st_len, "abcdefgh", 8);
    b.st_len += 8;
    EXPECT_EQ(verdict(&b), FDT_ERR_BADSTRING);

    // Property name offset outside the strings block.
    db_init(&b);
    db_begin(&b, "");
    db_string(&b, "abc");
    db_prop_raw(&b, 4, "x", 1);
    db_end(&b);
    db_finish_tokens(&b);
    EXPECT_EQ(verdict(&b), FDT_ERR_BADSTRING);

    // Property name not terminated inside the strings block.
    db_init(&b);
    db_begin(&b, "");
    db_prop_u32(&b, "abc", 1);
    db_end(&b);
    db_finish_tokens(&b);
    b.str_len = 3; // drop the NUL
    EXPECT_EQ(verdict(&b), FDT_ERR_BADSTRING);
}

TEST(property_length_past_end)
{
    static struct dtb_builder b;
    const uint32_t lens[] = {0xffffffff, 0xfffffffc, 0x80000000, 0x7fffffff, 13, 9};

    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        db_init(&b);
        db_begin(&b, "");
        db_u32(&b, 3);
        db_u32(&b, lens[i]);
        db_u32(&b, db_string(&b, "p"));
        db_u32(&b, 0x11223344);
        db_end(&b);
        db_finish_tokens(&b);
        EXPECT_EQ(verdict(&b), FDT_ERR_TRUNCATED);
    }
    // A property header cut off by the end of the block.
    db_init(&b);
    db_begin(&b, "");
    db_u32(&b, 3);
    db_u32(&b, 0);
    EXPECT_EQ(verdict(&b), FDT_ERR_TRUNCATED);
}

TEST(deep_nesting)
{
    static struct dtb_builder b;

    for (int depth = FDT_MAX_DEPTH; depth <= FDT_MAX_DEPTH + 1; depth++) {
        db_init(&b);
        for (int i = 0; i < depth; i++)
            db_begin(&b, i == 0 ? "" : "n");
        db_prop_u32(&b, "reg", 1);
        for (int i = 0; i < depth; i++)
            db_end(&b);
        db_finish_tokens(&b);
        EXPECT_EQ(verdict(&b), depth <= FDT_MAX_DEPTH ? 0 : FDT_ERR_DEPTH);
    }

    // Thousands of levels (as deep as the builder allows): refused, no stack use proportional to depth.
    db_init(&b);
    int opened = 0;
    while (b.st_len + 16 < DB_STRUCT_MAX / 2) {
        db_begin(&b, opened == 0 ? "" : "n");
        opened++;
    }
    for (int i = 0; i < opened; i++)
        db_end(&b);
    db_finish_tokens(&b);
    EXPECT_TRUE(opened > 1000);
    EXPECT_EQ(verdict(&b), FDT_ERR_DEPTH);
}

TEST(deepest_node_walks)
{
    static struct dtb_builder b;
    static uint8_t blob[8192];
    struct fdt f;

    db_init(&b);
    for (int i = 0; i < FDT_MAX_DEPTH; i++)
        db_begin(&b, i == 0 ? "" : "n");
    for (int i = 0; i < FDT_MAX_DEPTH; i++)
        db_end(&b);
    db_finish_tokens(&b);
    size_t len = db_build(&b, blob, sizeof(blob));
    ASSERT_EQ(fdt_init(&f, blob, len), 0);
    int node = fdt_root(&f);
    int depth = 1;
    for (int c = fdt_first_child(&f, node); c >= 0; c = fdt_first_child(&f, c)) {
        EXPECT_EQ(fdt_parent(&f, c), node);
        node = c;
        depth++;
    }
    EXPECT_EQ(depth, FDT_MAX_DEPTH);
}

// Properties that are present but malformed: every helper must refuse them, and the platform reader must still
// fill what it can.
TEST(malformed_property_values)
{
    static struct dtb_builder b;
    static uint8_t blob[4096];
    static struct platform p;
    struct fdt f;
    uint32_t v;
    uint64_t a;
    uint64_t s;
    const uint32_t reg[] = {0, 0x1000, 0, 0x10, 0}; // 5 cells: not a multiple of 4

    db_init(&b);
    db_begin(&b, "");
    db_prop(&b, "model", "no-nul", 6);
    db_prop_u32(&b, "#address-cells", 7);
    db_prop(&b, "compatible", "a\0b", 3);
    db_begin(&b, "chosen");
    db_prop(&b, "stdout-path", "/x", 2); // unterminated
    db_prop_u32(&b, "linux,initrd-start", 0x2000);
    db_prop_u32(&b, "linux,initrd-end", 0x1000); // end before start
    db_end(&b);
    db_begin(&b, "memory@0");
    db_prop_str(&b, "device_type", "memory");
    db_prop_cells(&b, "reg", reg, 5);
    db_prop(&b, "status", "okay", 4); // unterminated: treated as not okay
    db_end(&b);
    db_begin(&b, "soc");
    db_prop_u32(&b, "#address-cells", 2);
    db_prop_u32(&b, "#size-cells", 2);
    db_begin(&b, "serial@0");
    db_prop_str(&b, "compatible", "arm,pl011");
    db_prop_cells(&b, "reg", reg, 5);
    db_end(&b);
    db_end(&b);
    db_end(&b);
    db_finish_tokens(&b);
    size_t len = db_build(&b, blob, sizeof(blob));
    ASSERT_EQ(fdt_init(&f, blob, len), 0);

    int root = fdt_root(&f);
    EXPECT_TRUE(fdt_prop_string(&f, root, "model") == NULL);
    int ac;
    int sc;
    EXPECT_EQ(fdt_bus_cells(&f, root, &ac, &sc), FDT_ERR_BADNCELLS);
    int mem = fdt_path_offset(&f, "/memory");
    EXPECT_FALSE(fdt_node_is_okay(&f, mem));
    EXPECT_EQ(fdt_read_reg(&f, mem, 0, &a, &s), FDT_ERR_BADNCELLS);
    int uart = fdt_path_offset(&f, "/soc/serial@0");
    EXPECT_EQ(fdt_read_reg(&f, uart, 0, &a, &s), FDT_ERR_BADVALUE);
    EXPECT_EQ(fdt_prop_u32(&f, uart, "compatible", &v), FDT_ERR_BADVALUE);

    EXPECT_EQ(platform_from_fdt(&f, &p), 0);
    EXPECT_STREQ(p.model, "unknown");
    EXPECT_STREQ(p.compatible, "a");
    EXPECT_EQ(p.mem_count, 0);
    EXPECT_FALSE(p.initrd_present);
    EXPECT_STREQ(p.stdout_path, "");
    EXPECT_FALSE(p.console.present);
    EXPECT_FALSE(p.gic.present);
    EXPECT_EQ(p.cpu_count, 0);
}

// A phandle loop in interrupt-parent must not hang the interrupt-parent walk.
TEST(interrupt_parent_cycle)
{
    static struct dtb_builder b;
    static uint8_t blob[4096];
    static struct platform p;
    struct fdt f;
    const uint32_t irq[] = {0, 1, 4};
    const uint32_t reg[] = {0x9000000, 0x1000};

    db_init(&b);
    db_begin(&b, "");
    db_prop_u32(&b, "#address-cells", 1);
    db_prop_u32(&b, "#size-cells", 1);
    db_begin(&b, "gic");
    db_prop_str(&b, "compatible", "arm,gic-400");
    db_prop_u32(&b, "#interrupt-cells", 3);
    db_prop_cells(&b, "reg", reg, 2);
    db_end(&b);
    db_begin(&b, "a");
    db_prop_u32(&b, "phandle", 1);
    db_prop_u32(&b, "interrupt-parent", 2);
    db_end(&b);
    db_begin(&b, "b");
    db_prop_u32(&b, "phandle", 2);
    db_prop_u32(&b, "interrupt-parent", 1);
    db_end(&b);
    db_begin(&b, "serial@9000000");
    db_prop_str(&b, "compatible", "arm,pl011");
    db_prop_cells(&b, "reg", reg, 2);
    db_prop_u32(&b, "interrupt-parent", 1);
    db_prop_cells(&b, "interrupts", irq, 3);
    db_prop_u32(&b, "clocks", 1); // a provider that is not a fixed-clock
    db_end(&b);
    db_end(&b);
    db_finish_tokens(&b);
    size_t len = db_build(&b, blob, sizeof(blob));
    ASSERT_EQ(fdt_init(&f, blob, len), 0);
    EXPECT_EQ(platform_from_fdt(&f, &p), 0);
    EXPECT_TRUE(p.gic.present);
    EXPECT_TRUE(p.console.present);
    EXPECT_EQ(p.console.base, 0x9000000);
    EXPECT_EQ(p.console.irq.intid, PLATFORM_NO_IRQ);
    EXPECT_EQ(p.console.clock_hz, 0);
}

// --- deterministic mutation fuzzing ---

static uint64_t rng_state = 0x5eed5eed12345678ull;

static uint32_t rng(void)
{
    // xorshift64*: fixed seed, so a failure reproduces exactly.
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

static void mutate(uint8_t *buf, size_t *len)
{
    static const uint32_t interesting[] = {0,          1,          2,          3,          4,     9,
                                           0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffc, 0x10,  0x28,
                                           0x38,       0x100,      0x8000,     0x8001,     0x8002};
    size_t n = *len;

    switch (rng() % 11) {
    case 0: buf[rng() % n] ^= (uint8_t)(1u << (rng() % 8)); break;
    case 1: buf[rng() % n] = (uint8_t)rng(); break;
    case 2:
    case 3:
    case 5:
    case 6:
    case 7:
    case 8:
    case 9: {
        // Word-aligned: tokens, lengths, name offsets and cells are all 32-bit aligned.
        size_t at = (rng() % (n / 4)) * 4;
        db_put32(buf + at, interesting[rng() % (sizeof(interesting) / sizeof(interesting[0]))]);
        break;
    }
    case 4: {
        size_t from = rng() % n;
        size_t to = rng() % n;
        size_t count = rng() % 64;
        if (from + count > n)
            count = n - from;
        if (to + count > n)
            count = n - to;
        memmove(buf + to, buf + from, count);
        break;
    }
    default: {
        size_t cut = 40 + rng() % (n - 40);
        *len = cut;
        db_put32(buf + DB_TOTALSIZE, (uint32_t)cut);
        break;
    }
    }
}

TEST(mutation_loop)
{
    const char *names[] = {"bpi-r4.dtb", "qemu-virt-gicv3.dtb", "synthetic.dtb", "fallback-console.dtb"};
    const int rounds = 20000;
    int accepted = 0;

    for (int r = 0; r < rounds; r++) {
        size_t size;
        uint8_t *blob = unit_read_data(names[r % 4], &size);
        ASSERT_TRUE(blob != NULL);
        int count = 1 + (int)(rng() % 4);
        for (int i = 0; i < count && size > 44; i++)
            mutate(blob, &size);
        if (check_blob(blob, size) == 0)
            accepted++;
        free(blob);
    }
    printf("mutation_loop: %d of %d mutants accepted by fdt_init\n", accepted, rounds);
    // The loop is only useful if many mutants get past validation into the walkers and the platform reader.
    EXPECT_TRUE(accepted > rounds / 7);
}
