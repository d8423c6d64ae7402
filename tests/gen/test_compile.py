"""The generated C compiles cleanly for the target, the stubs assemble, and the
dispatcher behaves as documented when run (on the host)."""

import re
import subprocess

import pytest

from wrengen_support import (AARCH64, CFLAGS, VALID_FIXTURE, clang, copy_tree, needs_clang,
                      run_wrengen)
from wrengen_support import generated_real, user_ptr_dir  # noqa: F401 (pytest fixtures)

pytestmark = needs_clang


@pytest.fixture(scope="module")
def generated_fixture(tmp_path_factory):
    root = tmp_path_factory.mktemp("fixture")
    copy_tree(VALID_FIXTURE, root / "interface")
    result = run_wrengen(["generate", "--interface", "interface", "--out", "gen"], root)
    assert result.returncode == 0, result.stderr
    return root / "gen"


@pytest.fixture(params=["real", "fixture"])
def generated(request, generated_real, generated_fixture):
    return generated_real if request.param == "real" else generated_fixture


def test_kernel_dispatch_compiles(generated, user_ptr_dir, tmp_path):
    clang(CFLAGS + ["-I", generated / "include", "-I", user_ptr_dir, "-I", generated / "kernel",
                    "-c", generated / "kernel/syscall_dispatch.c", "-o", tmp_path / "d.o"],
          tmp_path)


def test_abi_h_compiles_alone_and_pedantic(generated, tmp_path):
    source = tmp_path / "abi.c"
    source.write_text("#include <wren/abi.h>\n")
    clang(CFLAGS + ["-pedantic", "-I", generated / "include", "-fsyntax-only", source],
          tmp_path)


def test_abi_h_constants_work_in_assembly(generated, tmp_path):
    source = tmp_path / "use.S"
    source.write_text("#include <wren/abi.h>\n\tmov x8, #SYS_EXIT\n\tmov x0, #E_NOSYS\n")
    clang(AARCH64 + ["-I", generated / "include", "-c", source, "-o", tmp_path / "use.o"],
          tmp_path)


def test_userspace_header_compiles(generated, tmp_path):
    source = tmp_path / "user.c"
    source.write_text("#include <wren/syscalls.h>\n"
                      "long probe(void) { return wren_get_pid(); }\n")
    clang(CFLAGS + ["-I", generated / "include", "-I", generated / "userlib", "-c", source,
                    "-o", tmp_path / "user.o"], tmp_path)


def test_stubs_assemble_with_one_section_per_stub(generated, tmp_path):
    obj = tmp_path / "stubs.o"
    clang(AARCH64 + ["-c", generated / "userlib/syscalls.S", "-o", obj], tmp_path)
    table = (generated / "kernel/syscall_table.h").read_text()
    names = re.findall(r"\bsys_(\w+)\(", table)
    # The stubs are global functions named wren_<name> in .text.wren_<name>.
    from elfsyms import read_defined_globals
    assert read_defined_globals(obj) == {f"wren_{n}" for n in names}
    stubs = (generated / "userlib/syscalls.S").read_text()
    for name in names:
        assert f".section .text.wren_{name}," in stubs


def test_large_numbers_use_movz_movk(generated_fixture):
    stubs = (generated_fixture / "userlib/syscalls.S").read_text()
    assert "movz x8, #0x2345\n\tmovk x8, #0x1, lsl #16\n\tsvc #0" in stubs


# -- run the dispatcher ----------------------------------------------------------

