"""The virtio entropy driver (drivers/rng, /bin/rng) serving /scheme/rand: from the shell of the default boot
(`head -c 32 /scheme/rand | hexdump` shows 32 random bytes, different each time), and from
tests/guest/randtest as init: bad requests that must not take the driver down, and the driver's death (a waiting
reader and an open fd get E_IO) and restart (reads work again). The device side alone is tests/test_virtio.py's."""
import re

from qemu import boot
from test_shell import Shell
from test_syscalls import make_initrd

RNG = ["-device", "virtio-rng-device"]
MODERN = ["-global", "virtio-mmio.force-legacy=false"]


def test_bad_requests_death_and_restart(build, tmp_path):
    r = boot(build, timeout=120, extra=RNG, initrd=make_initrd(tmp_path, build, program="randtest", extra=["rng"]))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    m = re.search(r"randtest: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 35 and m.group(2) == "0", r.output
    assert "/bin/init (pid 1) exited with status 0" in r.output, r.output
