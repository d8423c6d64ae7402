"""The kernel's layer order (docs/kernel.md, "Layers"): every #include "..." of every file under kernel/
goes to the file's own layer or a lower one, and every file belongs to a layer. The order is written once, in
the doc's table, and read from there, so the doc and the check cannot disagree."""
import os
import re

from conftest import REPO, build_dir

DOC = os.path.join(REPO, "docs", "kernel.md")
# The compiler's quote-include search after the including file's own directory (build.ninja.in, kincludes).
INCLUDE_DIRS = ["kernel/include", "kernel/arch/aarch64/include", "kernel"]
GENERATED_DIRS = ["gen/include", "gen/kernel"]  # in the build directory: headers made from interface/
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)


def read_layers(text=None):
    """[(layer name, [path, ...])] from the doc's table, lowest layer first."""
    if text is None:
        with open(DOC) as f:
            text = f.read()
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    layers = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not line.lstrip().startswith("|") or cells[0] in ("Layer",) or set(cells[0]) <= set("-"):
            continue
        paths = re.findall(r"`([^`]+)`", cells[1])
        assert paths, "docs/kernel.md: layer %r names no path" % cells[0]
        layers.append((cells[0], paths))
    assert len(layers) >= 5, "docs/kernel.md: the Layers table was not found or is too short"
    return layers


def layer_of(path, layers):
    """(rank, name) of the most specific table path holding path (relative to REPO), or None."""
    best = None
    for rank, (name, paths) in enumerate(layers):
        for p in paths:
            hit = path == p or (p.endswith("/") and path.startswith(p))
            if hit and (best is None or len(p) > best[0]):
                best = (len(p), rank, name)
    return best and best[1:]


def kernel_files():
    out = []
    for root, dirs, files in os.walk(os.path.join(REPO, "kernel")):
        dirs.sort()
        for f in sorted(files):
            if f.endswith((".c", ".h", ".S")):
                out.append(os.path.relpath(os.path.join(root, f), REPO))
    return out


def resolve(src, name):
    """The kernel file `#include "name"` in src means (repo-relative), "generated", or None."""
    for d in [os.path.dirname(src)] + INCLUDE_DIRS:
        cand = os.path.normpath(os.path.join(d, name))
        if os.path.isfile(os.path.join(REPO, cand)):
            return cand
    for d in GENERATED_DIRS:
        if os.path.isfile(os.path.join(build_dir(), d, name)):
            return "generated"
    return None


def violations(layers, files=None, read=None):
    """Every broken rule, as one line each."""
    read = read or (lambda f: open(os.path.join(REPO, f)).read())
    out = []
    for f in files if files is not None else kernel_files():
        mine = layer_of(f, layers)
        if mine is None:
            out.append("%s: in no layer of docs/kernel.md's Layers table" % f)
            continue
        for name in INCLUDE.findall(read(f)):
            target = resolve(f, name)
            if target is None:
                out.append('%s: #include "%s" resolves to no file' % (f, name))
            elif target != "generated":
                theirs = layer_of(target, layers)
                if theirs is None:
                    out.append('%s: #include "%s" (%s) is in no layer' % (f, name, target))
                elif theirs[0] > mine[0]:
                    out.append('%s: #include "%s" (%s): layer %s includes the higher layer %s'
                               % (f, name, target, mine[1], theirs[1]))
    return out


def test_table_paths_exist():
    for name, paths in read_layers():
        for p in paths:
            assert os.path.exists(os.path.join(REPO, p)), "docs/kernel.md: layer %s names %s, which does not exist" % (
                name, p)


def test_includes_follow_the_layer_order():
    bad = violations(read_layers())
    assert not bad, "includes against the layer order (docs/kernel.md, Layers):\n" + "\n".join(bad)


def test_an_upward_include_is_caught():
    """The check itself: a low file including a high one, and a file in no layer, are both reported."""
    layers = read_layers()
    src = {"kernel/lib/string.c": '#include "proc/proc.h"\n', "kernel/stray.c": ""}
    bad = violations(layers, files=sorted(src), read=src.get)
    assert any("kernel/lib/string.c" in b and "proc/proc.h" in b and "layer lib includes the higher layer proc" in b
               for b in bad), bad
    assert any("kernel/stray.c: in no layer" in b for b in bad), bad
