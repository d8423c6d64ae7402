"""The generated handle lookups of the real interface, run on the host.

For every syscall whose handle or fd arguments the dispatcher looks up
(interface/syscalls/*.yaml), the real generated syscall_dispatch.c is built with
a stub handle table and stub handlers, and each looked-up argument is made in
turn not open, of the wrong object type and short of a right it needs.  Each
must give the error the lookup rules promise (docs/interface.md, "Handle
arguments"), that error must be one the call documents, and the handler must
not run.  With every handle good the handler runs, holds a reference on each
object it was passed, and every reference is dropped again afterwards.
"""

import subprocess

from wrengen_support import INTERFACE, clang, needs_clang
from wrengen_support import generated_real, user_ptr_dir  # noqa: F401 (pytest fixtures)

import cdecl
from iface import read_interface

pytestmark = needs_clang

ERRNO = {"BADF": 9, "ACCES": 13, "BADHANDLE": 256, "WRONGTYPE": 257}
NOT_OPEN = 12  # an entry the harness never fills
RIGHTS_ALL = 0xFFFFFFFF


def _lookups(call):
    return [(i, a) for i, a in enumerate(call.args) if cdecl.looked_up(a)]


def _object_value(iface, arg):
    """An object type a good handle for `arg` may name."""
    if arg.type == "handle" and arg.object != "any":
        return next(o.value for o in iface.objects if o.name == arg.object)
    return iface.objects[0].value


def _other_type(iface, arg):
    return next(o.value for o in iface.objects if o.name != arg.object)


def _rights_mask(iface, arg):
    bits = {r.name: r.bit for r in iface.rights}
    mask = 0
    for name, _ in arg.rights:
        mask |= 1 << bits[name]
    return mask


def _good_args(iface, call):
    """Register values that pass every non-handle check; handle i gets entry i + 1."""
    values = []
    for index, arg in enumerate(call.args):
        if cdecl.looked_up(arg):
            values.append(index + 1)
        elif arg.type == "enum":
            values.append(iface.value_sets[arg.ref].members[0].value)
        elif arg.type == "ptr":
            values.append(0x10000)  # aligned for anything
        else:
            values.append(0)
    return values + [0] * (6 - len(values))


def _cases(iface):
    """(label, nr, args, entries, expected error or None, call, broken-arg name)."""
    cases = []
    for call in iface.syscalls():
        lookups = _lookups(call)
        if not lookups:
            continue
        good = _good_args(iface, call)
        entries = {index + 1: (_object_value(iface, arg), RIGHTS_ALL) for index, arg in lookups}
        cases.append((f"{call.name}:good", call.number, good, entries, None, call, None))
        for index, arg in lookups:
            fd = arg.type == "fd"
            args = list(good)
            args[index] = NOT_OPEN
            cases.append((f"{call.name}:{arg.name}:not-open", call.number, args, entries,
                          "BADF" if fd else "BADHANDLE", call, arg.name))
            if not fd and arg.object != "any":
                wrong = dict(entries)
                wrong[index + 1] = (_other_type(iface, arg), RIGHTS_ALL)
                cases.append((f"{call.name}:{arg.name}:wrong-type", call.number, good, wrong,
                              "WRONGTYPE", call, arg.name))
            if arg.rights:
                short = dict(entries)
                short[index + 1] = (entries[index + 1][0], RIGHTS_ALL & ~_rights_mask(iface, arg))
                cases.append((f"{call.name}:{arg.name}:no-right", call.number, good, short,
                              "BADF" if fd else "ACCES", call, arg.name))
    return cases


HARNESS = r"""
#include <stdio.h>
#include "obj/handle.h"
#include "syscall_table.h"

struct handle_table test_handles;
static struct kobject objs[16];
static int called, held;

/* A handler saw a looked-up object: it must hold a reference beyond the table's. */
static void saw(const struct kobject *o)
{
	if (o && o->refs < 2)
		held = 0;
}

%(stubs)s

static void run(const char *label, uint64_t nr, const uint64_t args[6], const unsigned types[16],
		const unsigned rights[16])
{
	for (int i = 0; i < 16; i++) {
		objs[i] = (struct kobject){1, (uint16_t)types[i], (unsigned)i};
		test_handles.h[i] = (struct handle){types[i] ? &objs[i] : 0, rights[i], 0};
	}
	called = 0;
	held = 1;
	long r = syscall_dispatch(nr, args);
	int refs_ok = 1;
	for (int i = 0; i < 16; i++)
		refs_ok &= objs[i].refs == 1;
	printf("%%s %%ld %%d %%d %%d\n", label, r, called, held, refs_ok);
}

int main(void)
{
%(runs)s
	return 0;
}
"""


def _stubs(table):
    import re
    stubs = []
    for ret, name, params in re.findall(r"^(long|_Noreturn void) (sys_\w+)\((.*)\);", table, re.M):
        if ret != "long":
            stubs.append(f"{ret} {name}({params}) {{ for (;;) {{ }} }}")
            continue
        plist = [] if params == "void" else params.split(", ")
        body = []
        for p in plist:
            n = p.split()[-1].lstrip("*")
            if p.startswith("struct kobject *"):
                body.append(f"saw({n});")
            else:
                body.append(f"(void){n};")
        stubs.append(f"long {name}({params}) {{ {' '.join(body)} called = 1; return 0; }}")
    return "\n".join(stubs)


def test_every_generated_lookup_checks_and_references(generated_real, user_ptr_dir, tmp_path):
    iface, _ = read_interface(str(INTERFACE))
    cases = _cases(iface)
    assert len(cases) > 40  # every channel, event, port, fd, shm and device call is here
    runs = []
    for n, (label, nr, args, entries, _, _, _) in enumerate(cases):
        types = [entries.get(i, (0, 0))[0] for i in range(16)]
        rights = [entries.get(i, (0, 0))[1] for i in range(16)]
        runs.append(f"\t{{ static const uint64_t a[6] = {{ {', '.join(f'{v:#x}ull' for v in args)} }};\n"
                    f"\t  static const unsigned t[16] = {{ {', '.join(map(str, types))} }};\n"
                    f"\t  static const unsigned r[16] = {{ {', '.join(f'{v:#x}u' for v in rights)} }};\n"
                    f"\t  run(\"{label}\", {nr:#x}, a, t, r); }}")
    table = (generated_real / "kernel/syscall_table.h").read_text()
    source = tmp_path / "lookups.c"
    source.write_text(HARNESS % {"stubs": _stubs(table), "runs": "\n".join(runs)})
    exe = tmp_path / "lookups"
    clang(["-std=c11", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter",
           "-I", generated_real / "include", "-I", user_ptr_dir, "-I", generated_real / "kernel",
           source, generated_real / "kernel/syscall_dispatch.c", "-o", exe], tmp_path)
    lines = subprocess.run([exe], capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(lines) == len(cases)
    for line, (label, _, _, _, error, call, arg) in zip(lines, cases):
        got_label, result, was_called, was_held, refs_ok = line.split()
        assert got_label == label
        assert refs_ok == "1", f"{label}: a reference was not dropped"
        if error is None:
            assert (result, was_called, was_held) == ("0", "1", "1"), line
        else:
            assert (int(result), was_called) == (-ERRNO[error], "0"), line
            listed = {e.name for e in call.errors}
            assert error in listed, f"{call.name} does not document E_{error} for '{arg}'"
