/*
 * Building the kernel's address space (see kmap.h).
 *
 * The new table is built while the boot tables are live, and its first tables cannot come
 * from the physical allocator: a page it hands out may lie in RAM the boot tables do not
 * map. So the kernel table takes its first pages from a small pool inside the image (which
 * is mapped) and only later, once the linear map covers all RAM, from the allocator.
 */
#include <wren/abi.h>

#include "arch/memlayout.h"
#include "arch/mmu.h"
#include "console.h"
#include "lib/string.h"
#include "mm/account.h"
#include "mm/kmap.h"
#include "mm/pmm.h"
#include "panic.h"

#define BOOT_POOL_PAGES 32 /* plenty: a linear map of 8 GiB with the image split takes about 8 */

extern char _head_start[], _etext[], _erodata[], _kernel_end[]; /* kernel.ld */
extern char boot_stack_guard[], boot_stack[];                   /* boot.S: the guard is the page below the stack */

static uint8_t boot_pool[BOOT_POOL_PAGES][PMM_PAGE_SIZE] __attribute__((aligned(4096)));
static int boot_pool_used;

static struct pgtable kernel_pt;
/* TTBR0 while no user program runs: every entry invalid. */
static uint8_t empty_user_table[PMM_PAGE_SIZE] __attribute__((aligned(4096)));

/*
 * A table of a user address space: charged to the account whose pgtable ops these are (ctx, mm/account.h). Whether
 * the limit refused it is noted, so that a fault can tell "over its limit" from "no RAM free" (vm_fault).
 */
static uint64_t user_table_alloc(void *ctx)
{
    struct mem_account *a = ctx;
    a->table_refused = account_charge(a, PMM_PAGE_SIZE) != 0;
    if (a->table_refused)
        return 0;
    uint64_t pa = pmm_alloc_zeroed(0);
    if (!pa)
        account_uncharge(a, PMM_PAGE_SIZE);
    return pa;
}

static void user_table_free(void *ctx, uint64_t pa)
{
    pmm_free(pa, 0);
    account_uncharge(ctx, PMM_PAGE_SIZE);
}

static uint64_t table_alloc(void *ctx)
{
    (void)ctx;
    if (boot_pool_used < BOOT_POOL_PAGES) {
        void *page = boot_pool[boot_pool_used++];
        memset(page, 0, PMM_PAGE_SIZE);
        return virt_to_phys(page);
    }
    return pmm_alloc_zeroed(0);
}

static bool in_boot_pool(uint64_t pa)
{
    uint64_t start = virt_to_phys(boot_pool);
    return pa >= start && pa < start + sizeof(boot_pool);
}

static void table_free(void *ctx, uint64_t pa)
{
    (void)ctx;
    if (!in_boot_pool(pa)) /* pool pages stay with the image */
        pmm_free(pa, 0);
}

static void *table_virt(void *ctx, uint64_t pa)
{
    (void)ctx;
    return phys_to_virt(pa);
}

static void kernel_tlb_invalidate(void *ctx, uint64_t va, uint16_t asid, bool last_level)
{
    (void)ctx;
    arch_tlb_invalidate_page(va, asid, false, last_level);
}

static void user_tlb_invalidate(void *ctx, uint64_t va, uint16_t asid, bool last_level)
{
    (void)ctx;
    arch_tlb_invalidate_page(va, asid, true, last_level);
}

static void user_tlb_invalidate_asid(void *ctx, uint16_t asid)
{
    (void)ctx;
    arch_tlb_invalidate_asid(asid);
}

static void table_sync(void *ctx)
{
    (void)ctx;
    arch_mmu_sync();
}

static const struct pgtable_ops kernel_ops = {
    .alloc_table = table_alloc,
    .free_table = table_free,
    .phys_to_virt = table_virt,
    .tlb_invalidate = kernel_tlb_invalidate,
    .sync = table_sync,
};

/* User tables come from the allocator only (a pool page freed by a dying process would be lost), charged to an
 * account: each account has a copy of these with ctx pointing to it (account_new). */
const struct pgtable_ops kmap_user_pgtable_ops = {
    .alloc_table = user_table_alloc,
    .free_table = user_table_free,
    .phys_to_virt = table_virt,
    .tlb_invalidate = user_tlb_invalidate,
    .tlb_invalidate_asid = user_tlb_invalidate_asid,
    .sync = table_sync,
};

static void pmm_complain(const char *call, const char *reason, uint64_t pa)
{
    kprintf("pmm: %s(%#lx) refused: %s\n", call, (unsigned long)pa, reason);
}

