/*
 * proctest: run as /bin/init by tests/test_proc.py, with /bin/child beside it. Checks
 * spawn (arguments, refusals), wait (status, any child, NOHANG, no children), exit codes
 * of killed children, preemption by the timer, sleep, FP/SIMD state across switches,
 * re-parenting of orphans, that spawn/exit cycles give every page back, and exec: the new
 * image with its new argv, same pid and children, clean FP/SIMD state, refusals that leave
 * the caller as it was (tried by init itself), and exec cycles that give every page back.
 * Expects /bin/notelf (not an ELF), /bin/wx (/bin/child with a writable and executable
 * segment) and /bin/child2 (a copy of /bin/child) in the initrd too.
 */
#include <stdint.h>

#include <wren/check.h>
#include <wren/print.h>
#include <wren/syscalls.h>

#define CHILD     "/bin/child"
#define CHILD_LEN 10

static long spawn(const char *args, unsigned long len)
{
    return wren_spawn(CHILD, CHILD_LEN, args, len, 0);
}

static long status_of(long pid)
{
    int32_t status = -1;
    long r = wren_wait((int32_t)pid, &status, 0);
    return r == pid ? status : -1000 + r;
}

static long now_ms(void)
{
    return wren_get_time(WREN_CLOCK_MONOTONIC) / 1000000;
}

