"""Style checks CI enforces: C formatting (.clang-format) and the rule that only
kernel/arch/aarch64 may contain inline assembly."""
import os
import re
import shutil
import subprocess

import pytest

from conftest import REPO

C_DIRS = ["kernel", "userlib", "user", "drivers", "tests/guest", "tests/host"]


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
