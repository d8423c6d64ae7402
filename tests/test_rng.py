"""The virtio entropy driver (drivers/rng, /bin/rng) serving /scheme/rand: from the shell of the default boot
(`head -c 32 /scheme/rand | hexdump` shows 32 random bytes, different each time), and from
tests/guest/randtest as init: bad requests that must not take the driver down, and the driver's death (a waiting
reader and an open fd get E_IO) and restart (reads work again). The device side alone is tests/test_virtio.py's."""
import re
import time

import pytest

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


def hexdump_bytes(out):
    """The bytes of BSD hexdump's default layout (little-endian 16-bit words), and the final offset it printed."""
    data = b""
    lines = [l.strip() for l in out.strip().split("\n")]
    for line in lines[:-1]:
        words = line.split()[1:]
        for w in words:
            data += bytes.fromhex(w)[::-1]
    return data, int(lines[-1], 16)


@pytest.mark.parametrize("modern", [False, True], ids=["legacy", "modern"])
def test_head_of_scheme_rand_at_the_shell(build, modern):
    """The default boot: init starts `rng -d`; at the prompt (no privilege) /scheme/rand gives random bytes."""
    sh = Shell(build, extra=RNG + (MODERN if modern else []))
    try:
        # init starts the driver right after the first prompt: wait until its scheme is listed.
        for _ in range(50):
            listing = sh.run("ls /scheme")
            if re.search(r"\brand$", listing, re.M):
                break
            time.sleep(0.2)
        assert re.search(r"\brand$", listing, re.M) and re.search(r"\brtc$", listing, re.M), listing
        seen = []
        for _ in range(2):
            out = sh.run("head -c 32 /scheme/rand | hexdump")
            data, end = hexdump_bytes(out)
            assert end == 32 and len(data) == 32, out
            assert re.match(r"0000000( [0-9a-f]{4}){8}\n0000010( [0-9a-f]{4}){8}\n0000020\s*$", out.strip() + "\n"), out
            seen.append(data)
        assert seen[0] != seen[1], seen
        out = sh.run("head -c 5000 /scheme/rand | hexdump -C")
        assert out.strip().split("\n")[-1] == "00001388", out  # 5000 bytes, in 16-byte lines
        ps = sh.run("ps")
        assert re.search(r"^\s+\d+\s+1 sleep .* /bin/rng$", ps, re.M), ps
        out = sh.run("cat /scheme/rand/nothing")
        assert "cat: /scheme/rand/nothing:" in out and "[exit 1]" in out, out
        out = sh.run("echo x > /scheme/rand")
        assert "/scheme/rand" in out and "denied" in out.lower(), out
        # Still there, still answering.
        assert re.search(r"^\s+\d+\s+1 sleep .* /bin/rng$", sh.run("ps"), re.M)
        assert hexdump_bytes(sh.run("head -c 32 /scheme/rand | hexdump"))[1] == 32
        sh.poweroff()
    finally:
        sh.close()


def test_without_the_device_the_driver_exits_and_the_shell_says_so(build):
    """The default boot without -device virtio-rng-device: rng -d finds nothing and exits; /scheme/rand does not exist."""
    sh = Shell(build)
    try:
        for _ in range(50):  # it may still be looking through the transports when the prompt comes
            ps = sh.run("ps")
            if "/bin/rng" not in ps:
                break
            time.sleep(0.2)
        assert "/bin/rng" not in ps, ps
        out = sh.run("head -c 32 /scheme/rand")
        assert "head: /scheme/rand:" in out and "[exit 1]" in out, out
        sh.poweroff()
    finally:
        sh.close()
