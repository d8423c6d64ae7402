"""Where programs live and which initrd holds them: the default initrd's /bin is the system (user/ and
drivers/), never a guest test (tests/guest/); the test initrd is the default one plus every guest test; the
check library is linked only into guest tests; and mkinitrd never packs a stale file or lets a guest test shadow a
system program."""
import os
import subprocess
import sys
import tarfile

from conftest import REPO


def programs_in(top, skip=("lib",)):
    """The program directories under top (each directory with a C or assembly source)."""
    root = os.path.join(REPO, top)
    out = set()
    for name in os.listdir(root):
        d = os.path.join(root, name)
        if name not in skip and os.path.isdir(d) and any(f.endswith((".c", ".S")) for f in os.listdir(d)):
            out.add(name)
    return out


def bin_of(tar_path):
    with tarfile.open(tar_path) as tar:
        return {m.name[len("bin/"):] for m in tar.getmembers() if m.name.startswith("bin/") and m.isfile()}


GUEST = programs_in("tests/guest")
# configure.py leaves mtk-msdc out until drivers/lib/blkserve.c (which it links with) is in the tree.
_NO_BLKSERVE = not os.path.exists(os.path.join(REPO, "drivers", "lib", "blkserve.c"))
SYSTEM = programs_in("user") | programs_in("drivers", skip=("lib",) + (("mtk-msdc",) if _NO_BLKSERVE else ()))


def test_the_trees_do_not_share_a_name():
    assert GUEST and SYSTEM and not GUEST & SYSTEM, GUEST & SYSTEM


def test_default_initrd_holds_the_system_and_no_guest_test(build):
    shipped = bin_of(os.path.join(build, "initrd.tar"))
    assert not shipped & GUEST, "guest tests in the default /bin: %s" % sorted(shipped & GUEST)
    assert shipped == SYSTEM, (sorted(shipped ^ SYSTEM))
    for prog in ("sh", "init", "ls", "cat", "echo", "ps", "kill", "rtc"):
        assert prog in shipped, prog


def test_test_initrd_is_the_default_plus_the_guest_tests(build):
    assert bin_of(os.path.join(build, "initrd-test.tar")) == SYSTEM | GUEST


def function_names(elf):
    sys.path.insert(0, os.path.join(REPO, "gen"))
    import elfsyms
    with open(elf, "rb") as f:
        return {name for _, name in elfsyms.function_symbols(f.read())}


def test_check_library_is_only_in_guest_tests(build):
    """userlib has no test harness any more: wren_check comes from tests/guest/lib, linked into guest tests."""
    assert not os.path.exists(os.path.join(REPO, "userlib", "check.c"))
    assert not os.path.exists(os.path.join(REPO, "userlib", "include", "wren", "check.h"))
    assert "wren_check" in function_names(os.path.join(build, "tests", "guest", "syscheck.elf"))
    with open(os.path.join(build, "userlib", "libwren.a"), "rb") as f:
        assert b"wren_check" not in f.read()


def mkinitrd(*args):
    return subprocess.run([sys.executable, os.path.join(REPO, "tools", "mkinitrd.py")] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_mkinitrd_merges_roots_and_refuses_a_shadow(tmp_path):
    (tmp_path / "sys" / "bin").mkdir(parents=True)
    (tmp_path / "sys" / "bin" / "sh").write_bytes(b"shell")
    (tmp_path / "sys" / "bin" / "stale").write_bytes(b"left over")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "syscheck").write_bytes(b"test")
    out = tmp_path / "t.tar"
    r = mkinitrd("--root", str(tmp_path / "sys"), "--root", "bin=" + str(tmp_path / "tests"), "--out", str(out),
                 str(tmp_path / "sys" / "bin" / "sh"), str(tmp_path / "tests" / "syscheck"))
    assert r.returncode == 0, r.stdout
    assert bin_of(str(out)) == {"sh", "syscheck"}  # the unlisted (stale) file is not packed
    (tmp_path / "tests" / "sh").write_bytes(b"impostor")
    r = mkinitrd("--root", str(tmp_path / "sys"), "--root", "bin=" + str(tmp_path / "tests"), "--out", str(out))
    assert r.returncode != 0 and "bin/sh is in more than one root" in r.stdout, r.stdout


def test_guest_tests_are_built_into_their_own_bin(build):
    built = set(os.listdir(os.path.join(build, "tests", "bin")))
    assert GUEST <= built, sorted(GUEST - built)
