"""docs/adding-a-syscall.md followed with the real build, on a scratch copy of the tree:
the new syscall's YAML makes the build fail with check-impl's message, the kernel
implementation makes it pass, and a user program calling it runs in QEMU. Also checks that
ninja rebuilds only what an interface edit affects."""
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import REPO
from qemu import boot

DOC = os.path.join(REPO, "docs", "adding-a-syscall.md")


def doc_block(tag):
    text = open(DOC).read()
    m = re.search(r"<!-- tutorial:%s -->\s*```\w*\n(.*?)```" % tag, text, re.S)
    assert m, "no tutorial:%s block in %s" % (tag, DOC)
    return m.group(1)


def run(cmd, cwd):
    return subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """A configured and built copy of the source tree."""
    dst = tmp_path_factory.mktemp("tutorial") / "wren"
    def skip(d, names):   # build directories, VCS data and caches stay behind
        return [n for n in names if n in (".git", "__pycache__", ".pytest_cache") or
                (n.startswith("build") and os.path.isdir(os.path.join(d, n)))]
    shutil.copytree(REPO, dst, ignore=skip)
    r = run([sys.executable, "configure.py"], dst)
    assert r.returncode == 0, r.stdout
    r = run(["ninja", "-C", "build", "Image", "initrd.tar"], dst)
    assert r.returncode == 0, r.stdout
    return dst


def ninja_steps(tree):
    r = run(["ninja", "-C", "build", "Image", "initrd.tar"], tree)
    return r, [line for line in r.stdout.splitlines() if line.startswith("[")]


def test_touching_yaml_regenerates_but_recompiles_nothing(tree):
    os.utime(tree / "interface" / "syscalls" / "debug.yaml")
    r, steps = ninja_steps(tree)
    assert r.returncode == 0, r.stdout
    assert any("GEN" in s for s in steps), r.stdout
    assert not any(" CC " in s or " LINK " in s for s in steps), r.stdout


def test_doc_only_edit_recompiles_nothing(tree):
    path = tree / "interface" / "syscalls" / "debug.yaml"
    text = path.read_text()
    assert "Meant for early programs" in text
    path.write_text(text.replace("Meant for early programs", "Intended for early programs"))
    r, steps = ninja_steps(tree)
    assert r.returncode == 0, r.stdout
    assert any("GEN" in s for s in steps), r.stdout
    assert not any(" CC " in s or " LINK " in s for s in steps), r.stdout
    assert "Intended for early programs" in (tree / "build" / "gen" / "docs" / "syscalls.md").read_text()


def test_tutorial_end_to_end(tree):
    # Step 1: the YAML entry, appended to the debug family's syscalls list.
    yaml_path = tree / "interface" / "syscalls" / "debug.yaml"
    yaml_path.write_text(yaml_path.read_text().rstrip("\n") + "\n\n" + doc_block("yaml"))

    # Steps 2-3: it is generated everywhere, and the build stops at check-impl.
    r = run(["ninja", "-C", "build", "Image"], tree)
    assert r.returncode != 0, r.stdout
    want = doc_block("check-impl").strip()
    assert want in r.stdout, r.stdout
    gen = tree / "build" / "gen"
    number = re.search(r"number: (0x[0-9a-f]+)", doc_block("yaml")).group(1)
    assert f"#define SYS_GET_ABI_VERSION {number}" in (gen / "include" / "wren" / "abi.h").read_text()
    assert "long sys_get_abi_version(user_out_buf buf);" in \
        (gen / "kernel" / "syscall_table.h").read_text()
    assert "wren_get_abi_version" in (gen / "userlib" / "syscalls.S").read_text()
    assert "get_abi_version" in (gen / "docs" / "syscalls.md").read_text()

    # Step 4: implement it; the kernel links.
    impl = tree / "kernel" / "sys" / "sys_debug.c"
    impl.write_text(impl.read_text() + "\n" + doc_block("kernel"))
    r = run(["ninja", "-C", "build", "Image"], tree)
    assert r.returncode == 0, r.stdout

    # Step 5: call it from /bin/init and boot.
    init = tree / "user" / "init" / "init.c"
    src = init.read_text()
    src = src.replace("int main(void)\n{", doc_block("user").replace("#include <wren/syscalls.h>\n", "") +
                      "\nint main(void)\n{\n    if (kernel_matches_headers())\n"
                      "        wren_print(\"init: ABI version matches\\n\");")
    init.write_text(src)
    r = run(["ninja", "-C", "build", "Image", "initrd.tar"], tree)
    assert r.returncode == 0, r.stdout
    b = boot(str(tree / "build"))
    b.require_clean_poweroff()
    assert "init: ABI version matches" in b.output, b.output