static int start_allocator(const struct platform *p, uint64_t dtb_pa, uint64_t dtb_size)
{
    struct pmm_range ram[PLATFORM_MAX_MEM];
    struct pmm_range rsv[PLATFORM_MAX_RESERVED + 3];
    int nrsv = 0;

    for (int i = 0; i < p->mem_count; i++)
        ram[i] = (struct pmm_range){p->mem[i].base, p->mem[i].size};
    rsv[nrsv++] = (struct pmm_range){virt_to_phys(_head_start), (uint64_t)(_kernel_end - _head_start)};
    rsv[nrsv++] = (struct pmm_range){dtb_pa, dtb_size};
    if (p->initrd_present)
        rsv[nrsv++] = (struct pmm_range){p->initrd_start, p->initrd_end - p->initrd_start};
    for (int i = 0; i < p->reserved_count; i++)
        rsv[nrsv++] = (struct pmm_range){p->reserved[i].base, p->reserved[i].size};
    pmm_set_report(pmm_complain);
    return pmm_init(ram, p->mem_count, rsv, nrsv, (uintptr_t)LINEAR_BASE);
}

/* Does [pa, end) fit in the linear map, below the stack area? (Physical addresses are below 2^48; the area is at
 * LINEAR_BASE + 255.5 TiB, so only a machine with RAM or devices that high would be refused.) */
static bool linear_fits(uint64_t pa, uint64_t end)
{
    return end >= pa && end <= KSTACK_AREA - LINEAR_BASE;
}

/*
 * Map [pa, pa + size) of RAM into the linear map, leaving out `no-map` reservations. Recursive on the pieces either
 * side of a reservation, so at most one level per reservation (PLATFORM_MAX_RESERVED, from a DTB already decoded).
 */
static int map_ram(uint64_t pa, uint64_t size, const struct platform *p)
{
    uint64_t end = pa + size;

    if (!linear_fits(pa, end))
        return -E_INVAL;

    for (int i = 0; i < p->reserved_count; i++) {
        const struct platform_reserved *r = &p->reserved[i];
        uint64_t rs = r->base & ~(PMM_PAGE_SIZE - 1);
        uint64_t re = (r->base + r->size + PMM_PAGE_SIZE - 1) & ~(PMM_PAGE_SIZE - 1);
        if (!r->no_map || re <= pa || rs >= end)
            continue;
        int err = 0;
        if (rs > pa)
            err = map_ram(pa, rs - pa, p);
        if (!err && re < end)
            err = map_ram(re, end - re, p);
        return err;
    }
    return pgtable_map(&kernel_pt, (uint64_t)(uintptr_t)phys_to_virt(pa), pa, size, PGT_READ | PGT_WRITE | PGT_GLOBAL);
}

/*
 * The image with its own permissions. The page below the boot stack (a boot page table, unused once this table is
 * live) is left out: the guard of the stack the idle thread keeps (arch/memlayout.h).
 */
static int map_kernel_image(void)
{
    /* The exception entry's overflow test would misfire on a boot stack laid out otherwise (boot.S). */
    if (((uintptr_t)boot_stack & (KSTACK_SLOT_SIZE - 1)) != KSTACK_SIZE ||
        (uintptr_t)boot_stack - (uintptr_t)boot_stack_guard != PMM_PAGE_SIZE)
        return -E_INVAL;
    struct {
        char *start, *end;
        unsigned prot;
    } parts[] = {
        {_head_start, _etext, PGT_READ | PGT_EXEC | PGT_GLOBAL},
        {_etext, _erodata, PGT_READ | PGT_GLOBAL},
        {_erodata, boot_stack_guard, PGT_READ | PGT_WRITE | PGT_GLOBAL},
        {boot_stack, _kernel_end, PGT_READ | PGT_WRITE | PGT_GLOBAL},
    };
    for (unsigned i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        uint64_t size = (uint64_t)(parts[i].end - parts[i].start);
        if (size == 0)
            continue;
        int err = pgtable_map(&kernel_pt, (uint64_t)(uintptr_t)parts[i].start, virt_to_phys(parts[i].start), size,
                              parts[i].prot);
        if (err)
            return err;
    }
    return 0;
}

static uint64_t align_down(uint64_t v)
{
    return v & ~(PMM_PAGE_SIZE - 1);
}

static uint64_t align_up(uint64_t v)
{
    return (v + PMM_PAGE_SIZE - 1) & ~(PMM_PAGE_SIZE - 1);
}

