/*
 * fault_readonly: run as /bin/init by tests/test_memory.py, which expects it to be killed.
 * After mprotect(PROT_READ) a page keeps its contents but a write to it must fault.
 */
#include <stdint.h>

#include <wren/print.h>
#include <wren/syscalls.h>

int main(void)
{
    long a = wren_mmap(0, 4096, WREN_PROT_READ | WREN_PROT_WRITE, WREN_MAP_PRIVATE | WREN_MAP_ANONYMOUS, -1, 0);
    volatile uint64_t *p = (volatile uint64_t *)a;

    *p = 42;
    if (wren_mprotect((void *)a, 4096, WREN_PROT_READ) != 0 || *p != 42)
        return 1;
    wren_print("fault_readonly: still readable, writing ");
    wren_print_hex((uint64_t)a);
    wren_print("\n");
    *p = 43;
    wren_print("fault_readonly: the read-only page was written!\n");
    return 0;
}
