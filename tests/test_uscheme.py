"""User-space scheme servers (tests/guest/uscheme): registration, every forwarded operation, 32 concurrent
clients, zero copy, server death, cancel on signal and a hostile server; every check in the program must pass and
the kernel must get every page back."""
import re

from qemu import boot
from test_syscalls import make_initrd


def test_user_schemes(build, tmp_path):
    r = boot(build, timeout=120, initrd=make_initrd(tmp_path, build, program="uscheme"))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    assert "panic" not in r.output.lower(), r.output
    m = re.search(r"uscheme: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 91 and m.group(2) == "0", r.output
    free_boot = int(re.search(r"memory: (\d+) KiB free before pid 1", r.output).group(1))
    free_end = int(re.search(r"memory: (\d+) KiB free after pid 1", r.output).group(1))
    assert free_end == free_boot, r.output
