"""Find the interface's YAML files, read them, and stamp their version.

The file set is fixed by convention (see docs/interface.md): six files at the
top of the interface directory, the optional scheme protocol, plus one file
per syscall family under `syscalls/`.  Everything is read up front so that the version stamp and the
parse see exactly the same bytes.
"""

import glob
import hashlib
import json
import os
from dataclasses import dataclass

import yaml

from diagnostics import Where

# Read in this order: later files refer to names defined by earlier ones
# (types before the structs that use them, everything before the syscalls).
REQUIRED_FILES = (
    "errors.yaml",
    "types.yaml",
    "rights.yaml",
    "ipc.yaml",
    "events.yaml",
    "schemes.yaml",
)
# Read after those when present: a tree without it (the generator's test fixtures) simply has no scheme protocol.
OPTIONAL_FILES = (
    "scheme_protocol.yaml",
)
SYSCALL_DIR = "syscalls"


@dataclass
class InputFile:
    rel: str      # relative to the interface dir, '/'-separated: "syscalls/proc.yaml"
    path: str     # as shown in messages: "interface/syscalls/proc.yaml"
    text: str

    @property
    def label(self):
        """How generated files name it, independent of where the tree lives."""
        return f"interface/{self.rel}"


def display_path(iface_dir, rel):
    return os.path.normpath(os.path.join(iface_dir, *rel.split("/")))


def collect(iface_dir, diag):
    """Read every interface file; report missing or unreadable ones to `diag`."""
    rels = list(REQUIRED_FILES)
    rels += [rel for rel in OPTIONAL_FILES if os.path.exists(display_path(iface_dir, rel))]
    pattern = os.path.join(glob.escape(iface_dir), SYSCALL_DIR, "*.yaml")
    family_files = sorted(os.path.basename(p) for p in glob.glob(pattern))
    if not family_files:
        diag.error(Where(display_path(iface_dir, SYSCALL_DIR), 1),
                   "no syscall family files (*.yaml) found")
    rels += [f"{SYSCALL_DIR}/{name}" for name in family_files]

    files = []
    for rel in rels:
        path = display_path(iface_dir, rel)
        try:
            with open(path, "rb") as handle:
                raw = handle.read()
        except FileNotFoundError:
            diag.error(Where(path, 1), "required file is missing")
            continue
        except OSError as exc:
            diag.error(Where(path, 1), f"cannot read file: {exc.strerror}")
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[:exc.start].count(b"\n") + 1
            diag.error(Where(path, line), "file is not valid UTF-8")
            continue
        files.append(InputFile(rel, path, text))
    return files


# Keys whose values are prose for people: they reach the docs and comments, never the ABI.
PROSE_KEYS = frozenset({"doc", "summary", "reason", "title", "see_also"})


def _without_prose(node):
    if isinstance(node, dict):
        return {k: _without_prose(v) for k, v in node.items() if k not in PROSE_KEYS}
    if isinstance(node, list):
        return [_without_prose(v) for v in node]
    return node


def version_of(files):
    """A short hash of what the interface means: the interface version.

    Prose (docs, summaries, error reasons) is left out, so rewording the
    documentation changes neither the version nor the generated code that
    carries it, and ninja rebuilds only the reference.  Names are
    interface-relative so a copy of the tree elsewhere has the same version.
    A file that does not parse is hashed as text (validation reports it).
    """
    digest = hashlib.sha256()
    for item in sorted(files, key=lambda f: f.rel):
        try:
            meaning = json.dumps(_without_prose(yaml.safe_load(item.text)), sort_keys=True, default=str)
        except yaml.YAMLError:
            meaning = item.text
        digest.update(item.rel.encode("utf-8") + b"\0")
        digest.update(meaning.encode("utf-8") + b"\0")
    return digest.hexdigest()[:16]
