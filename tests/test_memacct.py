"""Memory accounting and the out-of-memory policy (issue 11, symptom 6): tests/guest/memacct as init."""
import re

from qemu import boot
from test_memory import boot_free_kib
from test_syscalls import make_initrd


def test_memory_is_charged_and_the_largest_consumer_dies(build, tmp_path):
    r = boot(build, memory="256M", timeout=300, initrd=make_initrd(tmp_path, build, program="memacct"))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output and "KERNEL PANIC" not in r.output, r.output
    m = re.search(r"memacct: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 25 and m.group(2) == "0", r.output
    assert "/bin/init (pid 1) exited with status 0" in r.output, r.output
    # Init was never the victim; the OOM killer named the children it chose.
    assert "pid 1 (/bin/init) killed" not in r.output, r.output
    assert len(re.findall(r"wren: out of memory \(pid \d+ faulting\): killing pid \d+", r.output)) >= 2, r.output
    # The limited child alone was ended for going over its limit.
    assert len(re.findall(r"killed: out of memory \(over its memory limit\)", r.output)) == 1, r.output
    m = re.search(r"memory: (\d+) KiB free after pid 1", r.output)
    assert m and int(m.group(1)) == boot_free_kib(r.output), r.output
