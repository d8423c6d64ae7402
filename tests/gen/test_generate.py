"""generate: the exact file set, banners, determinism, restat-friendliness, depfile."""

import os
import re
import shutil

from wrengen_support import GEN_DIR, INTERFACE, OUTPUTS, REPO, read_tree, run_wrengen
from wrengen_support import generated_real  # noqa: F401 (pytest fixtures)

BANNER = re.compile(r"GENERATED from interface/\S+\.yaml(, interface/\S+\.yaml)* by "
                    r"gen/wrengen\.py; do not edit — edit the YAML\.")


def test_writes_exactly_the_outputs_and_depfile(generated_real):
    files = sorted(read_tree(generated_real))
    assert files == sorted(OUTPUTS + ("wrengen.d",))


def test_every_output_starts_with_the_banner_and_version(generated_real):
    abi = (generated_real / "include/wren/abi.h").read_text()
    version = re.search(r'#define WREN_INTERFACE_VERSION "([0-9a-f]{16})"', abi).group(1)
    for name in OUTPUTS:
        first, second = (generated_real / name).read_text().splitlines()[:2]
        assert BANNER.search(first), f"{name}: {first}"
        assert "interface/syscalls/proc.yaml" in first
        assert f"Interface version: {version}" in second, name


def test_two_runs_into_two_dirs_are_byte_identical(tmp_path):
    for out in ("a", "b"):
        result = run_wrengen(["generate", "--interface", INTERFACE, "--out", tmp_path / out],
                             cwd=REPO)
        assert result.returncode == 0, result.stderr
    first, second = read_tree(tmp_path / "a"), read_tree(tmp_path / "b")
    # The depfile names its own output directory; everything else is identical.
    depfile_a = first.pop("wrengen.d").replace(str(tmp_path / "a").encode(), b"OUT")
    depfile_b = second.pop("wrengen.d").replace(str(tmp_path / "b").encode(), b"OUT")
    assert first == second
    assert depfile_a == depfile_b


def test_second_run_leaves_files_untouched(tmp_path):
    out = tmp_path / "out"
    args = ["generate", "--interface", INTERFACE, "--out", out]
    assert run_wrengen(args, cwd=REPO).returncode == 0
    # Pretend the files are old, so any rewrite would show as a new mtime.
    old = 1_000_000_000
    for path in out.rglob("*"):
        if path.is_file():
            os.utime(path, (old, old))
    assert run_wrengen(args, cwd=REPO).returncode == 0
    touched = [p for p in out.rglob("*") if p.is_file() and p.stat().st_mtime != old]
    assert touched == []


def test_an_edit_reaches_the_outputs(tmp_path):
    """Editing one doc line is picked up (and changes the version stamp)."""
    iface = tmp_path / "interface"
    shutil.copytree(INTERFACE, iface)
    out = tmp_path / "out"
    args = ["generate", "--interface", iface, "--out", out]
    assert run_wrengen(args, cwd=tmp_path).returncode == 0
    before = read_tree(out)
    proc = iface / "syscalls/proc.yaml"
    proc.write_text(proc.read_text().replace("Give up the rest of the time slice.",
                                             "Let other threads run."))
    assert run_wrengen(args, cwd=tmp_path).returncode == 0
    after = read_tree(out)
    assert after["wrengen.d"] == before["wrengen.d"]
    assert b"Let other threads run." in after["docs/syscalls.md"]
    assert after["include/wren/abi.h"] != before["include/wren/abi.h"]


def test_depfile_lists_every_input_for_abi_h(tmp_path):
    out = tmp_path / "gen"
    result = run_wrengen(["generate", "--interface", "interface", "--out", out], cwd=REPO)
    assert result.returncode == 0, result.stderr
    text = (out / "wrengen.d").read_text()
    target, _, deps = text.partition(":")
    assert target == str(out / "include/wren/abi.h")
    deps = deps.replace("\\\n", " ").split()
    yaml_inputs = sorted(p.relative_to(REPO).as_posix() for p in INTERFACE.rglob("*.yaml"))
    assert sorted(d for d in deps if d.endswith(".yaml")) == yaml_inputs
    gen_inputs = sorted(os.path.relpath(p, REPO) for p in GEN_DIR.glob("*.py"))
    gen_inputs += sorted(os.path.relpath(p, REPO) for p in (GEN_DIR / "templates").glob("*.j2"))
    assert sorted(d for d in deps if d.startswith("gen/")) == sorted(gen_inputs)


def test_abi_h_is_freestanding(generated_real):
    abi = (generated_real / "include/wren/abi.h").read_text()
    assert re.findall(r"#include <([^>]+)>", abi) == ["stddef.h", "stdint.h"]
    for name in ("SYS_DEBUG_WRITE", "E_NOMEM", "E_NOSYS", "WREN_MSG_DATA", "WREN_EVENT_TIMER",
                 "WREN_RIGHT_READ", "WREN_PROT_ALL", "WREN_SCHEME_CONSOLE"):
        assert re.search(rf"#define {name} ", abi), name
    assert re.search(r"#define ENOMEM\b", abi) is None   # never clash with libc
    assert "struct wren_msg {" in abi and "uint8_t payload[64];" in abi
    assert "_Static_assert(sizeof(struct wren_msg_header) == 32" in abi
    assert "_Static_assert(offsetof(struct wren_msg_header, sender) == 8" in abi


def test_every_required_syscall_is_declared(generated_real):
    table = (generated_real / "kernel/syscall_table.h").read_text()
    required = """exit debug_write yield get_pid get_time mmap munmap spawn wait exec send receive
        channel_create channel_close channel_transfer port_register port_unregister
        port_connect port_accept open close read write dup dup2 event_subscribe
        event_unsubscribe event_wait event_post scheme_open lseek fstat ioctl fork
        clone""".split()
    declared = re.findall(r"\bsys_(\w+)\(", table)
    # The required set must be there; later work adds more (mprotect, mem_info, ...).
    assert set(required) <= set(declared), sorted(set(required) - set(declared))
    assert len(declared) == len(set(declared))
    assert "_Noreturn void sys_exit(int32_t code);" in table
    assert "long sys_read(struct kobject *fd, user_out_buf buf);" in table
    assert "long sys_write(struct kobject *fd, user_in_buf buf);" in table


def test_unknown_interface_dir_is_a_usage_error(tmp_path):
    result = run_wrengen(["generate", "--interface", "nope", "--out", "out"], cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "wrengen: error: interface directory 'nope' does not exist\n"
