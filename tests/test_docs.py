"""Documentation that must match the code."""
import glob
import os
import re
import subprocess

import yaml

from conftest import REPO


def test_committed_syscall_reference_is_current(build):
    generated = open(os.path.join(build, "gen", "docs", "syscalls.md")).read()
    committed = open(os.path.join(REPO, "docs", "syscalls.md")).read()
    assert committed == generated, "docs/syscalls.md is stale: run `ninja -C build update-docs` and commit it"


def test_readme_commands_are_what_ci_runs():
    readme = open(os.path.join(REPO, "README.md")).read()
    ci = open(os.path.join(REPO, ".ci", "run")).read()
    test_line = "tools/install-deps.sh && ./configure.py && tools/run-tests.sh"
    assert "    " + test_line + "\n" in readme
    assert test_line in ci
    assert "    tools/install-deps.sh && ./configure.py && ninja -C build run\n" in readme


# The hand-written docs (docs/syscalls.md and docs/benchmarks.md are generated and checked elsewhere).
HAND_DOCS = ["README.md"] + ["docs/" + f for f in ("kernel.md", "abi.md", "interface.md", "adding-a-syscall.md")]
TUTORIAL_NAMES = {"get_abi_version", "sys_get_abi_version", "decode_get_abi_version", "wren_get_abi_version"}


def _tracked_files():
    out = subprocess.check_output(["git", "-C", REPO, "ls-files"], text=True)
    return [p for p in out.split() if os.path.isfile(os.path.join(REPO, p))]


def _syscall_names():
    names = []
    for path in sorted(glob.glob(os.path.join(REPO, "interface", "syscalls", "*.yaml"))):
        names += [c["name"] for c in yaml.safe_load(open(path))["syscalls"]]
    return names


def _stubs_in(src):
    """The syscalls of one C source whose function does nothing but return -E_NOSYS."""
    stubs = set()
    for m in re.finditer(r"^long sys_(\w+)\([^)]*\)\n\{\n(.*?)^\}", src, re.M | re.S):
        body = [l.strip() for l in m.group(2).splitlines() if l.strip() and not l.strip().startswith("(void)")]
        if body == ["return -E_NOSYS;"]:
            stubs.add(m.group(1))
    return stubs


def _nosys_stubs():
    """Syscalls whose kernel implementation does nothing but return -E_NOSYS."""
    stubs = set()
    for path in glob.glob(os.path.join(REPO, "kernel", "sys", "sys_*.c")):
        stubs |= _stubs_in(open(path).read())
    return stubs


def test_stub_parser_finds_a_stub():
    """The parser the README check relies on recognises a stub (there may be none left to find in kernel/sys)."""
    src = "long sys_a(void)\n{\n    return 0;\n}\n\nlong sys_b(uint32_t x)\n{\n    (void)x;\n    return -E_NOSYS;\n}\n"
    assert _stubs_in(src) == {"b"}


def test_readme_lists_the_implemented_syscalls():
    """README's "Implemented syscalls" paragraph names every syscall whose kernel function is more than
    an E_NOSYS stub, and names the stubs only as such."""
    readme = open(os.path.join(REPO, "README.md")).read()
    para = readme[readme.index("Implemented syscalls:"):]
    para = para.split("\n\n")[0]
    named = set(re.findall(r"`(\w+)`", para))
    syscalls = set(_syscall_names())
    stubs = _nosys_stubs()
    assert "E_NOSYS" in named or not stubs
    named.discard("E_NOSYS")
    assert named <= syscalls, "README names syscalls that do not exist: %s" % sorted(named - syscalls)
    missing = syscalls - named
    assert not missing, "README's list of implemented syscalls lacks: %s" % sorted(missing)
    for stub in stubs:
        assert re.search(r"`%s` \([^)]*\)[^.]*E_NOSYS" % stub, para) or (
            "`%s`" % stub in para.split("E_NOSYS")[0] and "except" in para.split("E_NOSYS")[0]
        ), "README does not say %s returns E_NOSYS" % stub


