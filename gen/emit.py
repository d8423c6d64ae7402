"""Render the templates and write the outputs, touching only what changed.

Outputs are byte-for-byte deterministic (no dates, no absolute paths, sorted
inputs), and a file whose new text equals the old is left alone so that
ninja's `restat` can skip everything that depends on it.
"""

import glob
import os

import jinja2

import views

GEN_DIR = os.path.dirname(os.path.abspath(__file__))
TEMPLATE_DIR = os.path.join(GEN_DIR, "templates")

# (output path under --out, template).  abi.h comes first: the depfile names it.
OUTPUTS = (
    ("include/wren/abi.h", "abi.h.j2"),
    ("kernel/syscall_table.h", "syscall_table.h.j2"),
    ("kernel/syscall_dispatch.c", "syscall_dispatch.c.j2"),
    ("userlib/wren/syscalls.h", "user_syscalls.h.j2"),
    ("userlib/syscalls.S", "syscalls.S.j2"),
    ("docs/syscalls.md", "syscalls.md.j2"),
)
DEPFILE = "wrengen.d"


def _environment():
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        undefined=jinja2.StrictUndefined,   # a typo in a template is an error, not ""
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters.update(views.FILTERS)
    return env


def render_all(iface, files):
    """{output path: text} for every output."""
    env = _environment()
    ctx = views.context(iface, files)
    return {path: env.get_template(template).render(ctx) for path, template in OUTPUTS}


def write_if_changed(path, text):
    """Write `text` to `path` unless it already holds exactly that; True if written."""
    data = text.encode("utf-8")
    try:
        with open(path, "rb") as handle:
            if handle.read() == data:
                return False
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    temp = f"{path}.tmp"
    with open(temp, "wb") as handle:
        handle.write(data)
    os.replace(temp, path)   # readers never see a half-written file
    return True


def _dep_path(path, relativize=True):
    """A path as the depfile gives it.

    The generator's own files are found through __file__ (absolute); they are
    made relative to the working directory, as ninja prefers.  The target and
    the YAML paths are kept exactly as the command line gave them, because
    ninja matches the target against the build statement's output.
    """
    if relativize and os.path.isabs(path):
        try:
            path = os.path.relpath(path)
        except ValueError:   # another drive on Windows
            pass
    return path.replace("\\", "/").replace(" ", "\\ ")


def depfile_text(target, files):
    """Makefile-style rule: the first output depends on every input."""
    ours = sorted(glob.glob(os.path.join(TEMPLATE_DIR, "*.j2")))
    ours += sorted(glob.glob(os.path.join(GEN_DIR, "*.py")))
    deps = [_dep_path(f.path, relativize=False) for f in files] + [_dep_path(p) for p in ours]
    lines = [f"{_dep_path(target, relativize=False)}:"] + [f"  {dep}" for dep in deps]
    return " \\\n".join(lines) + "\n"


def generate(iface, files, out_dir):
    """Write every output and the depfile under out_dir; returns paths written."""
    written = []
    for rel, text in render_all(iface, files).items():
        path = os.path.normpath(os.path.join(out_dir, *rel.split("/")))
        if write_if_changed(path, text):
            written.append(path)
    target = os.path.normpath(os.path.join(out_dir, *OUTPUTS[0][0].split("/")))
    depfile = os.path.join(out_dir, DEPFILE)
    if write_if_changed(depfile, depfile_text(target, files)):
        written.append(depfile)
    return written
