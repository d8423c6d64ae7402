"""The virtio-mmio library of drivers/lib (<wren/virtio.h>) and the kernel's DMA memory (dma_create), driven by
tests/guest/virtiotest as /bin/init against QEMU's virtio-rng device: once on the legacy transport (Version 1,
QEMU virt's default) and once on the modern one (Version 2). The guest test checks each step of the device's
bring-up and its requests; here the transport it reports must be the one QEMU was given."""
import re

import pytest

from qemu import boot
from test_syscalls import make_initrd

RNG = ["-device", "virtio-rng-device"]
MODERN = ["-global", "virtio-mmio.force-legacy=false"]


@pytest.mark.parametrize("modern", [False, True], ids=["legacy", "modern"])
def test_virtio_library(build, tmp_path, modern):
    extra = RNG + (MODERN if modern else [])
    r = boot(build, timeout=120, extra=extra, initrd=make_initrd(tmp_path, build, program="virtiotest"))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    m = re.search(r"virtiotest: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 50 and m.group(2) == "0", r.output
    want = "2 (modern)" if modern else "1 (legacy)"
    assert "virtiotest: transport version " + want in r.output, r.output
    assert re.search(r"virtiotest: entropy device at /virtio_mmio@[0-9a-f]+\n", r.output), r.output
    assert "/bin/init (pid 1) exited with status 0" in r.output, r.output


def test_virtio_library_without_the_device(build, tmp_path):
    """No -device: every transport reads DeviceID 0, so nothing is found and nothing is touched."""
    r = boot(build, timeout=60, initrd=make_initrd(tmp_path, build, program="virtiotest"))
    r.require_clean_poweroff()
    assert "virtiotest: FAIL virtio_find(entropy) -> -2 (want 0)" in r.output, r.output


def boot_rng(build, tmp_path, args, extra=()):
    r = boot(build, timeout=60, bootargs=" ".join(["--"] + args), extra=list(extra),
             initrd=make_initrd(tmp_path, build, program="rng"))
    r.require_clean_poweroff()
    return r.output


@pytest.mark.parametrize("modern", [False, True], ids=["legacy", "modern"])
def test_rng_reads_the_device(build, tmp_path, modern):
    """/bin/rng -t N (privileged, as init here) reads N bytes from the device itself: 5000 bytes take two requests of
    one page (drivers/rng/entropy.c), and random bytes neither repeat a line nor leave a byte value unused."""
    out = boot_rng(build, tmp_path, ["-t", "5000"], RNG + (MODERN if modern else []))
    m = re.search(r"rng: 5000 bytes from /virtio_mmio@[0-9a-f]+ \(virtio-mmio version (\d)\)\n", out)
    assert m and m.group(1) == ("2" if modern else "1"), out
    lines = re.findall(r"^([0-9a-f]+)\r?$", out, re.M)
    data = bytes.fromhex("".join(lines))
    assert len(data) == 5000, out
    assert len(set(lines)) == len(lines), out
    assert len(set(data)) == 256, out  # 5000 uniform bytes miss a value with probability ~ 256 * e^-19.5
    assert "/bin/init (pid 1) exited with status 0" in out, out


def test_rng_without_the_device(build, tmp_path):
    out = boot_rng(build, tmp_path, ["-t", "8"])
    assert "rng: no virtio entropy device (-2)" in out, out
    assert "/bin/init (pid 1) exited with status 1" in out, out


def test_rng_bad_arguments(build, tmp_path):
    for i, args in enumerate((["-t", "0"], ["-t", "65537"], ["-t", "x"], ["-x"])):
        (tmp_path / str(i)).mkdir()
        out = boot_rng(build, tmp_path / str(i), args, RNG)
        assert "usage: rng" in out and "/bin/init (pid 1) exited with status 2" in out, (args, out)
