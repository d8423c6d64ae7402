"""The RAM file system in the guest: tests/guest/fstest drives the file-system syscalls and spawns
programs from nested and renamed paths; initrds written in GNU and pax formats load with
their long names whole; a malformed entry is reported and skipped while the boot goes on."""
import re
import tarfile

from qemu import boot
from test_syscalls import make_initrd, program_bytes

LONG_GNU = "deep/" + "g" * 150 + "/gnu-file"
LONG_PAX = "pax/" + "p" * 200 + "/pax-file"


def program(build, name):
    return program_bytes(build, name)


def fstest_files(build):
    return {"usr/bin/x": program(build, "nop"), "etc/data": b"hello world"}


def check_passed(r):
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    m = re.search(r"fstest: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 123 and m.group(2) == "0", r.output
    assert "/bin/init (pid 1) exited with status 0" in r.output, r.output


def tree(output):
    return {m.group(1): (m.group(2), int(m.group(3)))
            for m in re.finditer(r"^fstest: tree (\S+) ([df]) (\d+)$", output, re.M)}


def test_fs_syscalls(build, tmp_path):
    r = boot(build, timeout=60, initrd=make_initrd(tmp_path, build, program="fstest", extra=["nop"],
                                                   files=fstest_files(build)))
    check_passed(r)
    t = tree(r.output)
    # What fstest left: the initrd's files minus what it removed.
    assert t["/bin/init"][0] == "f" and t["/bin/nop"][0] == "f", t
    assert t["/usr/bin"] == ("d", 0) and t["/etc"] == ("d", 0), t
    assert "/tmp" not in t and "/data" not in t and "/bin/moved" not in t, t


def entry(i, data=b""):
    """Header block(s) of the (info, format) pair `i`, then the data padded to a block."""
    info, fmt = i
    info.size = len(data) if info.isreg() else 0
    pad = (-len(data)) % 512
    return info.tobuf(fmt, "utf-8", "surrogateescape") + data + b"\0" * pad


def info(name, fmt, kind=tarfile.REGTYPE, link=""):
    i = tarfile.TarInfo(name)
    i.type = kind
    i.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    i.linkname = link
    return i, fmt


def test_gnu_and_pax_initrd_with_a_bad_entry(build, tmp_path):
    ustar, gnu, pax = tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT
    parts = [entry(info("bin", ustar, tarfile.DIRTYPE)),
             entry(info("bin/init", ustar), program(build, "fstest")),
             entry(info("bin/nop", ustar), program(build, "nop")),
             entry(info("usr/bin/x", gnu), program(build, "nop")),
             entry(info("etc/data", ustar), b"hello world"),
             entry(info(LONG_GNU, gnu), b"gnu!"),      # a GNU 'L' entry carries the name
             entry(info(LONG_PAX, pax), b"pax!!"),     # a pax 'x' record carries it
             entry(info("link", gnu, tarfile.SYMTYPE, link="l" * 150))]  # 'K' + symlink: not supported
    bad_at = sum(len(p) for p in parts)
    # A pax header whose record length is wrong: the entry behind it must go, and nothing else.
    bad = bytearray(entry(info("victim/" + "v" * 120, pax), b"victim"))
    assert bad[512:515] == b"137", bytes(bad[512:530])
    bad[512:515] = b"999"
    hdr = bytearray(bad[:512])
    hdr[148:156] = b" " * 8
    hdr[148:155] = b"%06o\0" % sum(hdr)  # keep the pax header's own checksum right
    bad[:512] = hdr
    parts.append(bytes(bad))
    parts.append(entry(info("after/file", ustar), b"after"))
    out = tmp_path / "initrd.tar"
    out.write_bytes(b"".join(parts) + b"\0" * 1024)

    r = boot(build, timeout=60, initrd=str(out))
    check_passed(r)
    assert "initrd: entry at offset %d skipped: malformed pax record" % bad_at in r.output, r.output
    assert re.search(r"initrd: entry at offset \d+ link skipped: links are not supported", r.output), r.output
    t = tree(r.output)
    assert t["/" + LONG_GNU] == ("f", 4), t
    assert t["/" + LONG_PAX] == ("f", 5), t
    assert t["/after/file"] == ("f", 5), t
    assert not any(p.startswith("/victim") for p in t), t
    assert "/link" not in t, t
