"""Run purpose-built programs as /bin/init and check the kernel's answers: implemented
syscalls work, bad user pointers and unknown numbers are refused with the right error,
a faulting program is reported and ended without taking the kernel down, and broken
initrds or executables are reported, not fatal."""
import os
import re
import shutil
import subprocess
import sys

import pytest

from qemu import boot

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def program_path(build, name):
    """A program as the build packs it: a system program or driver (build/initrd-root/bin, the default
    initrd's /bin) or a guest test (build/tests/bin, only in test initrds). Where its source lives decides,
    not which file exists: a build directory from before the guest tests moved still holds their old copies
    in initrd-root/bin, which ninja no longer updates."""
    guest = os.path.isdir(os.path.join(REPO, "tests", "guest", name))
    path = os.path.join(build, *(("tests", "bin") if guest else ("initrd-root", "bin")), name)
    if not os.path.exists(path):
        raise FileNotFoundError("no program %r at %s: run ninja -C %s" % (name, path, build))
    return path


def system_programs():
    """The programs of the default initrd's /bin, by their sources: user/<name>, drivers/<name> and servers/<name>."""
    names = []
    for top in ("user", "drivers", "servers"):
        d = os.path.join(REPO, top)
        names += [n for n in os.listdir(d) if n != "lib" and os.path.isdir(os.path.join(d, n))]
    return sorted(names)


def program_bytes(build, name):
    with open(program_path(build, name), "rb") as f:
        return f.read()


def make_initrd(tmp_path, build, init_bytes=None, program=None, extra=(), files=None):
    """An initrd whose /bin/init is `program` (or raw bytes), plus the programs in `extra`
    and, from `files`, raw files by path inside the archive (e.g. {"bin/junk": b"..."})."""
    root = tmp_path / "root"
    (root / "bin").mkdir(parents=True)
    data = init_bytes if init_bytes is not None else program_bytes(build, program)
    (root / "bin" / "init").write_bytes(data)
    for name in extra:
        (root / "bin" / name).write_bytes(program_bytes(build, name))
    for path, content in (files or {}).items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(content)
    out = tmp_path / "initrd.tar"
    subprocess.run([sys.executable, os.path.join(REPO, "tools", "mkinitrd.py"), "--root", str(root),
                    "--out", str(out)], check=True)
    return str(out)


@pytest.mark.parametrize("gic", [2, 3])
def test_syscalls_and_refusals(build, tmp_path, gic):
    r = boot(build, gic=gic, initrd=make_initrd(tmp_path, build, program="syscheck"))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    m = re.search(r"syscheck: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 15 and m.group(2) == "0", r.output
    assert "/bin/init (pid 1) exited with status 0" in r.output, r.output


def test_trace_names_errors(build, tmp_path):
    r = boot(build, bootargs="trace=syscalls", initrd=make_initrd(tmp_path, build, program="syscheck"))
    r.require_clean_poweroff()
    assert re.search(r"^\[trace\] pid 1 debug_write\(buf=0, len=8\) = -14 \(E_FAULT\)$", r.output, re.M), r.output
    assert re.search(r"^\[trace\] pid 1 syscall_0xfff\(\?\) = -38 \(E_NOSYS\)$", r.output, re.M), r.output
    assert re.search(r"^\[trace\] pid 1 get_time\(clock=0x4d\) = -22 \(E_INVAL\)$", r.output, re.M), r.output


def test_user_fault_ends_the_program_not_the_kernel(build, tmp_path):
    r = boot(build, initrd=make_initrd(tmp_path, build, program="fault"))
    r.require_clean_poweroff()
    assert "fault: about to trap" in r.output
    assert re.search(r"wren: pid 1 \(/bin/init\) killed: BRK instruction, pc 0x4000[0-9a-f]{2}",
                     r.output), r.output
    assert "KERNEL PANIC" not in r.output


def elf_init(build):
    return program_bytes(build, "init")


BAD_EXECUTABLES = {
    "empty": lambda b: b"",
    "truncated-header": lambda b: elf_init(b)[:40],
    "truncated-segments": lambda b: elf_init(b)[:200],
    "not-elf": lambda b: b"#!/bin/sh\necho hi\n" * 10,
    "wrong-machine": lambda b: elf_init(b)[:18] + b"\x3e\x00" + elf_init(b)[20:],   # EM_X86_64
    "32-bit-class": lambda b: elf_init(b)[:4] + b"\x01" + elf_init(b)[5:],
    "phoff-past-end": lambda b: elf_init(b)[:32] + (1 << 40).to_bytes(8, "little") + elf_init(b)[40:],
    "entry-outside-code": lambda b: elf_init(b)[:24] + (0x1234).to_bytes(8, "little") + elf_init(b)[32:],
}


@pytest.mark.parametrize("name", sorted(BAD_EXECUTABLES))
def test_bad_executable_is_refused(build, tmp_path, name):
    r = boot(build, initrd=make_initrd(tmp_path, build, init_bytes=BAD_EXECUTABLES[name](build)))
    r.require_clean_poweroff()
    assert "initrd: no /bin/init to run (not a valid executable)" in r.output, r.output
    assert "init: hello" not in r.output


def test_garbage_initrd_is_reported(build, tmp_path):
    junk = tmp_path / "junk.img"
    junk.write_bytes(bytes(range(256)) * 64)
    r = boot(build, initrd=str(junk))
    r.require_clean_poweroff()
    # The damage is reported where the walk meets it, and the boot goes on without the archive's files.
    assert "initrd: entry at offset 0 skipped: bad header checksum" in r.output, r.output
    assert "initrd: no /bin/init to run (not in the archive)" in r.output, r.output


def test_initrd_without_init(build, tmp_path):
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "motd").write_text("hello\n")
    out = tmp_path / "initrd.tar"
    subprocess.run([sys.executable, os.path.join(REPO, "tools", "mkinitrd.py"), "--root", str(root),
                    "--out", str(out)], check=True)
    r = boot(build, initrd=str(out))
    r.require_clean_poweroff()
    assert "initrd: no /bin/init to run (not in the archive)" in r.output, r.output