def test_docs_name_files_that_exist(build):
    """Every repository path and source file name the hand-written docs mention exists (generated
    files: under the build's gen/)."""
    tracked = _tracked_files()
    basenames = {os.path.basename(p) for p in tracked}
    gen = os.path.join(build, "gen")
    basenames |= {os.path.basename(p) for p in glob.glob(os.path.join(gen, "**", "*"), recursive=True)}
    bad = []
    for doc in HAND_DOCS:
        text = open(os.path.join(REPO, doc)).read()
        for p in re.findall(r"`((?:kernel|user|userlib|drivers|tools|tests|gen|interface|docs)/[^` ]*)`", text):
            p = p.rstrip("/")
            if "<" in p or "*" in p:
                continue
            if not (os.path.exists(os.path.join(REPO, p)) or os.path.exists(os.path.join(gen, p))):
                bad.append((doc, p))
        for f in re.findall(r"`([\w/.-]+\.(?:c|h|S|py|ld|yaml))`", text):
            libc = os.path.join("/usr/lib/picolibc/aarch64-linux-gnu/include", f)  # <stdio.h> and the like
            if os.path.basename(f) not in basenames and not f.startswith(".") and not os.path.exists(libc):
                bad.append((doc, f))
    assert not bad, bad


def test_docs_name_identifiers_that_exist(build):
    """Every snake_case or UPPER_CASE identifier in backquotes in the hand-written docs (functions,
    macros, struct fields) appears in the sources or the generated code: a rename must reach the docs."""
    src = []
    for p in _tracked_files():
        if p.endswith((".c", ".h", ".S", ".py", ".yaml", ".ld", ".in")) and not p.startswith("docs/"):
            src.append(open(os.path.join(REPO, p), errors="replace").read())
    for p in glob.glob(os.path.join(build, "gen", "**", "*.[chS]"), recursive=True):
        src.append(open(p).read())
    src = "\n".join(src)
    bad = []
    for doc in HAND_DOCS:
        text = open(os.path.join(REPO, doc)).read()
        for name in set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*_[A-Za-z0-9_]*)(?:\(\))?`", text)):
            if name not in TUTORIAL_NAMES and not re.search(r"\b%s\b" % name, src):
                bad.append((doc, name))
    assert not bad, bad


def test_docs_numbers_match_the_defines():
    """A doc's "`NAME` (N)" agrees with the kernel's #define NAME N."""
    defines = {}
    for path in glob.glob(os.path.join(REPO, "kernel", "**", "*.h"), recursive=True):
        for m in re.finditer(r"^#define (\w+)\s+(\d+)\b", open(path).read(), re.M):
            defines[m.group(1)] = int(m.group(2))
    checked = 0
    for doc in HAND_DOCS:
        for name, value in re.findall(r"`([A-Z_]+)` \((\d+)\)", open(os.path.join(REPO, doc)).read()):
            if name in defines:
                checked += 1
                assert defines[name] == int(value), "%s says %s is %s; the kernel has %d" % (
                    doc, name, value, defines[name])
    assert checked, "no `NAME` (N) claim found to check"


def _kernel_sources():
    return sorted(p for p in _tracked_files() if p.startswith("kernel/"))


def _doc_path_names(text):
    """Every path a backticked word of `text` names, with `x.[ch]` standing for x.c and x.h."""
    names = set()
    for word in re.findall(r"`([^`\s]+)`", text):
        word = word.rstrip(",.;:")
        m = re.fullmatch(r"(.*)\.\[([a-zA-Z]+)\]", word)
        names.update(m.group(1) + "." + ext for ext in m.group(2)) if m else names.add(word)
    return names


def test_kernel_md_names_every_kernel_source():
    """docs/kernel.md names each file under kernel/ by a path with at least its directory
    (`mm/pmm.c`, `kernel/mm/pmm.c` or `mm/pmm.[ch]`), so a bare `pmm.c` in the wrong section cannot
    pass for it, and a new file is not done until the walk-through says what it is."""
    names = _doc_path_names(open(os.path.join(REPO, "docs", "kernel.md")).read())
    missing = []
    for path in _kernel_sources():
        parts = path.split("/")
        suffixes = {"/".join(parts[i:]) for i in range(len(parts) - 1)}
        if not suffixes & names:
            missing.append(path)
    assert not missing, "docs/kernel.md does not name %d kernel files:\n%s" % (len(missing), "\n".join(missing))


def test_kernel_md_names_no_file_that_is_gone():
    """The other direction: a path under kernel/ that docs/kernel.md names must exist."""
    sources = set(_kernel_sources())
    text = open(os.path.join(REPO, "docs", "kernel.md")).read()
    stale = sorted(n for n in _doc_path_names(text) if n.startswith("kernel/") and
                   re.search(r"\.(c|h|S|ld)$", n) and not re.search(r"[<*]", n) and n not in sources)
    assert not stale, "docs/kernel.md names files that do not exist: %s" % stale
