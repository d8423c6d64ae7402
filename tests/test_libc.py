"""The C library: tests/guest/libctest exercises picolibc over userlib's system layer (userlib/libc/)
from inside the guest; this checks its verdicts and what its children printed."""
import os
import re
import shutil
import struct
import subprocess

import yaml

from qemu import boot
from test_syscalls import make_initrd, program_bytes

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_libctest(build, tmp_path):
    r = boot(build, timeout=120, initrd=make_initrd(tmp_path, build, program="libctest", extra=["libctest"]))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    m = re.search(r"libctest: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 70 and m.group(2) == "0", r.output
    assert "/bin/init (pid 1) exited with status 0" in r.output, r.output
    # stdout and stderr reach the console.
    assert "libctest: printf says 42 3.141593\n" in r.output, r.output
    assert "libctest: fputs to stderr\n" in r.output, r.output
    # A failed assert names the expression, file, line and function before SIGABRT ends the child.
    assert re.search(r'assertion "1 \+ 1 == 3" failed: file "[^"]*tests/guest/libctest/processes\.c", line \d+, '
                     r'function: child_main\n', r.output), r.output
    # exit() flushed a line without a newline, and ran the atexit handler.
    assert "libctest child: no newline at the end\n" in r.output, r.output
    assert "libctest child: atexit handler ran\n" in r.output, r.output
    # Running the heap out of memory did not kill anything, and every page came back.
    assert "killed" not in r.output, r.output
    free_boot = int(re.search(r"memory: (\d+) KiB free before pid 1", r.output).group(1))
    free_end = int(re.search(r"memory: (\d+) KiB free after pid 1", r.output).group(1))
    assert free_end == free_boot, r.output


def test_errno_table_covers_every_error():
    """userlib/libc/errno.c must translate every error interface/errors.yaml defines."""
    with open(os.path.join(REPO, "interface", "errors.yaml")) as f:
        names = [e["name"] for e in yaml.safe_load(f)["errors"]]
    with open(os.path.join(REPO, "userlib", "libc", "errno.c")) as f:
        table = set(re.findall(r"\[E_([A-Z0-9]+)\]\s*=\s*E[A-Z0-9]+", f.read()))
    assert names and set(names) - table == set(), "missing from userlib/libc/errno.c: %s" % sorted(set(names) - table)


def test_minimal_program_stays_small(build):
    """Linking every program against picolibc must not cost a program that uses none of it:
    /bin/nop keeps a single loadable segment (its text), under a page."""
    elf = program_bytes(build, "nop")
    phoff = struct.unpack_from("<Q", elf, 32)[0]
    phentsize, phnum = struct.unpack_from("<HH", elf, 54)
    headers = [struct.unpack_from("<II5Q", elf, phoff + i * phentsize) for i in range(phnum)]
    loads = [h for h in headers if h[0] == 1]  # PT_LOAD: (type, flags, offset, vaddr, paddr, filesz, memsz)
    assert len(loads) == 1 and loads[0][1] == 5, loads  # R-X
    assert loads[0][6] <= 4096, loads


def test_readme_user_program_recipe(tmp_path):
    """README's "Writing a user program", followed on a scratch copy of the tree: the hello
    program builds, is packed as /bin/init the way the README says, and prints."""
    readme = open(os.path.join(REPO, "README.md")).read()
    section = readme.split("## Writing a user program", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^    .*\n(?:^    .*\n|^\n(?=    ))*", section, re.M)  # indented code blocks
    build_steps, boot_steps = [re.sub(r"^    ", "", b, flags=re.M) for b in blocks[:2]]
    assert "user/hello" in build_steps and "mkinitrd" in boot_steps, section

    tree = tmp_path / "wren"
    shutil.copytree(REPO, tree, ignore=lambda d, names: [
        n for n in names if n in (".git", "__pycache__") or (n.startswith("build") and os.path.isdir(os.path.join(d, n)))])
    r = subprocess.run(["bash", "-ec", build_steps], cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    assert r.returncode == 0, r.stdout
    # The packing steps, into this test's directory; boot() then plays the qemu line.
    steps = [line for line in boot_steps.splitlines() if line.strip() and not line.startswith("qemu-system")]
    script = "\n".join(steps).replace("/tmp/hello", str(tmp_path / "hello"))
    r = subprocess.run(["bash", "-ec", script], cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert r.returncode == 0, r.stdout
    out = boot(str(tree / "build"), initrd=str(tmp_path / "hello.tar"))
    out.require_clean_poweroff()
    assert "hello from EL0, sqrt(2) = 1.414214\n" in out.output, out.output
