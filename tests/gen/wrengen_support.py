"""Shared helpers for the generator tests (tests/gen).

Tests never write into the source tree: every run copies what it needs into
pytest's tmp_path and generates there.

There is deliberately no conftest.py here: other test directories import their
own `conftest` by that name, and a second one would shadow it.  Test modules
import the fixtures below explicitly instead.
"""

import contextlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GEN_DIR = REPO / "gen"
WRENGEN = GEN_DIR / "wrengen.py"
INTERFACE = REPO / "interface"
HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
VALID_FIXTURE = FIXTURES / "valid"
INVALID_FIXTURES = FIXTURES / "invalid"
GOLDEN = HERE / "golden"

# The files `generate` must write (besides the depfile), relative to --out.
OUTPUTS = (
    "include/wren/abi.h",
    "kernel/syscall_table.h",
    "kernel/syscall_dispatch.c",
    "userlib/wren/syscalls.h",
    "userlib/syscalls.S",
    "docs/syscalls.md",
)

# Import the generator's modules in-process without leaving bytecode in gen/.
sys.dont_write_bytecode = True
sys.path.insert(0, str(GEN_DIR))

CLANG = shutil.which("clang")
AARCH64 = ["--target=aarch64-none-elf", "-ffreestanding"]
CFLAGS = AARCH64 + ["-std=c11", "-Wall", "-Wextra", "-Werror"]
needs_clang = pytest.mark.skipif(CLANG is None, reason="clang is not installed")


def run_wrengen(args, cwd):
    """Run wrengen.py as the build does, in a fresh interpreter.

    Returns the CompletedProcess (text mode, stdout and stderr captured).
    """
    return subprocess.run([sys.executable, "-B", str(WRENGEN), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, check=False)


def run_wrengen_inprocess(args, cwd):
    """Call wrengen.main() directly: much faster for the many rejection cases.

    Returns (exit status, stdout, stderr).
    """
    import wrengen
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = wrengen.main([str(a) for a in args])
    finally:
        os.chdir(old)
    return status, out.getvalue(), err.getvalue()


def copy_tree(src, dst):
    shutil.copytree(src, dst, dirs_exist_ok=True)


def read_tree(root):
    """{relative path: bytes} of every file under root."""
    root = Path(root)
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def clang(args, cwd):
    """Run clang; on failure the assertion shows its diagnostics."""
    result = subprocess.run([CLANG, *map(str, args)], cwd=cwd, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, f"clang {' '.join(map(str, args))}\n{result.stderr}"
    return result


# Stand-in for the kernel's hand-written user_ptr.h, as the brief defines it.
USER_PTR_H = """\
#ifndef USER_PTR_H
#define USER_PTR_H
#include <stdint.h>
typedef struct { uintptr_t addr; } user_in_ptr;
typedef struct { uintptr_t addr; } user_out_ptr;
typedef struct { uintptr_t addr; } user_inout_ptr;
#endif
"""

# The handle table as the generated dispatcher uses it (kernel/obj/handle.h, kernel/sys/handles.h),
# cut down to what a host program needs: a table the test fills in, and counted references.
HANDLE_H = """\
#ifndef HANDLE_H
#define HANDLE_H
#include <stdint.h>
struct kobject { unsigned refs; uint16_t type; unsigned id; };
struct handle { struct kobject *obj; uint32_t rights; uint32_t flags; };
struct handle_table { struct handle h[16]; };
static inline struct handle *handle_entry(struct handle_table *t, long h)
{
    return h < 0 || h >= 16 || !t->h[h].obj ? 0 : &t->h[h];
}
static inline struct kobject *kobj_get(struct kobject *o) { o->refs++; return o; }
static inline void kobj_put(struct kobject *o) { if (o) o->refs--; }
#endif
"""
HANDLES_H = """\
#ifndef HANDLES_H
#define HANDLES_H
extern struct handle_table test_handles;
static inline struct handle_table *caller_handles(void) { return &test_handles; }
#endif
"""


@pytest.fixture
def user_ptr_dir(tmp_path):
    """A directory holding the stub user_ptr.h, obj/handle.h and sys/handles.h, for -I."""
    path = tmp_path / "stub_include"
    path.mkdir()
    (path / "user_ptr.h").write_text(USER_PTR_H)
    (path / "obj").mkdir()
    (path / "obj/handle.h").write_text(HANDLE_H)
    (path / "sys").mkdir()
    (path / "sys/handles.h").write_text(HANDLES_H)
    return path


@pytest.fixture(scope="session")
def generated_real(tmp_path_factory):
    """Outputs generated once from the real interface/ (shared by read-only tests)."""
    out = tmp_path_factory.mktemp("real") / "gen"
    result = run_wrengen(["generate", "--interface", INTERFACE, "--out", out], cwd=REPO)
    assert result.returncode == 0, result.stderr
    return out
