"""Per-CPU counters in /scheme/sys/cpu (kernel/scheme/sys_files.c, write_cpu_counters): one `cpuN ...` line per CPU
after the file's facts, read from each CPU's own `struct cpu_stats`. With four CPUs and four CPU-bound jobs every
CPU must show that it did work: its switch count grew, its idle time grew by less than the time that passed and
stays below the uptime, and the busy share is what the idle counter says."""
import re
import time

import pytest

from test_affinity import require_smp_core
from test_shell import Shell

CPU_LINE = re.compile(r"^cpu(\d+) online ([01]) idle_ns (\d+) busy_pct (\d+) switches (\d+) irqs (\d+) ipis (\d+) "
                      r"migrations (\d+)$")


def read_cpu(sh):
    """(facts, {cpu: counters}, uptime ns) from one cat of /scheme/sys/cpu and one of /scheme/sys/uptime."""
    text = sh.run("cat /scheme/sys/cpu")
    up = int(re.search(r"^ns (\d+)$", sh.run("cat /scheme/sys/uptime"), re.M).group(1))
    facts, cpus = {}, {}
    for line in text.splitlines():
        m = CPU_LINE.match(line)
        if m:
            n = int(m.group(1))
            assert n not in cpus, text
            cpus[n] = dict(zip(("online", "idle_ns", "busy_pct", "switches", "irqs", "ipis", "migrations"),
                               map(int, m.groups()[1:])))
        else:
            assert not line.startswith("cpu") or line.split(" ", 1)[0] in ("cpus", "cpus_online", "cpu_name"), line
            facts.update([line.split(" ", 1)])
    return facts, cpus, up


def test_cpu_lines_on_one_cpu(build):
    require_smp_core()
    sh = Shell(build)
    try:
        facts, cpus, up = read_cpu(sh)
        # The facts the file always had are all still there, first.
        for key in ("cpus", "cpus_online", "midr", "timer_hz", "gic", "el", "entry_el", "cpu_name", "model"):
            assert key in facts, facts
        assert facts["cpus"] == "1" and facts["cpus_online"] == "1", facts
        assert list(cpus) == [0] and cpus[0]["online"] == 1, cpus
        c = cpus[0]
        assert c["idle_ns"] < up, (c, up)
        # The file was made before the uptime was read: its share of busy time cannot be above the later one's.
        assert 0 <= c["busy_pct"] <= (up - c["idle_ns"]) * 100 // up + 1, (c, up)
        assert c["switches"] > 0 and c["irqs"] > 0, c  # the shell has run, and the timer and the UART interrupted
        _, again, _ = read_cpu(sh)
        assert again[0]["switches"] > c["switches"], (c, again)
        sh.poweroff()
    finally:
        sh.close()


@pytest.mark.parametrize("smp", [4])
def test_every_cpu_works_under_four_cpu_bound_jobs(build, smp):
    require_smp_core()
    sh = Shell(build, smp=smp)
    # Four spinning vCPUs on a host with fewer cores leave the shell's vCPU little host time: answers come slowly.
    sh.c.timeout = 60
    try:
        facts, before, up0 = read_cpu(sh)
        assert facts["cpus"] == str(smp) and facts["cpus_online"] == str(smp), facts
        assert sorted(before) == list(range(smp)) and all(c["online"] == 1 for c in before.values()), before
        # The jobs spin far longer than the window and are killed after it: on a loaded host typing the commands
        # can take seconds, and a job that ran out of time before the window ended would leave its CPU idle.
        for i in range(smp):
            sh.run("spin 300 &")
        assert sh.run("ps").count("spin") == smp
        _, start, up_s = read_cpu(sh)
        time.sleep(1.5)
        _, during, up1 = read_cpu(sh)
        sh.run("kill -1 9")
        sh.run("sleep 1")
        assert "spin" not in sh.run("ps")
        _, after, up2 = read_cpu(sh)
        for n in range(smp):
            b, d, a = before[n], during[n], after[n]
            assert a["idle_ns"] < up2 and d["idle_ns"] < up1, (n, d, a, up1, up2)
            assert d["switches"] > b["switches"] and a["switches"] >= d["switches"], (n, b, d, a)
            # While four jobs spun on four CPUs, no CPU sat idle for most of the time.
            assert d["idle_ns"] - start[n]["idle_ns"] < (up1 - up_s) // 2, (n, start[n], d, up_s, up1)
            assert 0 <= a["busy_pct"] <= 100, a
        sh.poweroff()
    finally:
        sh.close()
