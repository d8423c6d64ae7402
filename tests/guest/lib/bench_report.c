/* The benchmark programs' figure printing (wren/bench_report.h). */
#include <wren/bench_report.h>
#include <wren/counter.h>
#include <wren/print.h>

void bench_print_x100(const char *key, uint64_t x100)
{
    wren_print("bench: ");
    wren_print(key);
    wren_print(" ");
    wren_print_dec((long)(x100 / 100));
    wren_print(x100 % 100 < 10 ? ".0" : ".");
    wren_print_dec((long)(x100 % 100));
    wren_print("\n");
}

void bench_report(const char *key, uint64_t ticks, uint64_t n)
{
    static uint64_t ns_per_tick_x100; /* the counter's period in hundredths of a ns, read once */
    if (!ns_per_tick_x100)
        ns_per_tick_x100 = 100000000000ull / wren_counter_hz();
    bench_print_x100(key, ticks * ns_per_tick_x100 / n);
}
