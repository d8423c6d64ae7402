"""Processes and the scheduler, driven from inside the guest by tests/guest/proctest."""
import re
import struct

import pytest

from qemu import boot
from test_syscalls import make_initrd, program_bytes


def writable_and_executable(elf):
    """The ELF with its last PT_LOAD segment made RWX: it parses, but loading stops there."""
    elf = bytearray(elf)
    phoff = struct.unpack_from("<Q", elf, 32)[0]
    phentsize, phnum = struct.unpack_from("<HH", elf, 54)
    loads = [phoff + i * phentsize for i in range(phnum) if struct.unpack_from("<I", elf, phoff + i * phentsize)[0] == 1]
    assert len(loads) >= 2, "want a segment loaded before the refused one"
    struct.pack_into("<I", elf, loads[-1] + 4, 7)  # p_flags = PF_R | PF_W | PF_X
    return bytes(elf)


@pytest.mark.parametrize("gic", [2, 3])
def test_proctest(build, tmp_path, gic):
    child = program_bytes(build, "child")
    files = {"bin/notelf": b"#!/bin/sh\necho not an executable\n" * 8, "bin/wx": writable_and_executable(child),
             "bin/child2": child}
    r = boot(build, gic=gic, timeout=90,
             initrd=make_initrd(tmp_path, build, program="proctest", extra=["child"], files=files))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    m = re.search(r"proctest: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 68 and m.group(2) == "0", r.output
    # The faulting child was reported and ended; the kernel went on.
    assert re.search(r"wren: pid \d+ \(/bin/child\) killed: BRK instruction, pc 0x4", r.output), r.output
    # A process is named after the program it runs now: exec renamed this one.
    assert re.search(r"wren: pid \d+ \(/bin/child2\) killed: BRK instruction", r.output), r.output
    assert "KERNEL PANIC" not in r.output
    # Everything pid 1 and its children had is back when init ends.
    free_boot = int(re.search(r"memory: (\d+) KiB free before pid 1", r.output).group(1))
    free_end = int(re.search(r"memory: (\d+) KiB free after pid 1", r.output).group(1))
    assert free_end == free_boot, r.output


def test_fork_copy_on_write(build, tmp_path):
    r = boot(build, timeout=90, initrd=make_initrd(tmp_path, build, program="forktest"))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    m = re.search(r"forktest: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 9 and m.group(2) == "0", r.output
    free_boot = int(re.search(r"memory: (\d+) KiB free before pid 1", r.output).group(1))
    free_end = int(re.search(r"memory: (\d+) KiB free after pid 1", r.output).group(1))
    assert free_end == free_boot, r.output


def test_spawntest(build, tmp_path):
    """spawn's and exec's environment (environ, getenv, the initial stack), spawn's descriptor
    map and its refusals, and the signal actions spawn and exec hand down."""
    r = boot(build, timeout=90, initrd=make_initrd(tmp_path, build, program="spawntest", extra=["spawntest"]))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    m = re.search(r"spawntest: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 43 and m.group(2) == "0", r.output
    assert "KERNEL PANIC" not in r.output
    free_boot = int(re.search(r"memory: (\d+) KiB free before pid 1", r.output).group(1))
    free_end = int(re.search(r"memory: (\d+) KiB free after pid 1", r.output).group(1))
    assert free_end == free_boot, r.output
