/* In-guest self-check harness (see wren/check.h). */
#include <wren/check.h>
#include <wren/print.h>
#include <wren/syscalls.h>

static const char *prog = "check";
static long passed, failed;

void wren_check_begin(const char *program)
{
    prog = program;
    passed = failed = 0;
}

int wren_check(const char *what, long got, long want)
{
    wren_print(prog);
    wren_print(got == want ? ": ok   " : ": FAIL ");
    wren_print(what);
    wren_print(" -> ");
    wren_print_dec(got);
    if (got != want) {
        wren_print(" (want ");
        wren_print_dec(want);
        wren_print(")");
        failed++;
    } else {
        passed++;
    }
    wren_print("\n");
    return got == want;
}

int wren_check_end(void)
{
    wren_print(prog);
    wren_print(": ");
    wren_print_dec(passed);
    wren_print(" passed, ");
    wren_print_dec(failed);
    wren_print(" failed\n");
    return failed ? 1 : 0;
}

long wren_check_wait_status(long pid)
{
    int32_t status = -1;
    return wren_wait((int32_t)pid, &status, 0) == pid ? status : -1000;
}

uint64_t wren_check_free_bytes(void)
{
    struct wren_meminfo mi;
    return wren_mem_info(&mi) == 0 ? mi.free : 0;
}

struct wren_kernel_stats wren_check_kstats(void)
{
    struct wren_kernel_stats ks = {0};
    wren_kernel_stats(&ks);
    return ks;
}