/* Device registers, uncached; two devices may share a page, which is then mapped once. */
static int map_device(uint64_t pa, uint64_t size)
{
    const unsigned prot = PGT_READ | PGT_WRITE | PGT_DEVICE | PGT_GLOBAL;
    uint64_t base = align_down(pa), end = align_up(pa + size);

    if (end <= base)
        return 0;
    if (!linear_fits(base, end))
        return -E_INVAL;
    int err = pgtable_map(&kernel_pt, (uint64_t)(uintptr_t)phys_to_virt(base), base, end - base, prot);
    if (err != -E_EXIST)
        return err;
    /* Part of it is mapped already (a device sharing a page): map the rest page by page. */
    for (uint64_t page = base; page < end; page += PMM_PAGE_SIZE) {
        uint64_t va = (uint64_t)(uintptr_t)phys_to_virt(page);
        if (pgtable_lookup(&kernel_pt, va, 0, 0, 0) == 0)
            continue;
        err = pgtable_map(&kernel_pt, va, page, PMM_PAGE_SIZE, prot);
        if (err)
            return err;
    }
    return 0;
}

static uint64_t stack_base(unsigned slot)
{
    return (uint64_t)kstack_top(slot) - KSTACK_SIZE;
}

void kmap_stack_map(unsigned slot, uint64_t pa)
{
    KASSERT(slot < KSTACK_AREA_SLOTS && slot != KSTACK_OVERFLOW_SLOT);
    /* The area's tables were made at boot and stay: four entries written, nothing allocated (every fork pays it). */
    int err = pgtable_fixed_set(&kernel_pt, stack_base(slot), pa, KSTACK_SIZE / PMM_PAGE_SIZE,
                                PGT_READ | PGT_WRITE | PGT_GLOBAL);
    KASSERT(err == 0);
    (void)err;
}

void kmap_stack_unmap(unsigned slot)
{
    KASSERT(slot < KSTACK_AREA_SLOTS && slot != KSTACK_OVERFLOW_SLOT);
    /* Invalidated page by page: the slot's next stack is other memory, and a stale entry would write the old. */
    int err = pgtable_fixed_clear(&kernel_pt, stack_base(slot), KSTACK_SIZE / PMM_PAGE_SIZE);
    KASSERT(err == 0);
    (void)err;
}

/*
 * The stack area: its tables made once for all its slots, and the overflow stack, which exception entry switches to
 * when the running stack has overflowed (vectors.S), mapped for good.
 */
static int map_stack_area(void)
{
    int err = pgtable_fixed_reserve(&kernel_pt, KSTACK_AREA, (uint64_t)KSTACK_AREA_SLOTS * KSTACK_SLOT_SIZE);
    if (err)
        return err;
    uint64_t pa = pmm_alloc(KSTACK_SHIFT - PMM_PAGE_SHIFT);
    if (!pa)
        return -E_NOMEM;
    return pgtable_fixed_set(&kernel_pt, stack_base(KSTACK_OVERFLOW_SLOT), pa, KSTACK_SIZE / PMM_PAGE_SIZE,
                             PGT_READ | PGT_WRITE | PGT_GLOBAL);
}

int kmap_init(const struct platform *p, uint64_t dtb_pa, uint64_t dtb_size, const struct kmap_device *dev, int ndev)
{
    int err = start_allocator(p, dtb_pa, dtb_size);
    if (err)
        return err;
    err = pgtable_create(&kernel_pt, &kernel_ops, 0, false);
    if (err)
        return err;

    /* RAM around the image read-write, never executable; the image with its own permissions. */
    uint64_t kstart = virt_to_phys(_head_start), kend = virt_to_phys(_kernel_end);
    for (int i = 0; i < p->mem_count && !err; i++) {
        uint64_t base = align_up(p->mem[i].base);
        uint64_t end = align_down(p->mem[i].base + p->mem[i].size);
        if (end <= base)
            continue;
        if (kstart >= base && kend <= end) {
            if (kstart > base)
                err = map_ram(base, kstart - base, p);
            if (!err && end > kend)
                err = map_ram(kend, end - kend, p);
        } else {
            err = map_ram(base, end - base, p);
        }
    }
    if (!err)
        err = map_kernel_image();
    for (int i = 0; i < ndev && !err; i++)
        err = map_device(dev[i].base, dev[i].size);
    if (!err)
        err = map_stack_area();
    if (err)
        return err;
    arch_set_kernel_table(pgtable_ttbr(&kernel_pt));
    /* The boot identity map is no longer needed; until a program runs, TTBR0 maps nothing. */
    kmap_user_table_none();
    return 0;
}

void kmap_user_table_none(void)
{
    arch_set_user_table(virt_to_phys(empty_user_table));
}
