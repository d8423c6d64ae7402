"""check-impl: find sys_<name> definitions in AArch64 objects, name what is missing."""

import random

import pytest

from wrengen_support import (AARCH64, VALID_FIXTURE, clang, copy_tree, needs_clang, run_wrengen)

pytestmark = needs_clang

PARTIAL = """
long sys_get_pid(void) { return 1; }
long sys_read(int fd, unsigned long buf, unsigned long n) { (void)fd; (void)buf; return (long)n; }
_Noreturn void sys_exit(int code) { (void)code; for (;;) { } }
/* Neither a static nor a weak definition counts as an implementation. */
static long sys_lseek(void) { return 0; }
long (*keep_lseek)(void) = sys_lseek;
__attribute__((weak)) long sys_fstat(void) { return 0; }
/* A reference is not a definition either. */
long sys_send(void);
long call_send(void) { return sys_send(); }
"""
UNRELATED = "int helper(int x) { return x + 1; }\n"
REST = """
long sys_lseek(void) { return 0; }
long sys_fstat(void) { return 0; }
long sys_send(void) { return 0; }
"""

MISSING = [
    "interface/syscalls/fd.yaml:39: syscall 'lseek' (0x606) is declared but the kernel does "
    "not implement sys_lseek(); define it in kernel/sys/sys_fd.c",
    "interface/syscalls/fd.yaml:63: syscall 'fstat' (0x607) is declared but the kernel does "
    "not implement sys_fstat(); define it in kernel/sys/sys_fd.c",
    "interface/syscalls/channel.yaml:5: syscall 'send' (0x12345) is declared but the kernel "
    "does not implement sys_send(); define it in kernel/sys/sys_channel.c",
]


def compile_object(tmp_path, name, source, target=AARCH64):
    (tmp_path / f"{name}.c").write_text(source)
    clang(target + ["-c", f"{name}.c", "-o", f"{name}.o"], tmp_path)
    return f"{name}.o"


@pytest.fixture
def workdir(tmp_path):
    copy_tree(VALID_FIXTURE, tmp_path / "interface")
    return tmp_path


def check(workdir, *objects, extra=()):
    return run_wrengen(["check-impl", "--interface", "interface", *extra, *objects], workdir)


def test_lists_every_missing_implementation(workdir):
    objects = [compile_object(workdir, "partial", PARTIAL),
               compile_object(workdir, "unrelated", UNRELATED)]
    result = check(workdir, *objects)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == MISSING


def test_passes_when_every_syscall_is_defined(workdir):
    objects = [compile_object(workdir, "partial", PARTIAL),
               compile_object(workdir, "unrelated", UNRELATED),
               compile_object(workdir, "rest", REST)]
    result = check(workdir, *objects, extra=["--stamp", "impl.stamp"])
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert (workdir / "impl.stamp").read_text() == "6 syscalls implemented\n"


def test_no_stamp_on_failure(workdir):
    result = check(workdir, compile_object(workdir, "unrelated", UNRELATED),
                   extra=["--stamp", "impl.stamp"])
    assert result.returncode == 1
    assert not (workdir / "impl.stamp").exists()


@pytest.mark.parametrize("name, content, message", [
    ("text.o", b"not an object\n", "not an ELF file (bad magic)"),
    ("empty.o", b"", "not an ELF file (bad magic)"),
    ("short.o", b"\x7fELF\x02\x01\x01", "truncated ELF header"),
])
def test_malformed_object_is_exit_2(workdir, name, content, message):
    (workdir / name).write_bytes(content)
    result = check(workdir, name)
    assert result.returncode == 2
    assert result.stderr == f"wrengen: error: {name}: {message}\n"


def test_other_machines_and_classes_are_refused(workdir):
    x86 = compile_object(workdir, "x86", UNRELATED, ["--target=x86_64-none-elf"])
    arm32 = compile_object(workdir, "arm32", UNRELATED, ["--target=armv7a-none-eabi"])
    result = check(workdir, x86)
    assert (result.returncode, result.stderr) == (
        2, "wrengen: error: x86.o: ELF machine is 62, not AArch64 (183)\n")
    result = check(workdir, arm32)
    assert (result.returncode, result.stderr) == (
        2, "wrengen: error: arm32.o: not a 64-bit ELF file (ELFCLASS64 expected)\n")


def test_missing_object_is_exit_2(workdir):
    result = check(workdir, "nowhere.o")
    assert result.returncode == 2
    assert result.stderr == "wrengen: error: nowhere.o: cannot read: No such file or directory\n"


def test_truncated_or_corrupted_objects_never_crash(workdir):
    """Every prefix and many random corruptions give symbols or an ElfError, nothing else."""
    from elfsyms import ElfError, defined_globals
    data = (workdir / compile_object(workdir, "partial", PARTIAL)).read_bytes()
    # Global functions only: not the static or weak ones, nor the data object keep_lseek.
    assert defined_globals(data) == {"sys_get_pid", "sys_read", "sys_exit", "call_send"}
    rng = random.Random(1234)
    samples = [data[:n] for n in range(0, len(data), 7)]
    for _ in range(300):
        corrupt = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            corrupt[rng.randrange(len(corrupt))] = rng.randrange(256)
        samples.append(bytes(corrupt))
    for sample in samples:
        try:
            defined_globals(sample)
        except ElfError:
            pass
