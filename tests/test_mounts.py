"""The mount table (kernel/scheme/mounts.c): tests/guest/mounttest as init mounts kernel schemes at directories,
reads and writes through them, and checks every refusal, read-only mounts, namespaces and the privilege."""
import re

from qemu import boot
from test_syscalls import make_initrd


def test_mounts(build, tmp_path):
    r = boot(build, timeout=120, initrd=make_initrd(tmp_path, build, program="mounttest"))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    m = re.search(r"mounttest: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 50 and m.group(2) == "0", r.output
