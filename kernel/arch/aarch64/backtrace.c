/*
 * Kernel backtraces for panics: follow the chain of AAPCS64 frame records (each function
 * built with frame pointers stores {previous x29, x30} at x29) and name each return
 * address from the symbol table linked into the image (tools/ksyms.py).
 */
#include <stdint.h>

#include "arch/backtrace.h"
#include "arch/memlayout.h"
#include "console.h"

#define MAX_FRAMES 16

extern const uint64_t ksyms_count;
extern const uint64_t ksyms_addr[];
extern const char *const ksyms_name[];
extern char _head_start[], _etext[];

const char *ksym_lookup(uintptr_t addr, uintptr_t *offset)
{
    if (ksyms_count == 0 || addr < ksyms_addr[0] || addr >= (uintptr_t)_etext)
        return 0;
    uint64_t lo = 0, hi = ksyms_count; /* the last entry whose address is <= addr */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (ksyms_addr[mid] <= addr)
            lo = mid;
        else
            hi = mid;
    }
    *offset = addr - ksyms_addr[lo];
    return ksyms_name[lo];
}

static void print_frame(int n, uintptr_t pc)
{
    uintptr_t off;
    const char *name = ksym_lookup(pc, &off);
    if (name)
        kprintf("  #%d 0x%016lx %s+%#lx\n", n, (unsigned long)pc, name, (unsigned long)off);
    else
        kprintf("  #%d 0x%016lx ?\n", n, (unsigned long)pc);
}

void backtrace_print(uintptr_t pc, uintptr_t fp)
{
    kprintf("backtrace:\n");
    print_frame(0, pc);
    /*
     * Frames live on one kernel stack, 16-byte aligned, each older than the last. The chain is followed only inside
     * the stack it starts on (arch/memlayout.h: the mapped half of one slot), so a corrupt or overflowed chain
     * never leads the walk into a guard or anywhere unmapped.
     */
    uintptr_t start = fp;
    for (int n = 1; n < MAX_FRAMES; n++) {
        if (fp < LINEAR_BASE || (fp & 15) || !kstack_same(start, fp) || !kstack_same(start, fp + 8))
            break;
        const uintptr_t *frame = (const uintptr_t *)fp;
        uintptr_t next = frame[0], lr = frame[1];
        if (lr < (uintptr_t)_head_start || lr >= (uintptr_t)_etext)
            break;
        print_frame(n, lr - 4); /* the call instruction, not the one after it */
        if (next <= fp)
            break;
        fp = next;
    }
}