HARNESS = r"""
#include <stdio.h>
#include "obj/handle.h"
#include "syscall_table.h"

/* The caller's table: 3 a file, 4 a file without READ, 5 a readable file, 7 a writable channel,
 * 8 a channel without WRITE; every other entry free. */
struct handle_table test_handles;
static struct kobject file3 = {1, WREN_OBJECT_FILE, 3}, file4 = {1, WREN_OBJECT_FILE, 4},
		      file5 = {1, WREN_OBJECT_FILE, 5}, chan7 = {1, WREN_OBJECT_CHANNEL, 7},
		      chan8 = {1, WREN_OBJECT_CHANNEL, 8};

/* What a handler saw of an object: its id, then the references it held during the call. */
static unsigned long long obj_seen(const struct kobject *o)
{
	return o ? o->id * 16 + o->refs : 0;
}

static unsigned long long seen[6];
static int seen_n;
%(stubs)s

static void call(const char *label, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
		 uint64_t a3, uint64_t a4, uint64_t a5)
{
	const uint64_t args[6] = { a0, a1, a2, a3, a4, a5 };
	seen_n = -1;
	long r = syscall_dispatch(nr, args);
	printf("%%s %%ld", label, r);
	for (int i = 0; i < seen_n; i++)
		printf(" %%llx", seen[i]);
	printf("\n");
}

int main(void)
{
	const struct syscall_desc *d;

	test_handles.h[3] = (struct handle){&file3, WREN_RIGHT_READ, 0};
	test_handles.h[4] = (struct handle){&file4, 0, 0};
	test_handles.h[5] = (struct handle){&file5, WREN_RIGHT_READ, 0};
	test_handles.h[7] = (struct handle){&chan7, WREN_RIGHT_WRITE, 0};
	test_handles.h[8] = (struct handle){&chan8, WREN_RIGHT_READ, 0};
	call("read", SYS_READ, 0xffffffff00000005ull, 0x1234, 10, 0, 0, 0);
	call("read-no-right", SYS_READ, 4, 0x1234, 10, 0, 0, 0);
	call("read-not-open", SYS_READ, 9, 0x1234, 10, 0, 0, 0);
	call("read-negative", SYS_READ, (uint64_t)-5, 0x1234, 10, 0, 0, 0);
	call("lseek-set", SYS_LSEEK, 3, (uint64_t)-8, WREN_WHENCE_SET, 0, 0, 0);
	call("lseek-hole", SYS_LSEEK, 3, 0, 1, 0, 0, 0);
	call("lseek-high", SYS_LSEEK, 3, 0, 0x100000002ull, 0, 0, 0);
	call("fstat-bit40", SYS_FSTAT, 1, 0x2000, WREN_BIG_HIGH, 0, 0, 0);
	call("fstat-bit1", SYS_FSTAT, 1, 0x2000, 2, 0, 0, 0);
	call("send", SYS_SEND, 7, 0x40, 0x80, 3, 4, 0x1000000ffull);
	call("send-none", SYS_SEND, (uint64_t)-1, 0x40, 0x80, 8, 4, 1);
	call("send-wrong-type", SYS_SEND, 3, 0x40, 0x80, 3, 4, 1);
	call("send-no-right", SYS_SEND, 8, 0x40, 0x80, 3, 4, 1);
	call("send-not-open", SYS_SEND, 6, 0x40, 0x80, 3, 4, 1);
	call("send-any-not-open", SYS_SEND, 7, 0x40, 0x80, 6, 4, 1);
	call("send-misaligned", SYS_SEND, 7, 0x41, 2, 0, 0, 0);
	printf("refs after %%u %%u %%u %%u %%u\n", file3.refs, file4.refs, file5.refs, chan7.refs, chan8.refs);
	call("unknown", 0xdead, 0, 0, 0, 0, 0, 0);
	call("retired", 0x1ff, 0, 0, 0, 0, 0, 0);
	printf("count %%zu\n", syscall_desc_count);
	for (size_t i = 0; i < syscall_desc_count; i++)
		printf("desc %%x %%s %%u %%u\n", (unsigned)syscall_descs[i].nr, syscall_descs[i].name,
		       syscall_descs[i].nargs, syscall_descs[i].blocking);
	d = syscall_desc_lookup(SYS_FSTAT);
	printf("lookup %%s %%s %%u\n", d ? d->name : "-", d ? d->args[1].name : "-",
	       d ? d->args[1].kind : 0);
	printf("lookup-miss %%s\n", syscall_desc_lookup(0x605) ? "found" : "null");
	return 0;
}
"""


