"""Memory management seen from a user program: the kernel's W^X map, mmap/munmap/mprotect
with demand paging and no leaks (tests/guest/memcheck), and faults that end only the program:
touching an unmapped page, writing a read-only one."""
import re

import pytest

from conftest import build_setting
from qemu import boot
from test_syscalls import make_initrd


@pytest.mark.parametrize("gic", [2, 3])
def test_memcheck(build, tmp_path, gic):
    r = boot(build, gic=gic, timeout=60, initrd=make_initrd(tmp_path, build, program="memcheck", extra=["nop"]))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    m = re.search(r"memcheck: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 48 and m.group(2) == "0", r.output


def test_boot_reports_memory_and_wx(build):
    r = boot(build, memory="2G")
    r.require_clean_poweroff()
    m = re.search(r"memory: (\d+) KiB free of (\d+) KiB; kernel map with W\^X", r.output)
    assert m, r.output
    free, total = int(m.group(1)), int(m.group(2))
    assert total == 2 * 1024 * 1024, r.output
    # The image, allocator metadata (4 MiB per GiB), DTB and initrd are all that is taken.
    assert total - 16 * 1024 < free < total, r.output


@pytest.mark.parametrize("program,what", [("fault_unmapped", "reading"),
                                          ("fault_readonly", "still readable, writing")])
def test_fault_after_munmap_or_mprotect(build, tmp_path, program, what):
    r = boot(build, initrd=make_initrd(tmp_path, build, program=program))
    r.require_clean_poweroff()
    m = re.search(r"%s: %s (0x[0-9a-f]{16})" % (program, what), r.output)
    assert m, r.output
    addr = int(m.group(1), 16)
    assert re.search(r"wren: pid 1 \(/bin/init\) killed: data abort from EL0 at address %#x, pc 0x4" % addr,
                     r.output), r.output
    assert "!" not in r.output.split(m.group(0))[1], r.output
    assert "KERNEL PANIC" not in r.output


def test_pan_where_the_cpu_has_it(build, tmp_path):
    # cortex-a72 is Armv8.0 (no PAN); QEMU's "max" CPU has FEAT_PAN. With PAN on, the kernel
    # must still serve every syscall (it reaches user memory only through its own mappings).
    r = boot(build, cpu="max", timeout=60, initrd=make_initrd(tmp_path, build, program="memcheck", extra=["nop"]))
    r.require_clean_poweroff()
    assert "kernel map with W^X, PAN on" in r.output, r.output
    assert re.search(r"memcheck: \d+ passed, 0 failed", r.output), r.output


def test_kernel_text_is_not_writable(build):
    if build_setting(build, "build_type") != "debug":
        pytest.skip("test hooks exist in debug builds only")
    r = boot(build, bootargs="test=write-kernel-text", initrd=None)
    r.require_clean_poweroff()
    assert "unexpected exception: sync (EL1)" in r.output, r.output
    # Data abort from EL1, permission fault (DFSC 0b0011xx), at kernel_main's address.
    m = re.search(r"ESR 0x([0-9a-f]{16}) \(EC 0x25: data abort from EL1", r.output)
    assert m and (int(m.group(1), 16) & 0x3c) == 0x0c, r.output
    assert re.search(r"FAR 0xffff0000402[0-9a-f]{5}", r.output), r.output


def boot_free_kib(output):
    """Free memory when init starts (after the root file system is built)."""
    m = re.search(r"memory: (\d+) KiB free before pid 1", output)
    assert m, output
    return int(m.group(1))


def test_program_exit_returns_every_page(build, tmp_path):
    r = boot(build, timeout=60, initrd=make_initrd(tmp_path, build, program="memcheck", extra=["nop"]))
    r.require_clean_poweroff()
    m = re.search(r"memory: (\d+) KiB free after pid 1", r.output)
    assert m and int(m.group(1)) == boot_free_kib(r.output), r.output


def test_out_of_memory_ends_the_program_not_the_kernel(build, tmp_path):
    r = boot(build, memory="256M", timeout=120, initrd=make_initrd(tmp_path, build, program="oom"))
    r.require_clean_poweroff()
    assert re.search(r"wren: pid 1 \(/bin/init\) killed: out of memory at address 0x[0-9a-f]+, pc 0x4",
                     r.output), r.output
    assert "KERNEL PANIC" not in r.output and "touched 64 GiB" not in r.output
    m = re.search(r"memory: (\d+) KiB free after pid 1", r.output)
    assert m and int(m.group(1)) == boot_free_kib(r.output), r.output


def test_big_pages_and_prot_none(build, tmp_path):
    # tests/guest/bigpages: 2 MiB blocks on first touch, split by munmap/mprotect, fork, PROT_NONE; then every page back.
    r = boot(build, timeout=60, initrd=make_initrd(tmp_path, build, program="bigpages"))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    m = re.search(r"bigpages: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 48 and m.group(2) == "0", r.output
    # Every touch the program expected to be refused ended that child alone, with the one-line report.
    assert len(re.findall(r"wren: pid \d+ \(/bin/init\) killed: data abort from EL0 at address 0x[0-9a-f]+, pc 0x4",
                          r.output)) == 8, r.output
    m = re.search(r"memory: (\d+) KiB free after pid 1", r.output)
    assert m and int(m.group(1)) == boot_free_kib(r.output), r.output


def test_out_of_memory_ends_or_refuses_only_the_asker(build, tmp_path):
    # tests/guest/oomtest: a hog child is ended, a child filling the ramfs gets E_NOMEM, a forked child breaking
    # copy-on-write with too little memory is ended; after each every page is back and /bin/nop still runs.
    r = boot(build, memory="256M", timeout=180, initrd=make_initrd(tmp_path, build, program="oomtest", extra=["nop"]))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output and "KERNEL PANIC" not in r.output, r.output
    m = re.search(r"oomtest: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 14 and m.group(2) == "0", r.output
    # The two children ended for it, each with the one-line report; nobody else.
    kills = re.findall(r"wren: pid (\d+) \(/bin/init\) killed: out of memory at address 0x[0-9a-f]+, pc 0x4", r.output)
    assert len(kills) == 2 and "1" not in kills, r.output
    assert len(re.findall(r"killed:", r.output)) == 2, r.output
    m = re.search(r"memory: (\d+) KiB free after pid 1", r.output)
    assert m and int(m.group(1)) == boot_free_kib(r.output), r.output
