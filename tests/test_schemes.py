"""Schemes: how paths reach them (tests/guest/schemecore), `ls /scheme` from the shell, and namespaces."""
import re

from qemu import boot
from test_syscalls import make_initrd


def test_schemecore(build, tmp_path):
    """Both spellings, scheme_open, the file scheme as default, /scheme as a directory, canonical paths, path
    calls through schemes (E_NOTSUP, E_XDEV), chdir into /scheme, and spawn's namespaces (E_ACCES before
    E_NOENT, a sandbox with none, no widening)."""
    r = boot(build, timeout=90, initrd=make_initrd(tmp_path, build, program="schemecore", extra=["schemecore"]))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    assert "KERNEL PANIC" not in r.output
    m = re.search(r"schemecore: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 70 and m.group(2) == "0", r.output
    for who in ("console-only", "sandbox", "no-console", "grandchild"):
        assert re.search(r"%s: \d+ passed, 0 failed" % ("none" if who == "sandbox" else who), r.output), who
    free_boot = int(re.search(r"memory: (\d+) KiB free before pid 1", r.output).group(1))
    free_end = int(re.search(r"memory: (\d+) KiB free after pid 1", r.output).group(1))
    assert free_end == free_boot, r.output