def _stub_definitions(table):
    """A definition of every sys_* prototype that records its arguments."""
    stubs = []
    for ret, name, params in re.findall(r"^(long|_Noreturn void) (sys_\w+)\((.*)\);",
                                        table, re.M):
        if ret != "long":
            stubs.append(f"{ret} {name}({params}) {{ for (;;) {{ }} }}")
            continue
        params_list = [] if params == "void" else params.split(", ")
        names = [p.split()[-1].lstrip("*") for p in params_list]
        # A user pointer is a struct: record its address (and a buffer's length); an object its
        # id and references, an entry its object's; integers as they are.
        values = []
        for p, n in zip(params_list, names):
            if p.startswith("user_") and "_buf " in p:
                values += [f"{n}.ptr.addr", f"{n}.len"]
            elif p.startswith("user_"):
                values.append(f"{n}.addr")
            elif p.startswith("struct kobject *"):
                values.append(f"obj_seen({n})")
            elif p.startswith("struct handle *"):
                values.append(f"obj_seen({n}->obj)")
            else:
                values.append(f"(unsigned long long){n}")
        body = " ".join(f"seen[{i}] = {v};" for i, v in enumerate(values))
        number = f"SYS_{name[4:].upper()}"
        stubs.append(f"long {name}({params}) {{ {body} seen_n = {len(values)}; "
                     f"return {number}; }}")
    return "\n".join(stubs)


def test_dispatcher_decodes_checks_and_looks_up(generated_fixture, user_ptr_dir, tmp_path):
    table = (generated_fixture / "kernel/syscall_table.h").read_text()
    source = tmp_path / "harness.c"
    source.write_text(HARNESS % {"stubs": _stub_definitions(table)})
    exe = tmp_path / "harness"
    # Built for the host so it can run here; the target build is checked above.
    clang(["-std=c11", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter",
           "-I", generated_fixture / "include", "-I", user_ptr_dir,
           "-I", generated_fixture / "kernel", source,
           generated_fixture / "kernel/syscall_dispatch.c", "-o", exe], tmp_path)
    output = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
    assert output.splitlines() == [
        # 32-bit arguments are truncated; pointers and sizes pass through.
        # A looked-up descriptor reaches the handler as its object, holding a reference for the
        # call (5 is file5, 2 references); a buffer as address and length.
        "read 1538 52 1234 a",
        # A descriptor without the right, or not open, is E_BADF before the handler runs.
        "read-no-right -9",
        "read-not-open -9",
        "read-negative -9",
        "lseek-set 1542 32 fffffffffffffff8 0",
        # Enum values outside the set are rejected before the implementation runs...
        "lseek-hole -22",
        # ...but bits above the declared width are ignored, as AAPCS64 allows.
        "lseek-high 1542 32 0 2",
        "fstat-bit40 1543 1 2000 10000000000",
        "fstat-bit1 -22",
        # ch is chan7 with a reference; `any` (pass: entry) is entry 3 (file3, no reference taken).
        "send 74565 72 40 80 31 4 ff",
        # -1 for a nullable handle reaches the handler as NULL.
        "send-none 74565 0 40 80 81 4 1",
        # Handles: wrong type, missing right, not open, each with its own error.
        "send-wrong-type -257",
        "send-no-right -13",
        "send-not-open -256",
        "send-any-not-open -256",
        # A pointer to a struct must be aligned for it: the kernel copies whole fields.
        "send-misaligned -14",
        # Every reference the dispatcher took was dropped again.
        "refs after 1 1 1 1 1",
        "unknown -38",
        "retired -38",
        "count 6",
        "desc 100 exit 1 0",
        "desc 101 get_pid 0 0",
        "desc 602 read 3 1",
        "desc 606 lseek 3 0",
        "desc 607 fstat 3 0",
        "desc 12345 send 6 1",
        "lookup fstat st 4",
        "lookup-miss null",
    ]
