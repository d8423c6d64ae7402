"""The virtio block driver (drivers/vblk, /bin/vblk) serving /scheme/disk, driven by tests/guest/blktest as init
against drives whose images this test makes: sector s holds a pattern of s (the formula is blktest's), a partition
table over the first sectors where there is one (an MBR, or a GPT written here with its CRCs). After the power-off
the images are read back here: what the guest wrote must be there, and nothing else may have changed."""
import re
import struct
import zlib

import pytest

from qemu import boot
from test_syscalls import make_initrd

SECTORS = 16384  # 8 MiB
MODERN = ["-global", "virtio-mmio.force-legacy=false"]


def pattern(seed, sector):
    return bytes((sector * 7 + i * 13 + (sector >> 8) + seed * 101 + (i >> 7)) & 0xff for i in range(512))


def written(sector):
    return bytes((0xa5 ^ (sector * 3 + i)) & 0xff for i in range(512))


def make_image(path, sectors, seed=0):
    data = b"".join(pattern(seed, s) for s in range(sectors))
    path.write_bytes(data)
    return data


def mbr(sectors):
    s = bytearray(512)
    s[446:462] = struct.pack("<B3xB3xII", 0x80, 0x0c, 2048, 2048)
    s[462:478] = struct.pack("<B3xB3xII", 0, 0x83, 4096, sectors - 4096)
    s[510:512] = b"\x55\xaa"
    return bytes(s)


def gpt_header(sectors, my, alt, array_lba, entries):
    h = bytearray(92)
    h[0:8] = b"EFI PART"
    struct.pack_into("<IIIIQQQQ16sQIII", h, 8, 0x10000, 92, 0, 0, my, alt, 34, sectors - 34, b"\x11" * 16,
                     array_lba, 128, 128, zlib.crc32(entries))
    struct.pack_into("<I", h, 16, zlib.crc32(bytes(h)))
    return bytes(h) + bytes(420)


def gpt(sectors):
    """Sectors 0-33 and the last 33 of a GPT disk as sgdisk lays it out: protective MBR, header, 128 entries (1 and 3
    used, 2 left empty), and the backup array and header at the end."""
    pmbr = bytearray(512)
    pmbr[446:462] = struct.pack("<B3xB3xII", 0, 0xee, 1, min(sectors - 1, 0xffffffff))
    pmbr[510:512] = b"\x55\xaa"
    entries = bytearray(128 * 128)
    entries[0:48] = bytes(range(1, 17)) + bytes(16) + struct.pack("<QQ", 2048, 4095)
    entries[256:304] = bytes(range(3, 19)) + bytes(16) + struct.pack("<QQ", 4096, sectors - 35)
    entries = bytes(entries)
    head = bytes(pmbr) + gpt_header(sectors, 1, sectors - 1, 2, entries) + entries
    tail = entries + gpt_header(sectors, sectors - 1, 1, sectors - 33, entries)
    return head, tail


def drive(img, n, readonly=False, bus=None):
    dev = "virtio-blk-device,drive=d%d" % n + (",bus=virtio-mmio-bus.%d" % bus if bus is not None else "")
    return ["-drive", "if=none,file=%s,format=raw,id=d%d%s" % (img, n, ",readonly=on" if readonly else ""),
            "-device", dev]


def run(build, tmp_path, mode, extra, sectors=SECTORS):
    r = boot(build, timeout=240, bootargs="-- %s %d" % (mode, sectors), extra=extra,
             initrd=make_initrd(tmp_path, build, program="blktest", extra=["vblk"]))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    m = re.search(r"blktest: (\d+) passed, (\d+) failed", r.output)
    assert m and m.group(2) == "0", r.output
    assert "/bin/init (pid 1) exited with status 0" in r.output, r.output
    return r.output, int(m.group(1))


