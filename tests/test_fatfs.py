"""fatfs in the guest (tests/guest/fattest as /bin/init): a FAT32 image made here with mkfs.fat and mtools, put in
the initrd as /fat.img, served by /bin/fatfs as /scheme/fat0 and used by a program; then the image the guest
changed, printed sector by sector, is rebuilt here and must be clean for fsck.fat -n, with mtools reading what the
guest wrote."""
import os
import re
import shutil
import subprocess

import pytest

from qemu import boot
from test_syscalls import make_initrd, program_bytes

IMAGE_KIB = 34 * 1024  # FAT32 needs 65525 clusters or more (mtools and fsck.fat insist)
MTOOLS_ENV = dict(os.environ, MTOOLS_SKIP_CHECK="1")
pytestmark = pytest.mark.skipif(not shutil.which("mkfs.fat") or not shutil.which("mcopy"),
                                reason="dosfstools and mtools are needed (tools/install-deps.sh)")


def make_image(tmp_path):
    img = str(tmp_path / "fat.img")
    # FAT32 with 512-byte clusters: the smallest real FAT32; mostly zeros, so printing it back is short.
    subprocess.run(["mkfs.fat", "-C", "-F", "32", "-s", "1", "-n", "WREN", img, str(IMAGE_KIB)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    (tmp_path / "HOST.TXT").write_bytes(b"from the host\n")
    (tmp_path / "A Long Name From The Host.text").write_bytes(b"long!\n")
    for name in ("HOST.TXT", "A Long Name From The Host.text"):
        subprocess.run(["mcopy", "-i", img, str(tmp_path / name), "::/"], check=True, env=MTOOLS_ENV)
    with open(img, "rb") as f:
        return img, f.read()


def rebuild(output, path):
    sectors = re.findall(r"fatimg: (\d+) ([0-9a-f]{1024})", output)
    end = int(re.search(r"fatimg: end (\d+)", output).group(1))
    data = bytearray(end)
    for n, hexdata in sectors:
        data[int(n) * 512:int(n) * 512 + 512] = bytes.fromhex(hexdata)
    with open(path, "wb") as f:
        f.write(data)
    return len(sectors)


def test_fatfs_in_the_guest(build, tmp_path):
    img, data = make_image(tmp_path)
    initrd = make_initrd(tmp_path, build, program="fattest", extra=("fatfs",), files={"fat.img": data})
    r = boot(build, timeout=240, initrd=initrd)
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output[-6000:]
    m = re.search(r"fattest: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 47 and m.group(2) == "0", r.output[-6000:]
    assert re.search(r"fatfs: serving /fat.img as /scheme/fat0: FAT32, \d+ clusters of 512 bytes", r.output)
    assert "fatfs: serving /fat.img as /scheme/fat1: FAT32 read-only" in r.output
    assert "fatfs: /bin/init: not a FAT volume" in r.output

    back = str(tmp_path / "back.img")
    assert rebuild(r.output, back) > 10
    p = subprocess.run(["fsck.fat", "-n", back], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.decode()
    assert p.returncode == 0 and len(out.strip().splitlines()) == 2, out
    got = subprocess.run(["mtype", "-i", back, "::/guest dir/moved.bin"], env=MTOOLS_ENV, stdout=subprocess.PIPE,
                         check=True).stdout
    assert got == bytes((i * 31 + i // 500) & 0xFF for i in range(100 * 1000 + 7))
    assert subprocess.run(["mtype", "-i", back, "::/log.txt"], env=MTOOLS_ENV, stdout=subprocess.PIPE,
                          check=True).stdout == b"one"
    names = subprocess.run(["mdir", "-b", "-i", back, "::/"], env=MTOOLS_ENV, stdout=subprocess.PIPE,
                           check=True).stdout.decode()
    assert "deleted.txt" not in names and "guest dir" in names and "HOST.TXT" in names
