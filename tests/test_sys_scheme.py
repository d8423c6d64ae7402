"""The kernel's `sys` scheme (/scheme/sys): read-only kernel state as text files. tests/guest/systest checks what
it can from inside (syscall counts rising by exactly the calls it made, snapshots read in pieces and after seeks,
refusals, no leak over many opens, uptime against the clock, memory against mem_info and kernel_stats) and prints
the process list, the cpu file and the log for the checks here against what the host knows: the children it
spawned, the machine QEMU was told to be, the boot lines the console showed. A boot with every syscall traced
floods the log past its 32 KiB and checks the dropped-bytes count to the byte."""
import re

import pytest

from qemu import boot
from test_shell import Shell
from test_syscalls import make_initrd


def block(out, name):
    """The lines systest printed between its begin and end markers for `name`."""
    m = re.search(r"^systest: begin %s\n(.*?)^systest: end %s$" % (name, name), out, re.M | re.S)
    assert m, out
    return m.group(1)


def facts(text):
    """A "key value" file as a dict (the value is the rest of the line)."""
    return dict(line.split(" ", 1) for line in text.splitlines())


@pytest.mark.parametrize("gic,el2,smp", [(2, False, 1), (3, True, 2)], ids=["gicv2-el1-1cpu", "gicv3-el2-2cpus"])
def test_sys_files_from_a_guest(build, tmp_path, gic, el2, smp):
    r = boot(build, gic=gic, el2=el2, smp=smp, initrd=make_initrd(tmp_path, build, program="systest", extra=["child"]))
    r.require_clean_poweroff()
    out = r.output
    assert "FAIL" not in out, out
    m = re.search(r"systest: (\d+) passed, (\d+) failed", out)
    assert m and int(m.group(1)) >= 80 and m.group(2) == "0", out

    # The process list: a header, then the two children systest spawned, with their parent and program.
    lines = block(out, "processes").splitlines()
    assert lines[0] == "pid ppid state prio mem_kib cpu name", lines
    rows = {}
    for line in lines[1:]:
        pid, ppid, state, prio, kib, cpu, name = line.split(" ", 6)
        assert 0 <= int(cpu) < smp, line
        rows[int(pid)] = (int(ppid), state, int(prio), int(kib), name)
    a, b = map(int, re.search(r"systest: spawned (\d+) (\d+)", out).groups())
    assert rows[1][0] == 0 and rows[1][1] == "run" and rows[1][4] == "/bin/init", rows
    for child in (a, b):
        assert rows[child][0] == 1 and rows[child][1] in ("ready", "run") and rows[child][4] == "/bin/child", rows
    assert set(rows) == {1, a, b}, rows
    assert all(r[2] == 8 and r[3] > 0 for r in rows.values()), rows

    # The cpu file agrees with the banner and with the machine QEMU was told to be.
    cpu = facts(block(out, "cpu"))
    banner = re.search(r"^cpu: Cortex-A72 r(\d+)p(\d+) \(MIDR (0x[0-9a-f]+)\)", out, re.M)
    assert banner, out
    assert cpu["midr"] == banner.group(3) and cpu["cpu_name"] == "Cortex-A72", cpu
    assert (int(cpu["variant"]), int(cpu["revision"])) == (int(banner.group(1)), int(banner.group(2))), cpu
    assert cpu["implementer"] == "0x41" and cpu["part"] == "0xd08", cpu
    assert cpu["timer_hz"] == re.search(r"^timer: (\d+) Hz counter", out, re.M).group(1), cpu
    assert cpu["gic"] == str(gic) and cpu["el"] == "1" and cpu["entry_el"] == ("2" if el2 else "1"), cpu
    assert cpu["cpus"] == str(smp) and cpu["cpus_online"] == str(smp), cpu
    assert cpu["model"] == "linux,dummy-virt", cpu

    # The log: nothing dropped yet; it starts with the banner, and each of its lines is one the console showed.
    log = block(out, "log")
    assert log.startswith("dropped 0\n\nWren "), log[:200]
    body = log.split("\n", 1)[1]
    console = set(out.splitlines())
    for line in body.splitlines():
        assert line in console, line
    for want in (r"^Wren \d+\.\d+\.\d+ .* on linux,dummy-virt$", r"^timer: \d+ Hz counter", r"^memory: \d+ KiB free before pid 1$"):
        assert re.search(want, body, re.M), body


def test_log_flood_drops_the_oldest_and_counts_them(build, tmp_path):
    """Every syscall traced: systest's 3,000 get_pid calls print about 87 KB, far more than the log's 32 KiB. The log
    then keeps whole lines only, nearly 32 KiB of them, and says how many bytes it dropped: dropped + kept is
    exactly what the kernel printed until the log was opened (the console shows all of it)."""
    r = boot(build, bootargs="trace=syscalls -- flood", timeout=60,
             initrd=make_initrd(tmp_path, build, program="systest", extra=["dmesg"]))
    r.require_clean_poweroff()
    out = r.output
    m = re.search(r"^systest: log dropped (\d+) kept (\d+)$", out, re.M)
    assert m, out[-3000:]
    dropped, kept = int(m.group(1)), int(m.group(2))
    # What the kernel printed before the snapshot: everything before the trace line of the log's open (printed
    # when the open returns), and nothing of systest's own until then.
    before = out[:m.start()]
    opened = list(re.finditer(r"^\[trace\] pid 1 open\(.*\) = 3$", before, re.M))
    assert opened, before[-2000:]
    printed = before[:opened[-1].start()]
    assert dropped + kept == len(printed.encode()), (dropped, kept, len(printed))
    assert 30000 < kept <= 32 * 1024 - 256 and dropped > 50000, (dropped, kept)
    # The oldest line kept is a whole line the console showed, and where it starts is a line start.
    first = re.search(r"^systest: log first line: (.*)$", out, re.M).group(1)
    assert first.startswith("[trace] pid 1 get_pid() = 1") and printed.encode()[dropped - 1:dropped] == b"\n", first
    assert printed.encode()[dropped:].startswith(first.encode() + b"\n")
    # dmesg says how much is gone (more by now: its own calls are traced too), then prints the log.
    d = re.search(r"^dmesg: (\d+) earlier bytes dropped$", out, re.M)
    assert d and int(d.group(1)) >= dropped, out[-3000:]
    assert "systest: dmesg exited 0" in out


def test_shell_reads_sys(build):
    """From the shell: ls lists the files, dmesg shows the boot lines the kernel printed, cat reads a file, and a
    write is refused."""
    sh = Shell(build)
    try:
        names = re.findall(r"^- +\d+ (\w+)$", sh.run("ls /scheme/sys"), re.M)
        assert names == ["cpu", "irqs", "log", "memory", "mounts", "processes", "syscalls", "threads", "uptime"], names
        out = sh.run("dmesg")
        assert re.search(r"^Wren \d+\.\d+\.\d+ .* on linux,dummy-virt$", out, re.M), out
        assert re.search(r"^rootfs: \d+ files and directories from the initrd$", out, re.M), out
        assert "dropped" not in out, out
        up = facts(sh.run("cat /scheme/sys/uptime"))
        assert int(up["ns"]) > 0 and up["seconds"].startswith(str(int(up["ns"]) // 10**9) + "."), up
        calls = sh.run("cat /scheme/sys/syscalls").splitlines()
        assert calls[0] == "name calls errors" and any(l.startswith("open ") for l in calls[1:]), calls
        out = sh.run("echo x > /scheme/sys/log")
        assert "sh: /scheme/sys/log: Permission denied" in out, out
        sh.poweroff()
    finally:
        sh.close()
