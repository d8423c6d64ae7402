"""Style checks CI enforces: C formatting (.clang-format), the rule that only
kernel/arch/aarch64 may contain inline assembly, and /* */ comments in the kernel."""
import os
import re
import shutil
import subprocess

import pytest

from conftest import REPO

C_DIRS = ["kernel", "userlib", "user", "drivers", "servers", "tests/guest", "tests/host"]


def c_files():
    out = []
    for d in C_DIRS:
        for root, _, files in os.walk(os.path.join(REPO, d)):
            out += [os.path.join(root, f) for f in files if f.endswith((".c", ".h"))]
    return sorted(out)


@pytest.mark.skipif(not shutil.which("clang-format"), reason="clang-format not installed")
def test_c_sources_are_clang_formatted():
    p = subprocess.run(["clang-format", "--dry-run", "--Werror"] + c_files(), cwd=REPO,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert p.returncode == 0, "run clang-format -i on these files:\n" + p.stdout[-4000:]


def test_inline_asm_only_in_arch():
    arch = os.path.join(REPO, "kernel", "arch", "aarch64")
    offenders = []
    for f in c_files():
        if not f.startswith(os.path.join(REPO, "kernel")) or f.startswith(arch):
            continue
        with open(f) as fh:
            if re.search(r"\b(__asm__|asm)\s*(volatile|__volatile__)?\s*\(", fh.read()):
                offenders.append(os.path.relpath(f, REPO))
    assert not offenders, "inline asm outside kernel/arch/aarch64: %s" % offenders


def line_comments(text):
    """Line numbers (from 1) of the // comments in C source: not inside a string, a character or a /* */ comment."""
    out = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif text.startswith("//", i):
            out.append(text.count("\n", 0, i) + 1)
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text[i] in "\"'":
            j = i + 1
            while j < n and text[j] not in (text[i], "\n"):
                j += 2 if text[j] == "\\" else 1
            i = j + 1
        else:
            i += 1
    return out


def test_line_comment_scanner():
    src = 'const char *u = "http://x"; /* a // b */\nchar c = \'/\'; int d = 1 / 2; // here\n// and here\n'
    assert line_comments(src) == [2, 3]


def test_kernel_comments_are_block_comments():
    """One comment style across the kernel: /* */, never //."""
    kernel = os.path.join(REPO, "kernel")
    offenders = []
    for f in c_files():
        if f.startswith(kernel + os.sep):
            with open(f) as fh:
                offenders += ["%s:%d" % (os.path.relpath(f, REPO), ln) for ln in line_comments(fh.read())]
    assert not offenders, "// comments in the kernel (write /* */):\n" + "\n".join(offenders[:50])
