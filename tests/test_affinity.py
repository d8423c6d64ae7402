"""CPU affinity from user space: set_affinity and get_affinity, spawn's `affinity` option, and the shell's way to pin
a job (`taskset`) with ps showing each process's CPU. tests/guest/affinitytest checks the calls' rules from inside
(what is kept of a mask, who may set and read it, what children get, where a pinned process runs); here it is run
on one CPU and on four, and the shell side is checked as a person would type it."""
import os
import re

import pytest

from conftest import REPO
from qemu import boot
from test_shell import Shell
from test_syscalls import make_initrd


def require_smp_core():
    """Skip a check that needs more than the boot CPU running (or the counters it fills) in a tree without the SMP
    core (kernel/proc/smp.c, which brings up the secondaries). Decided by the source, never by what a boot shows, so
    a core that fails to start a CPU fails these tests instead of skipping them."""
    if not os.path.exists(os.path.join(REPO, "kernel", "proc", "smp.c")):
        pytest.skip("this tree has no SMP core (kernel/proc/smp.c): one CPU runs, and nothing fills cpus[].stats")


def ps_rows(out):
    """{pid: (ppid, state, cpu, name)} from ps's output."""
    lines = out.splitlines()
    assert lines[0] == "  PID  PPID STATE   PRIO    MEM CPU NAME", out
    rows = {}
    for line in lines[1:]:
        m = re.match(r"^ *(\d+) +(\d+) (\w+) +\d+ +\d+K +(\d+) (\S+)$", line)
        assert m, "a ps row that does not parse: %r" % line
        rows[int(m.group(1))] = (int(m.group(2)), m.group(3), int(m.group(4)), m.group(5))
    return rows


@pytest.mark.parametrize("smp", [1, 4])
def test_affinity_calls_from_a_guest(build, tmp_path, smp):
    if smp > 1:
        require_smp_core()
    r = boot(build, smp=smp, bootargs="-- %d" % smp, timeout=60,
             initrd=make_initrd(tmp_path, build, program="affinitytest", extra=["affinitytest"]))
    r.require_clean_poweroff()
    out = r.output
    assert "FAIL" not in out, out
    m = re.search(r"affinitytest: (\d+) passed, (\d+) failed", out)
    want = 43 if smp >= 3 else 35
    assert m and int(m.group(1)) >= want and m.group(2) == "0", out
    if smp >= 3:
        assert "affinitytest: ok   a child spawned for CPU 2 runs on CPU 2 -> 2" in out, out


def test_taskset_pins_a_command_and_ps_shows_the_cpu(build):
    sh = Shell(build, smp=1)
    try:
        # ps run through taskset is pinned to CPU 0 (the only one here) and says so; everything runs on CPU 0.
        rows = ps_rows(sh.run("taskset 1 ps"))
        ps = [pid for pid, r in rows.items() if r[3] == "/bin/ps"]
        assert len(ps) == 1 and all(r[2] == 0 for r in rows.values()), rows
        assert sh.run("taskset -p 1") == "pid 1's affinity mask: 1\n"
        assert sh.run("taskset -c 0 echo pinned") == "pinned\n"
        # A mask of CPUs this machine lacks, a bad mask, a bad list, a missing program: each said, nothing run.
        out = sh.run("taskset 6 echo no")
        assert "taskset: mask 6 names no CPU of this machine (its CPUs: 1)" in out and "[exit 1]" in out, out
        assert "no\n" not in out, out
        out = sh.run("taskset zz echo no")
        assert "taskset: zz: not a hexadecimal CPU mask" in out and "[exit 2]" in out, out
        out = sh.run("taskset -c 1-0 echo no")
        assert "taskset: 1-0: not a CPU list (like 2 or 0,2-3)" in out and "[exit 2]" in out, out
        out = sh.run("taskset 1 nosuch")
        assert "taskset: /bin/nosuch: cannot run" in out and "[exit 127]" in out, out
        out = sh.run("taskset -p 999")
        assert "taskset: 999: no such process" in out and "[exit 1]" in out, out
        assert "usage: taskset MASK command" in sh.run("taskset 1")
        sh.poweroff()
    finally:
        sh.close()


def test_taskset_on_four_cpus(build):
    """With four CPUs: a job pinned to CPU 2 is on CPU 2 in ps, and so are the processes it starts (exec and fork keep
    the mask); the shell itself may still run anywhere."""
    require_smp_core()
    sh = Shell(build, smp=4)
    try:
        assert sh.run("taskset -p 1") == "pid 1's affinity mask: f\n"
        out = sh.run("taskset -c 2 spin 3 &")
        spin = int(re.match(r"\[1\] (\d+)\n", out).group(1))
        rows = ps_rows(sh.run("ps"))
        assert rows[spin][3] == "/bin/spin" and rows[spin][2] == 2, rows
        assert sh.run("taskset -p %d" % spin) == "pid %d's affinity mask: 4\n" % spin
        rows = ps_rows(sh.run("taskset 8 ps"))
        mine = [r for r in rows.values() if r[3] == "/bin/ps"]
        assert len(mine) == 1 and mine[0][2] == 3 and mine[0][1] == "run", rows
        sh.run("kill %d" % spin)
        sh.poweroff()
    finally:
        sh.close()