@pytest.mark.parametrize("modern", [False, True], ids=["legacy", "modern"])
def test_plain_drive(build, tmp_path, modern):
    img = tmp_path / "disk.img"
    before = make_image(img, SECTORS)
    out, passed = run(build, tmp_path, "plain", drive(img, 0) + (MODERN if modern else []))
    assert passed >= 50, out
    after = img.read_bytes()
    assert len(after) == len(before)
    want = bytearray(before)
    for s in range(100, 400):
        want[s * 512:(s + 1) * 512] = written(s)
    changed = [s for s in range(SECTORS) if after[s * 512:(s + 1) * 512] != want[s * 512:(s + 1) * 512]]
    assert changed == [], "sectors not as the guest left them: %s" % changed[:20]


def test_read_only_drive(build, tmp_path):
    img = tmp_path / "disk.img"
    before = make_image(img, SECTORS)
    run(build, tmp_path, "ro", drive(img, 0, readonly=True))
    assert img.read_bytes() == before


@pytest.mark.parametrize("table", ["mbr", "gpt"])
def test_partitions(build, tmp_path, table):
    img = tmp_path / "disk.img"
    data = bytearray(make_image(img, SECTORS))
    if table == "mbr":
        data[0:512] = mbr(SECTORS)
        n = SECTORS - 4096
    else:
        head, tail = gpt(SECTORS)
        data[0:len(head)] = head
        data[len(data) - len(tail):] = tail
        n = SECTORS - 4096 - 34
    img.write_bytes(bytes(data))
    out, _ = run(build, tmp_path, table, drive(img, 0) + MODERN)
    second = "0p3" if table == "gpt" else "0p2"
    assert "blktest: /scheme/disk lists: 0 0p1 %s\n" % second in out, out
    after = img.read_bytes()
    want = bytearray(data)
    for s in (0, n - 2, n - 1):  # the partition's first and last two sectors, absolute 4096 + s
        want[(4096 + s) * 512:(4097 + s) * 512] = written(0)
    changed = [s for s in range(SECTORS) if after[s * 512:(s + 1) * 512] != want[s * 512:(s + 1) * 512]]
    assert changed == [], "sectors not as the guest left them: %s" % changed[:20]


def test_timeout_resets_the_device(build, tmp_path):
    """QEMU's throttling holds the drive to 1 KiB/s: after an 8 KiB read, the next one waits 8 s, which outlasts the
    driver's 5 s timeout (E_IO, and the device is reset and brought up again); a read after it is answered."""
    img = tmp_path / "disk.img"
    make_image(img, SECTORS)
    extra = ["-drive", "if=none,file=%s,format=raw,id=d0,throttling.bps-total=1024" % img,
             "-device", "virtio-blk-device,drive=d0"]
    out, _ = run(build, tmp_path, "slow", extra)
    assert re.search(r"blktest: the timed-out read took \d+ ms", out), out


def test_hostile_partition_table(build, tmp_path):
    """An MBR whose two partitions overlap is refused whole: the driver says so and serves the device alone."""
    img = tmp_path / "disk.img"
    data = bytearray(make_image(img, SECTORS))
    table = bytearray(mbr(SECTORS))
    table[462:478] = struct.pack("<B3xB3xII", 0, 0x83, 3000, SECTORS - 3000)  # over the end of partition 1
    data[0:512] = table
    img.write_bytes(bytes(data))
    out, _ = run(build, tmp_path, "hostile", drive(img, 0))
    assert "vblk: disk 0: partition table refused (-22); the whole device is served" in out, out


def test_two_drives(build, tmp_path):
    """Two drives on transports a page apart (a device opens with whatever shares its page: drivers/README.md)."""
    a, b = tmp_path / "a.img", tmp_path / "b.img"
    make_image(a, SECTORS, 0)
    make_image(b, SECTORS // 2, 1)
    run(build, tmp_path, "two", drive(a, 0, bus=0) + drive(b, 1, bus=8))


def test_no_device_exits_silently(build, tmp_path):
    r = boot(build, timeout=60, initrd=make_initrd(tmp_path, build, program="vblk"), bootargs="-- -d")
    r.require_clean_poweroff()
    assert "/bin/init (pid 1) exited with status 1" in r.output, r.output
    assert "vblk:" not in r.output, r.output
