"""Shared memory and memory-mapped files seen from user programs: shared-memory objects mapped
by several processes, handed over channels with reduced rights (tests/guest/shmtest), and private
mappings of ramfs files (tests/guest/mapfile); every page, object and heap allocation comes back."""
import re

from qemu import boot
from test_syscalls import make_initrd


def free_kib(output, when):
    m = re.search(r"memory: (\d+) KiB free %s pid 1" % when, output)
    assert m, output
    return int(m.group(1))


def test_shared_memory_objects(build, tmp_path):
    r = boot(build, timeout=90, initrd=make_initrd(tmp_path, build, program="shmtest"))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    m = re.search(r"shmtest: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 60 and m.group(2) == "0", r.output
    # The one write through a read-only mapping ended that child alone, with the one-line report.
    assert len(re.findall(r"wren: pid \d+ \(/bin/init\) killed: data abort from EL0 at address 0x[0-9a-f]+, pc 0x4",
                          r.output)) == 1, r.output
    assert free_kib(r.output, "after") == free_kib(r.output, "before"), r.output


def test_memory_mapped_files(build, tmp_path):
    data = bytes((7 * i + 3) & 0xff for i in range(10000))
    r = boot(build, timeout=90, initrd=make_initrd(tmp_path, build, program="mapfile", files={"data/file": data}))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    m = re.search(r"mapfile: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 30 and m.group(2) == "0", r.output
    assert free_kib(r.output, "after") == free_kib(r.output, "before"), r.output