/* The priority proc_info reports for pid (what ps shows), or -1 if it is not listed. */
static long prio_of(long pid)
{
    struct wren_proc_info pi;
    for (long c = 0; (c = wren_proc_info((uint32_t)c, &pi)) > 0;)
        if (pi.pid == pid)
            return pi.priority;
    return -1;
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
    wren_check("a faulting child is killed by SIGSEGV", status_of(spawn(fault, sizeof(fault))),
               WREN_WAIT_STATUS_SIGNALED | WREN_SIGNAL_SIGSEGV);

    wren_check("wait with no children", wren_wait(-1, 0, 0), -E_CHILD);
    wren_check("wait for a pid that is not a child", wren_wait(999, 0, 0), -E_CHILD);
    wren_check("spawn a missing program", wren_spawn("/bin/nope", 9, exit42, sizeof(exit42), 0), -E_NOENT);
    wren_check("spawn with an empty path", wren_spawn("/bin/child", 0, exit42, sizeof(exit42), 0), -E_INVAL);
    wren_check("spawn with unterminated argv", spawn("child", 5), -E_INVAL);
    wren_check("spawn with a bad path pointer", wren_spawn((const char *)0x10, 9, 0, 0, 0), -E_FAULT);
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
    /* Sleeps end at their deadline, not at the next tick of a periodic clock: ten 3 ms sleeps take ~30 ms
     * (a 100 Hz tick would round each up to 10 ms). */
    t0 = now_ms();
    for (int i = 0; i < 10; i++)
        wren_sleep(3000000);
    slept = now_ms() - t0;
    wren_check("ten 3 ms sleeps take at least 30 ms", slept >= 30, 1);
    wren_check("...and less than 60 ms (one-shot deadlines)", slept < 60, 1);

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

    /*
     * fork copies the live FP/SIMD registers: d9 (callee-saved, so it survives the fork call)
     * holds a value only the registers know; the child must see it, and a switch to the
     * child and back must not disturb ours. FP is switched lazily, so this is the case where
     * the registers are newer than the copy in memory.
     */
    double d9_before = 4242.25, d9_child = 0, d9_after = 0;
    __asm__ volatile("fmov d9, %d0" : : "w"(d9_before) : "d9");
    long fk = wren_fork();
    if (fk == 0) {
        __asm__ volatile("fmov %d0, d9" : "=w"(d9_child));
        wren_exit(d9_child == 4242.25 ? 0 : 1);
    }
    int fk_status = (int)status_of(fk);
    __asm__ volatile("fmov %d0, d9" : "=w"(d9_after));
    wren_check("fork: the child sees the parent's live FP registers", fk_status, 0);
    wren_check("  and the parent's survive the child running", d9_after == 4242.25, 1);

    /* Orphans: the child exits at once; its own child is re-parented to us (init). */
    static const char orphan[] = "child\0orphan";
    long o = spawn(orphan, sizeof(orphan));
    wren_check("the orphan's parent exits 0", status_of(o), 0);
    int32_t st = -1;
    long g = wren_wait(-1, &st, 0);
    wren_check("init reaps the orphaned grandchild", g > o && st == 0, 1);

    /* No leaks: 200 spawn/exit/wait cycles give back every page. */
    uint64_t before = wren_check_free_bytes();
    static const char exit0[] = "child\0exit\0000";
    int ok = 1;
    for (int i = 0; i < 200 && ok; i++)
        ok = status_of(spawn(exit0, sizeof(exit0))) == 0;
    wren_check("200 spawn/wait cycles", ok, 1);
    wren_check("free memory back to where it started", (long)(before - wren_check_free_bytes()), 0);

    /* exec: the parent sees what the new image computes from its new argv: argc * 10 + strlen(argv[2]). */
    static const char exec3[] = "child\0exec\0/bin/child\0child\0args\0hello!!";
    wren_check("exec runs the new image with the new argv", status_of(spawn(exec3, sizeof(exec3))), 37);
    static const char exec5[] = "child\0exec\0/bin/child\0child\0args\0xy\0more\0args";
    wren_check("exec passes argc in x0", status_of(spawn(exec5, sizeof(exec5))), 52);
    static const char execpid[] = "child\0execpid";
    wren_check("exec keeps the pid", status_of(spawn(execpid, sizeof(execpid))), 77);
    static const char kidexec[] = "child\0kidexec";
    wren_check("exec keeps the children (reaped by the new image)", status_of(spawn(kidexec, sizeof(kidexec))), 109);
    static const char fpexec[] = "child\0fpexec";
    wren_check("exec starts with FPCR, FPSR and d8-d15 zero", status_of(spawn(fpexec, sizeof(fpexec))), 60);
    /* The name follows the program: test_proc.py looks for "(/bin/child2) killed". */
    static const char renamed[] = "child\0exec\0/bin/child2\0child\0fault";
    wren_check("an exec'd image that faults is killed", status_of(spawn(renamed, sizeof(renamed))),
               WREN_WAIT_STATUS_SIGNALED | WREN_SIGNAL_SIGSEGV);

    /* A failed exec returns its error to the old image, which carries on (120 + error number). */
    static const char missing[] = "child\0exec\0/bin/nope\0child\0exit\0007";
    wren_check("exec of a missing program: the child goes on", status_of(spawn(missing, sizeof(missing))),
               120 + E_NOENT);
    static const char notelf[] = "child\0exec\0/bin/notelf\0child\0exit\0007";
    wren_check("exec of a non-ELF file: the child goes on", status_of(spawn(notelf, sizeof(notelf))), 120 + E_NOEXEC);
    static const char wx[] = "child\0exec\0/bin/wx\0child\0exit\0007";
    wren_check("exec of a W+X program: the child goes on", status_of(spawn(wx, sizeof(wx))), 120 + E_NOEXEC);

    /* Refusals tried by init itself: each must leave us running, with no page kept. */
    static char many[64 * 2]; /* 64 arguments "a": one more than the initial stack takes */
    for (unsigned i = 0; i < sizeof(many); i += 2)
        many[i] = 'a';
    before = wren_check_free_bytes();
    wren_check("exec a missing program", wren_exec("/bin/nope", 9, exit42, sizeof(exit42), 0, 0), -E_NOENT);
    wren_check("exec a non-ELF file", wren_exec("/bin/notelf", 11, exit42, sizeof(exit42), 0, 0), -E_NOEXEC);
    wren_check("exec a W+X program (fails half loaded)", wren_exec("/bin/wx", 7, exit42, sizeof(exit42), 0, 0),
               -E_NOEXEC);
    wren_check("exec with a bad path pointer", wren_exec((const char *)0x10, 9, 0, 0, 0, 0), -E_FAULT);
    wren_check("exec with a kernel argv pointer",
               wren_exec(CHILD, CHILD_LEN, (const char *)0xffff000040200000ull, 8, 0, 0), -E_FAULT);
    wren_check("exec with unterminated argv", wren_exec(CHILD, CHILD_LEN, "child", 5, 0, 0), -E_INVAL);
    wren_check("exec with an empty path", wren_exec(CHILD, 0, exit42, sizeof(exit42), 0, 0), -E_INVAL);
    wren_check("exec with a 256-byte path", wren_exec(CHILD, 256, exit42, sizeof(exit42), 0, 0), -E_NAMETOOLONG);
    wren_check("exec with 4097 bytes of argv", wren_exec(CHILD, CHILD_LEN, exit42, 4097, 0, 0), -E_TOOBIG);
    wren_check("exec with 64 arguments (fails after loading)", wren_exec(CHILD, CHILD_LEN, many, sizeof(many), 0, 0),
               -E_TOOBIG);
    wren_check("failed execs keep no memory", (long)(before - wren_check_free_bytes()), 0);
    wren_check("...and we are still pid 1", wren_get_pid(), 1);

    /* No leaks: one process exec'ing itself 100 times gives back every page. */
    before = wren_check_free_bytes();
    static const char loop100[] = "child\0loop\000100";
    wren_check("100 exec cycles end in the last image", status_of(spawn(loop100, sizeof(loop100))), 55);
    wren_check("free memory back to where it started", (long)(before - wren_check_free_bytes()), 0);

    wren_check("yield with nobody else ready", wren_yield(), 0);

    /* Priorities. */
    wren_check("set_priority 0 (idle's)", wren_set_priority(0, 0), -E_INVAL);
    wren_check("set_priority 32", wren_set_priority(0, 32), -E_INVAL);
    wren_check("set_priority of a stranger", wren_set_priority(999, 5), -E_SRCH);
    wren_check("set_priority returns the old priority", wren_set_priority(0, 9), 8);
    wren_check("...and takes effect", wren_set_priority(0, 8), 9);
    static const char rtgrand[] = "child\0rtgrand";
    wren_check("an unprivileged parent's child cannot climb above it", status_of(spawn(rtgrand, sizeof(rtgrand))), 0);
    /* Priorities order the threads of one CPU: pinned to CPU 0 (the children spawned inherit it), a real-time child
     * has to preempt us instead of running beside us on another CPU, and a low-priority one has no CPU to go to. */
    long mask = wren_get_affinity(0);
    wren_check("pin ourselves to CPU 0", wren_set_affinity(0, 1), 0);
    /* A real-time child preempts us at once and runs to completion before we continue. */
    static const char spin60[] = "child\0spin\00060";
    /* Before the spawn: a loaded host can end our slice right after it, and the child start its 60 ms early. */
    long t1 = now_ms();
    pid = spawn(spin60, sizeof(spin60));
    wren_check("raise a child into the real-time class", wren_set_priority((int32_t)pid, 20), 8);
    wren_check("...it ran to the end before we got the CPU back", wren_wait((int32_t)pid, 0, WREN_WAIT_NOHANG), pid);
    wren_check("...which took its 60 ms", now_ms() - t1 >= 59, 1);
    /* A lower-priority child gets no CPU while we are busy. */
    static const char spin20[] = "child\0spin\00020";
    pid = spawn(spin20, sizeof(spin20));
    wren_check("lower a child's priority", wren_set_priority((int32_t)pid, 2), 8);
    wren_check("...proc_info (ps's PRIO) reports 2 for it", prio_of(pid), 2);
    wren_check("...and 8 for us", prio_of(wren_get_pid()), 8);
    long busy_until = now_ms() + 50;
    while (now_ms() < busy_until)
        ;
    wren_check("...it has not run while we spun for 50 ms", wren_wait((int32_t)pid, 0, WREN_WAIT_NOHANG), -E_AGAIN);
    wren_check("...and finishes once we wait", status_of(pid), 0);
    wren_set_affinity(0, (uint32_t)mask);
    return wren_check_end();
}
