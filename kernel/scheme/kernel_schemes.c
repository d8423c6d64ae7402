/* Registering the kernel's schemes at boot (kernel_schemes.h), in the order `ls /scheme` lists them. */
#include "scheme/kernel_schemes.h"

#include "panic.h"

void kernel_scheme_register(struct scheme *s)
{
    if (scheme_register(s) != 0)
        panic("scheme: cannot register kernel scheme %s", s->name);
}

void scheme_init(void)
{
    file_scheme_init();
    console_scheme_init();
    sys_scheme_init();
    null_scheme_init();
    time_scheme_init();
    pipe_scheme_init();
    memory_scheme_init();
    mmio_scheme_init();
    irq_scheme_init();
}
