"""The FAT file system and block cache of servers/fatfs, built for the host (build/host/test_fatfs, ASan + UBSan),
on images made by mkfs.fat, checked afterwards by fsck.fat -n and read back by mtools, and the other way round;
a full volume, 10,000 create/write/delete cycles, read-only mounts, and hostile volumes (cyclic and out-of-range
chains, a directory that contains itself, sizes past the chain, bad BPB fields)."""
import hashlib
import os
import random
import shutil
import struct
import subprocess

import pytest

from conftest import build_dir

TOOL = os.path.join(build_dir(), "host", "test_fatfs")
MTOOLS_ENV = dict(os.environ, MTOOLS_SKIP_CHECK="1", MTOOLS_NO_VFAT="0")
pytestmark = pytest.mark.skipif(not shutil.which("mkfs.fat") or not shutil.which("mcopy"),
                                reason="dosfstools and mtools are needed (tools/install-deps.sh)")


def mkfs(tmp_path, kib, *args, name="vol.img"):
    img = str(tmp_path / name)
    subprocess.run(["mkfs.fat", "-C", "-n", "TEST"] + list(args) + [img, str(kib)], check=True,
                   stdout=subprocess.DEVNULL)
    return img


def tool(img, commands, *flags, timeout=600, expect_rc=0):
    """Run the tool's commands (lists of arguments, tab-joined) and return its output lines."""
    assert not any("\n" in str(a) or "\t" in str(a) for c in commands for a in c)  # the tool splits on them
    script = "".join("\t".join(str(a) for a in c) + "\n" for c in commands)
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1", UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    p = subprocess.run([TOOL, "--image", img] + list(flags), input=script.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout, env=env)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    assert "Sanitizer" not in err and "runtime error" not in err, err[-4000:]
    if expect_rc is not None:
        assert p.returncode == expect_rc, out[-3000:] + err[-3000:]
    return out.splitlines()


def results(lines):
    return [l for l in lines if l.startswith(("ok (", "error "))]


def assert_all_ok(lines):
    bad = [l for l in lines if l.startswith("error") or l.startswith("mount error")]
    assert not bad, "\n".join(lines[-60:])


