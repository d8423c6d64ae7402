"""Follow docs/adding-a-syscall.md step by step on a scratch copy of interface/ and gen/.

The YAML entry, the kernel implementation, the user-space call and the expected
check-impl message are all taken from the tutorial itself, so the page cannot
drift from what the tools do.  (The ninja part of the tutorial — the real build
failing until the kernel implements the call — is exercised by the build's own
tests; here check-impl runs directly on small objects, as the build would.)
"""

import re
import shutil

import pytest

from wrengen_support import (AARCH64, CFLAGS, GEN_DIR, INTERFACE, REPO, USER_PTR_H, clang,
                      needs_clang, run_wrengen)

TUTORIAL = REPO / "docs" / "adding-a-syscall.md"
FAMILY_FILE = "interface/syscalls/debug.yaml"
NAME = "get_abi_version"

pytestmark = needs_clang

# The kernel's user_ptr.h also declares the copy helpers the tutorial uses.
USER_PTR_WITH_COPY = USER_PTR_H.replace("#endif", """\
#include <stddef.h>
int copy_from_user(void *dst, user_in_ptr src, size_t len);
int copy_to_user(user_out_ptr dst, const void *src, size_t len);
#endif""")


def tutorial_block(marker):
    """The fenced code block that follows `<!-- tutorial:<marker> -->`."""
    text = TUTORIAL.read_text()
    match = re.search(rf"<!-- tutorial:{marker} -->\n```\w*\n(.*?)```", text, re.S)
    assert match, f"docs/adding-a-syscall.md has no tutorial:{marker} block"
    return match.group(1)


def stubs_for(table, skip=()):
    """C definitions of every sys_* prototype in syscall_table.h except `skip`."""
    lines = ['#include "syscall_table.h"']
    for ret, name, params in re.findall(r"^(long|_Noreturn void) (sys_\w+)\((.*)\);",
                                        table, re.M):
        if name in skip:
            continue
        body = "for (;;) { }" if ret != "long" else "return -E_NOSYS;"
        names = [] if params == "void" else [p.split()[-1].lstrip("*") for p in params.split(", ")]
        unused = " ".join(f"(void){n};" for n in names)
        lines.append(f"{ret} {name}({params}) {{ {unused} {body} }}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def tree(tmp_path):
    """A scratch source tree with the interface and the generator."""
    shutil.copytree(INTERFACE, tmp_path / "interface")
    shutil.copytree(GEN_DIR, tmp_path / "gen",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "stub").mkdir()
    (tmp_path / "stub/user_ptr.h").write_text(USER_PTR_WITH_COPY)
    return tmp_path


def generate(tree):
    return run_wrengen(["generate", "--interface", "interface", "--out", "build/gen"], tree)


def compile_kernel_object(tree, name, source):
    (tree / f"{name}.c").write_text(source)
    clang(CFLAGS + ["-I", "build/gen/include", "-I", "build/gen/kernel", "-I", "stub",
                    "-c", f"{name}.c", "-o", f"{name}.o"], tree)
    return f"{name}.o"


def check_impl(tree, *objects):
    return run_wrengen(["check-impl", "--interface", "interface", *objects], tree)


def test_tutorial(tree):
    # Step 1: append the tutorial's entry to the family's syscall list.
    family = tree / FAMILY_FILE
    entry = tutorial_block("yaml")
    family.write_text(family.read_text() + "\n" + entry)
    entry_line = family.read_text().splitlines().index(f"  - name: {NAME}") + 1
    # The number is the tutorial's: it takes the family's next free one.
    number = int(re.search(r"number: (0x[0-9a-f]+)", entry).group(1), 16)

    # Step 2: generate; the call shows up in every output.
    result = generate(tree)
    assert result.returncode == 0, result.stderr
    gen = tree / "build/gen"
    assert f"#define SYS_GET_ABI_VERSION {number:#x}" in (gen / "include/wren/abi.h").read_text()
    table = (gen / "kernel/syscall_table.h").read_text()
    assert "long sys_get_abi_version(user_out_buf buf);" in table
    dispatch = (gen / "kernel/syscall_dispatch.c").read_text()
    assert "static long decode_get_abi_version(const uint64_t args[6])" in dispatch
    assert f"[{number & 0xff:#x}] = decode_get_abi_version," in dispatch
    assert "long wren_get_abi_version(char *buf, size_t buf_len);" in \
        (gen / "userlib/wren/syscalls.h").read_text()
    stubs = (gen / "userlib/syscalls.S").read_text()
    assert f"wren_get_abi_version: // SYS_GET_ABI_VERSION\n\tmov x8, #{number:#x}\n\tsvc #0\n\tret" \
        in stubs
    docs = (gen / "docs/syscalls.md").read_text()
    section = docs[docs.index(f"### {NAME}\n"):]
    for heading in ("Summary", "Declaration", "Description", "Arguments", "Rights",
                    "Return value", "Errors", "Blocking", "See also"):
        assert f"#### {heading}\n" in section

    # Step 3: a kernel that implements everything else fails check-impl, naming the call.
    kernel = compile_kernel_object(tree, "kernel_rest", stubs_for(table, skip={f"sys_{NAME}"}))
    result = check_impl(tree, kernel)
    assert result.returncode == 1
    expected = tutorial_block("check-impl").strip()
    assert result.stderr.strip() == re.sub(r":\d+:", f":{entry_line}:", expected, count=1)
    assert f"{FAMILY_FILE}:{entry_line}: syscall '{NAME}' ({number:#x})" in result.stderr

    # Step 4: add the tutorial's implementation; check-impl passes.
    impl = compile_kernel_object(tree, "sys_debug_new", tutorial_block("kernel"))
    result = check_impl(tree, kernel, impl)
    assert (result.returncode, result.stderr) == (0, "")

    # Step 5: the tutorial's user-space code compiles against the generated header,
    # and the stubs (with the new one) assemble.
    user = tree / "user.c"
    user.write_text(tutorial_block("user")
                    + "int probe(void) { return kernel_matches_headers(); }\n")
    clang(CFLAGS + ["-I", "build/gen/include", "-I", "build/gen/userlib", "-c", "user.c",
                    "-o", "user.o"], tree)
    clang(AARCH64 + ["-c", "build/gen/userlib/syscalls.S", "-o", "stubs.o"], tree)


def test_tutorial_error_example_is_real(tree):
    """The validation error the tutorial shows is the one the generator prints."""
    family = tree / FAMILY_FILE
    entry = tutorial_block("yaml").replace("len: buf_len", "len: buf_size")
    family.write_text(family.read_text() + "\n" + entry)
    result = generate(tree)
    assert result.returncode == 1
    shown = re.search(r"```text\n(interface/syscalls/debug\.yaml:\d+: 'len' .*?)\n```",
                      TUTORIAL.read_text(), re.S).group(1)
    line = family.read_text().splitlines().index("        len: buf_size") + 1
    assert result.stderr.strip() == re.sub(r":\d+:", f":{line}:", shown, count=1)
