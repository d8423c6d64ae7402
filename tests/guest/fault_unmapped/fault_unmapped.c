/*
 * fault_unmapped: run as /bin/init by tests/test_memory.py, which expects it to be killed.
 * A page that was mapped, touched (so the page table and the TLB hold its translation) and
 * unmapped must fault when read again: munmap cleared the entry and invalidated the TLB.
 */
#include <stdint.h>

#include <wren/print.h>
#include <wren/syscalls.h>

int main(void)
{
    long a = wren_mmap(0, 4096, WREN_PROT_READ | WREN_PROT_WRITE, WREN_MAP_PRIVATE | WREN_MAP_ANONYMOUS, -1, 0);
    volatile uint64_t *p = (volatile uint64_t *)a;

    *p = 42;
    if (*p != 42 || wren_munmap((void *)a, 4096) != 0)
        return 1;
    wren_print("fault_unmapped: reading ");
    wren_print_hex((uint64_t)a);
    wren_print("\n");
    (void)*p;
    wren_print("fault_unmapped: the unmapped page is still readable!\n");
    return 0;
}