def fsck_clean(img):
    p = subprocess.run(["fsck.fat", "-n", img], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.decode("utf-8", "replace")
    assert p.returncode == 0, out
    body = [l for l in out.splitlines()[1:] if not l.startswith(img + ":")]
    assert not body, out  # fsck.fat -n prints nothing but the banner and the summary for a clean volume


def mcopy_out(img, path, dest):
    subprocess.run(["mcopy", "-n", "-i", img, "::" + path, dest], check=True, env=MTOOLS_ENV,
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with open(dest, "rb") as f:
        return f.read()


def mdir_names(img, path):
    p = subprocess.run(["mdir", "-b", "-i", img, "::" + path], env=MTOOLS_ENV, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, check=True)
    return sorted(os.path.basename(l.rstrip("/")) for l in p.stdout.decode("utf-8").splitlines() if l)


def payload(seed, size):
    return random.Random(seed).randbytes(size)


FAT32 = ("-F", "32", "-s", "1")  # 512-byte clusters: long chains, and cache blocks that span several clusters
SIZES = [0, 1, 100, 511, 512, 513, 4095, 4096, 4097, 65536, 300001]


@pytest.fixture(scope="module", autouse=True)
def built():
    assert os.path.exists(TOOL), "%s not built; run ninja -C build" % TOOL


@pytest.mark.parametrize("fmt", [FAT32, ("-F", "32", "-s", "8"), ("-F", "16"), ("-F", "12")],
                         ids=["fat32-512", "fat32-4k", "fat16", "fat12"])
def test_our_writes_read_back_by_mtools_and_fsck_clean(tmp_path, fmt):
    kib = {"12": 2048, "16": 16384, "32": 40960 if "1" in fmt else 290000}[fmt[1]]  # FAT32: 65525 clusters or more
    img = mkfs(tmp_path, kib, *fmt)
    files = {}
    cmds = [["mkdir", "/docs"], ["mkdir", "/docs/Nested Directory"]]
    for i, size in enumerate(SIZES):
        if "12" in fmt and size > 65536:
            continue
        host = tmp_path / ("in%d" % i)
        host.write_bytes(payload(i, size))
        name = ["/F%d.BIN" % i, "/docs/Long file name number %d.data" % i, "/docs/Nested Directory/x%d" % i][i % 3]
        files[name] = host.read_bytes()
        cmds.append(["put", name, host])
    # Long and unusual names: a 200-character one, accents, names whose 8.3 forms collide.
    long_name = "/" + "L" * 100 + "ong" * 33 + ".txt"
    files[long_name] = b"long name"
    cmds.append(["write", long_name, "long name"])
    files["/caf\u00e9 cr\u00e8me.txt"] = b"accents"
    cmds.append(["write", "/caf\u00e9 cr\u00e8me.txt", "accents"])
    for k in range(12):
        files["/collide name %d.txt" % k] = b"%d" % k
        cmds.append(["write", "/collide name %d.txt" % k, "%d" % k])
    # Deep directories.
    deep = ""
    for d in range(24):
        deep += "/level %02d" % d
        cmds.append(["mkdir", deep])
    files[deep + "/bottom.txt"] = b"bottom"
    cmds.append(["write", deep + "/bottom.txt", "bottom"])
    # Rename, truncate, append, unlink, rmdir.
    cmds += [["write", "/moved.txt", "before"], ["mv", "/moved.txt", "/docs/after the move.txt"],
             ["write", "/trunc.txt", "0123456789" * 500], ["trunc", "/trunc.txt", "1234"],
             ["write", "/grow.txt", "abc"], ["trunc", "/grow.txt", "10000"],
             ["append", "/grow.txt", "tail"],
             ["write", "/gone.txt", "x" * 5000], ["rm", "/gone.txt"],
             ["mkdir", "/empty"], ["rmdir", "/empty"],
             ["mkdir", "/dir to move"], ["write", "/dir to move/inside.txt", "inside"],
             ["mv", "/dir to move", "/docs/dir moved"],
             ["write", "/Case.txt", "case"], ["mv", "/Case.txt", "/CASE.txt"],
             ["write", "/replaced.txt", "old"], ["write", "/replacer.txt", "new"],
             ["mv", "/replacer.txt", "/replaced.txt"],
             ["sync"]]
    files["/docs/after the move.txt"] = b"before"
    files["/trunc.txt"] = (b"0123456789" * 500)[:1234]
    files["/grow.txt"] = b"abc" + b"\0" * 9997 + b"tail"
    files["/docs/dir moved/inside.txt"] = b"inside"
    files["/CASE.txt"] = b"case"
    files["/replaced.txt"] = b"new"
    lines = tool(img, cmds, "--slots", "16")
    assert_all_ok(lines)
    fsck_clean(img)
    for k, (path, data) in enumerate(sorted(files.items())):
        assert mcopy_out(img, path, str(tmp_path / ("out%d" % k))) == data, path
    root = mdir_names(img, "/")
    assert "CASE.txt" in root and "Case.txt" not in root
    assert "gone.txt" not in root and "empty" not in root and "moved.txt" not in root and "replacer.txt" not in root
    assert long_name[1:] in root and "caf\u00e9 cr\u00e8me.txt" in root
    assert "dir moved" in mdir_names(img, "/docs")
    # The moved directory's ".." now names its new parent: fsck checked that; and our own reading agrees.
    again = tool(img, [["tree", "/"], ["stat", "/docs/dir moved/inside.txt"]], "--ro")
    assert "f 6 /docs/dir moved/inside.txt" in again
    assert any(l.startswith("stat f 6 ") for l in again)


def test_mtools_writes_are_read_by_us(tmp_path):
    img = mkfs(tmp_path, 40960, *FAT32)
    expect = {}
    subprocess.run(["mmd", "-i", img, "::/From mtools", "::/From mtools/sub dir"], check=True, env=MTOOLS_ENV)
    for i, size in enumerate([0, 10, 4096, 70000, 1 << 20]):
        host = tmp_path / ("mtools file %d.bin" % i)
        host.write_bytes(payload(100 + i, size))
        dest = ["::/", "::/From mtools/", "::/From mtools/sub dir/"][i % 3]
        subprocess.run(["mcopy", "-i", img, str(host), dest], check=True, env=MTOOLS_ENV)
        expect[dest[2:] + host.name] = host.read_bytes()
    cmds = [["tree", "/"]] + [["get", p, tmp_path / ("back%d" % k)] for k, p in enumerate(sorted(expect))]
    lines = tool(img, cmds, "--ro")
    assert_all_ok(lines)
    for k, p in enumerate(sorted(expect)):
        assert (tmp_path / ("back%d" % k)).read_bytes() == expect[p], p
        assert "f %d %s" % (len(expect[p]), p) in lines


def test_full_volume_is_enospc_and_stays_clean(tmp_path):
    img = mkfs(tmp_path, 40960, *FAT32)
    lines = tool(img, [["write", "/keep.txt", "keep"], ["fill", "/big.bin"], ["df"], ["write", "/more.txt", "x"],
                       ["sync"]], expect_rc=0)
    assert "error E_NOSPC (fill\t/big.bin)" in lines, lines
    assert "error E_NOSPC (write\t/more.txt\tx)" in lines, lines
    df = [l for l in lines if l.startswith("df ")][0].split()
    assert df[4] == "0" and df[5] == "0", df  # no cluster left, by the count kept and by a recount
    filled = int([l for l in lines if l.startswith("filled ")][0].split()[1])
    assert filled > 40 * 1000 * 1000
    fsck_clean(img)
    assert mcopy_out(img, "/keep.txt", str(tmp_path / "keep")) == b"keep"
    assert len(mcopy_out(img, "/big.bin", str(tmp_path / "big"))) == filled
    lines = tool(img, [["rm", "/big.bin"], ["df"], ["sync"]])
    assert_all_ok(lines)
    df = [l for l in lines if l.startswith("df ")][0].split()
    assert df[4] == df[5] and int(df[4]) > 80000
    fsck_clean(img)


def test_ten_thousand_cycles_leak_nothing(tmp_path):
    img = mkfs(tmp_path, 40960, *FAT32)
    lines = tool(img, [["write", "/stays.txt", "stays"], ["cycles", "10000"], ["df"], ["sync"]], timeout=900)
    assert_all_ok(lines)  # cycles itself fails unless the kept and the recounted free counts are as before
    fsck_clean(img)  # and the tool exits under LeakSanitizer, which fails it for any block not freed
    assert mdir_names(img, "/") == ["stays.txt"]


def test_read_only_refuses_every_change_and_writes_nothing(tmp_path):
    img = mkfs(tmp_path, 40960, *FAT32)
    assert_all_ok(tool(img, [["write", "/a.txt", "a"], ["mkdir", "/d"]]))
    before = hashlib.sha256(open(img, "rb").read()).hexdigest()
    lines = tool(img, [["write", "/a.txt", "b"], ["write", "/new.txt", "b"], ["mkdir", "/e"], ["rm", "/a.txt"],
                       ["rmdir", "/d"], ["mv", "/a.txt", "/b.txt"], ["trunc", "/a.txt", "0"], ["get", "/a.txt",
                       tmp_path / "a"]], "--ro")
    got = results(lines)
    assert got[:7] == ["error E_ROFS (%s)" % c for c in ("write\t/a.txt\tb", "write\t/new.txt\tb", "mkdir\t/e",
                                                            "rm\t/a.txt", "rmdir\t/d", "mv\t/a.txt\t/b.txt",
                                                            "trunc\t/a.txt\t0")], got
    assert got[7].startswith("ok"), got
    assert (tmp_path / "a").read_bytes() == b"a"
    assert hashlib.sha256(open(img, "rb").read()).hexdigest() == before


def test_errors_for_bad_requests(tmp_path):
    img = mkfs(tmp_path, 40960, *FAT32)
    lines = tool(img, [["write", "/f", "x"], ["mkdir", "/d"], ["write", "/d/g", "y"],
                       ["mkdir", "/f"], ["rmdir", "/d"], ["rmdir", "/f"], ["rm", "/d"], ["rm", "/nothere"],
                       ["write", "/f/under a file", "z"], ["mv", "/d", "/d/inside"], ["write", "/bad:name", "z"],
                       ["write", "/" + "n" * 256, "z"], ["create_excl", "/f"], ["mv", "/f", "/d"],
                       ["mkdir", "/d"]])
    got = [l.split(" (")[0] for l in results(lines)]
    assert got == ["ok", "ok", "ok", "error E_EXIST", "error E_NOTEMPTY", "error E_NOTDIR", "error E_ISDIR",
                   "error E_NOENT", "error E_NOTDIR", "error E_INVAL", "error E_INVAL", "error E_NAMETOOLONG",
                   "error E_EXIST", "error E_ISDIR", "error E_EXIST"], lines
    fsck_clean(img)


# ---- hostile volumes ----

def bpb(img):
    with open(img, "rb") as f:
        bs = f.read(512)
    bps, spc, reserved, nfats = struct.unpack_from("<HBHB", bs, 11)
    fat_size = struct.unpack_from("<I", bs, 36)[0]
    root = struct.unpack_from("<I", bs, 44)[0]
    data = (reserved + nfats * fat_size) * bps
    return {"bps": bps, "spc": spc, "fat": reserved * bps, "fat_bytes": fat_size * bps, "nfats": nfats,
            "root": root, "data": data, "cluster": bps * spc}


def cluster_off(b, c):
    return b["data"] + (c - 2) * b["cluster"]


def find_entry(img, b, dir_cluster, short):
    """Byte offset of the short entry named `short` (11 bytes) in the first cluster of a directory."""
    with open(img, "rb") as f:
        f.seek(cluster_off(b, dir_cluster))
        data = f.read(b["cluster"])
    for i in range(0, len(data), 32):
        if data[i:i + 11] == short:
            return cluster_off(b, dir_cluster) + i
    raise AssertionError("no entry %r" % short)


def patch(img, off, fmt, *values):
    with open(img, "r+b") as f:
        f.seek(off)
        f.write(struct.pack(fmt, *values))


def set_fat(img, b, c, value):
    for k in range(b["nfats"]):
        patch(img, b["fat"] + k * b["fat_bytes"] + 4 * c, "<I", value)


def entry_cluster(img, off):
    with open(img, "rb") as f:
        f.seek(off)
        e = f.read(32)
    return struct.unpack_from("<H", e, 20)[0] << 16 | struct.unpack_from("<H", e, 26)[0]


def hostile_base(tmp_path):
    img = mkfs(tmp_path, 40960, "-F", "32", "-s", "1")
    host = tmp_path / "big"
    host.write_bytes(payload(7, 20000))
    subprocess.run(["mmd", "-i", img, "::/SUB"], check=True, env=MTOOLS_ENV)
    subprocess.run(["mcopy", "-i", img, str(host), "::/FILE.BIN"], check=True, env=MTOOLS_ENV)
    return img, bpb(img)


EVERYTHING = [["tree", "/"], ["get", "/FILE.BIN", "/dev/null"], ["write", "/FILE.BIN", "rewrite"],
              ["append", "/FILE.BIN", "more"], ["trunc", "/FILE.BIN", "1"], ["write", "/SUB/new", "n"],
              ["mkdir", "/SUB/newdir"], ["mv", "/SUB", "/SUB2"], ["rm", "/FILE.BIN"], ["rmdir", "/SUB2"],
              ["cycles", "20"], ["df"], ["sync"]]


def run_hostile(img):
    # Whatever the damage, each command ends (no hang: the timeout), with a result line, and nothing crashes.
    lines = tool(img, EVERYTHING, timeout=120, expect_rc=None)
    assert lines[0].startswith(("mounted", "mount error")), lines
    if lines[0].startswith("mounted"):
        assert len(results(lines)) == len(EVERYTHING), lines
    return lines


def test_hostile_cyclic_chain(tmp_path):
    img, b = hostile_base(tmp_path)
    first = entry_cluster(img, find_entry(img, b, b["root"], b"FILE    BIN"))
    set_fat(img, b, first + 3, first)  # the fourth cluster links back to the first
    lines = run_hostile(img)
    assert "error E_IO (get\t/FILE.BIN\t/dev/null)" in lines


def test_hostile_out_of_range_clusters(tmp_path):
    img, b = hostile_base(tmp_path)
    off = find_entry(img, b, b["root"], b"FILE    BIN")
    first = entry_cluster(img, off)
    set_fat(img, b, first + 1, 0x0FFFFFF0)  # a link past the last cluster
    lines = run_hostile(img)
    assert "error E_IO (get\t/FILE.BIN\t/dev/null)" in lines
    # A directory entry whose first cluster is out of range.
    (tmp_path / "second").mkdir()
    img2, b2 = hostile_base(tmp_path / "second")
    sub = find_entry(img2, b2, b2["root"], b"SUB        ")
    patch(img2, sub + 20, "<H", 0x0FFF)
    lines = run_hostile(img2)
    assert any(l.startswith("error E_IO (write\t/SUB/new") for l in lines), lines


def test_hostile_directory_containing_itself(tmp_path):
    img, b = hostile_base(tmp_path)
    sub = find_entry(img, b, b["root"], b"SUB        ")
    sub_cluster = entry_cluster(img, sub)
    # A third entry in SUB that names SUB itself, and one that names the root.
    e = bytearray(32)
    e[0:11] = b"LOOP       "
    e[11] = 0x10
    struct.pack_into("<HH", e, 20, sub_cluster >> 16, 0)
    struct.pack_into("<H", e, 26, sub_cluster & 0xFFFF)
    patch(img, cluster_off(b, sub_cluster) + 64, "32s", bytes(e))
    lines = run_hostile(img)
    assert "d 0 /SUB/LOOP/LOOP/LOOP" in lines  # followed as deep as asked, never forever
    # rename of the directory into its own loop is refused
    lines = tool(img, [["mv", "/SUB", "/SUB/LOOP/X"]], timeout=60, expect_rc=None)
    assert results(lines)[0].startswith("error"), lines


def test_hostile_size_past_chain(tmp_path):
    img, b = hostile_base(tmp_path)
    off = find_entry(img, b, b["root"], b"FILE    BIN")
    patch(img, off + 28, "<I", 0x7FFFFFFF)  # 2 GiB in a 20000-byte chain
    lines = run_hostile(img)
    # The read stops with E_IO where the chain ends; nothing past it is made up.
    assert "error E_IO (get\t/FILE.BIN\t/dev/null)" in lines, lines


@pytest.mark.parametrize("field", ["spc0", "spc3", "bps100", "reserved0", "fats0", "huge_total", "huge_fat",
                                   "signature", "root_cluster", "root_entries_on_fat32"])
def test_hostile_bpb_is_refused(tmp_path, field):
    img, b = hostile_base(tmp_path)
    edits = {"spc0": (13, "<B", 0), "spc3": (13, "<B", 3), "bps100": (11, "<H", 100), "reserved0": (14, "<H", 0),
             "fats0": (16, "<B", 0), "huge_total": (32, "<I", 0xFFFFFFFF), "huge_fat": (36, "<I", 0x7FFFFFFF),
             "signature": (510, "<H", 0), "root_cluster": (44, "<I", 0x0FFFFFFF),
             "root_entries_on_fat32": (17, "<H", 512)}
    off, fmt, value = edits[field]
    patch(img, off, fmt, value)
    lines = tool(img, [["tree", "/"]], timeout=60, expect_rc=3)
    assert lines == ["mount error E_INVAL"], lines
