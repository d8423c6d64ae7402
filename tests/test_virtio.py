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
