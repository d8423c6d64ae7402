/*
 * proctest: run as /bin/init by tests/test_proc.py, with /bin/child beside it. Checks
 * spawn (arguments, refusals), wait (status, any child, NOHANG, no children), exit codes
 * of killed children, preemption by the timer, sleep, FP/SIMD state across switches,
 * re-parenting of orphans, and that spawn/exit cycles give every page back.
 */
#include <stdint.h>

#include <wren/check.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define CHILD     "/bin/child"
#define CHILD_LEN 10

static long spawn(const char *args, unsigned long len)
{
    return wren_spawn(CHILD, CHILD_LEN, args, len);
}

static long status_of(long pid)
{
    int32_t status = -1;
    long r = wren_wait((int32_t)pid, &status, 0);
    return r == pid ? status : -1000 + r;
}

static uint64_t free_bytes(void)
{
    struct wren_meminfo mi;
    return wren_mem_info(&mi) == 0 ? mi.free : 0;
}

static long now_ms(void)
{
    return wren_get_time(WREN_CLOCK_MONOTONIC) / 1000000;
}

int main(void)
{
    wren_check_begin("proctest");
    wren_check("get_pid() of init", wren_get_pid(), 1);

    static const char exit42[] = "child\0exit\00042";
    long pid = spawn(exit42, sizeof(exit42));
    wren_check("spawn returns a new pid", pid > 1, 1);
    wren_check("wait gives the exit status", status_of(pid), 42);
    wren_check("the child is gone after wait", wren_wait((int32_t)pid, 0, 0), -E_CHILD);

    static const char args[] = "child\0args\0hello";
    wren_check("argv reaches the child (argc*10 + strlen)", status_of(spawn(args, sizeof(args))), 35);

    static const char fault[] = "child\0fault";
    wren_check("a faulting child is killed with 139", status_of(spawn(fault, sizeof(fault))), 139);

    wren_check("wait with no children", wren_wait(-1, 0, 0), -E_CHILD);
    wren_check("wait for a pid that is not a child", wren_wait(999, 0, 0), -E_CHILD);
    wren_check("spawn a missing program", wren_spawn("/bin/nope", 9, exit42, sizeof(exit42)), -E_NOENT);
    wren_check("spawn with an empty path", wren_spawn("/bin/child", 0, exit42, sizeof(exit42)), -E_INVAL);
    wren_check("spawn with unterminated argv", spawn("child", 5), -E_INVAL);
    wren_check("spawn with a bad path pointer", wren_spawn((const char *)0x10, 9, 0, 0), -E_FAULT);
    wren_check("spawn with a kernel argv pointer", spawn((const char *)0xffff000040200000ull, 8), -E_FAULT);

    /* NOHANG on a running child, then a blocking wait. */
    static const char spin100[] = "child\0spin\000100";
    pid = spawn(spin100, sizeof(spin100));
    wren_check("wait NOHANG while the child runs", wren_wait((int32_t)pid, 0, WREN_WAIT_NOHANG), -E_AGAIN);
    /* Preemption: the child spins for 100 ms at the same priority; our 20 ms sleep must end long before. */
    long t0 = now_ms();
    wren_check("sleep(20 ms)", wren_sleep(20000000), 0);
    long slept = now_ms() - t0;
    wren_check("slept at least 20 ms", slept >= 20, 1);
    wren_check("...and woke while a CPU-bound child ran (< 60 ms)", slept < 60, 1);
    wren_check("the spinning child exits 0", status_of(pid), 0);

    /* FP/SIMD registers belong to each process: three children computing at once, preempted. */
    static const char fp[] = "child\0fp\0003000000";
    long a = spawn(fp, sizeof(fp)), b = spawn(fp, sizeof(fp)), c = spawn(fp, sizeof(fp));
    double mine = 0;
    for (int i = 1; i <= 2000000; i++)
        mine += 0.5;
    wren_check("our own FP result survives preemption", mine == 1000000.0, 1);
    wren_check("fp child 1", status_of(a), 0);
    wren_check("fp child 2", status_of(b), 0);
    wren_check("fp child 3", status_of(c), 0);

    /* Orphans: the child exits at once; its own child is re-parented to us (init). */
    static const char orphan[] = "child\0orphan";
    long o = spawn(orphan, sizeof(orphan));
    wren_check("the orphan's parent exits 0", status_of(o), 0);
    int32_t st = -1;
    long g = wren_wait(-1, &st, 0);
    wren_check("init reaps the orphaned grandchild", g > o && st == 0, 1);

    /* No leaks: 200 spawn/exit/wait cycles give back every page. */
    uint64_t before = free_bytes();
    static const char exit0[] = "child\0exit\0000";
    int ok = 1;
    for (int i = 0; i < 200 && ok; i++)
        ok = status_of(spawn(exit0, sizeof(exit0))) == 0;
    wren_check("200 spawn/wait cycles", ok, 1);
    wren_check("free memory back to where it started", (long)(before - free_bytes()), 0);

    wren_check("yield with nobody else ready", wren_yield(), 0);
    return wren_check_end();
}
