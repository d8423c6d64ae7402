#!/usr/bin/env python3
"""Pack a directory into the initrd: a ustar archive, byte-for-byte reproducible.

    mkinitrd.py --root initrd-root [--root bin=tests/bin ...] [--dir tmp ...] --out initrd.tar [FILE ...]

--root DIR packs DIR's tree at the archive's top; --root PREFIX=DIR packs it under PREFIX/. Several roots
merge (the test initrd is the default tree plus the guest tests in bin/), and a file two roots both hold
is an error, so a guest test can never shadow a system program. --dir adds an empty directory (the
default initrd has /tmp, for scratch files from the shell).

Entries are sorted, owned by 0:0, dated 0, so the same inputs always give the same bytes.
"""
import argparse
import io
import os
import sys
import tarfile


def merged_tree(roots, only=None):
    """The archive's entries from every (prefix, dir) root: arcname -> source path (None for a directory
    that only a prefix makes). A file held twice is an error."""
    entries = {}
    for prefix, root in roots:
        parts = prefix.split("/") if prefix else []
        for i in range(len(parts)):
            entries.setdefault("/".join(parts[:i + 1]), None)
        for dirpath, dirnames, filenames in os.walk(root):
            rel = os.path.relpath(dirpath, root)
            for name in [None] + filenames:
                path = dirpath if name is None else os.path.join(dirpath, name)
                arcname = os.path.normpath(os.path.join(prefix, rel, name or ""))
                if arcname == ".":
                    continue
                if name is not None and only is not None and os.path.normpath(path) not in only:
                    continue
                if name is not None and arcname in entries:
                    sys.exit("mkinitrd: %s is in more than one root (%s)" % (arcname, path))
                if name is not None or entries.get(arcname) is None:
                    entries[arcname] = path
    return entries


def add_tree(tar, entries):
    # Each directory, then its files, then its subdirectories, all by name: the order os.walk gives one root.
    def walk_order(arcname):
        return arcname.split("/")

    dirs = sorted((a for a in entries if entries[a] is None or os.path.isdir(entries[a])), key=walk_order)
    for d in [""] + dirs:
        if d:
            add_entry(tar, d, entries[d])
        files = sorted(a for a in entries if os.path.dirname(a) == d and entries[a] is not None
                       and not os.path.isdir(entries[a]))
        for f in files:
            add_entry(tar, f, entries[f])


def add_entry(tar, arcname, path):
    if path is None:
        info = tarfile.TarInfo(arcname)
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
        tar.addfile(info)
        return
    info = tar.gettarinfo(path, arcname)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mtime = 0
    info.mode = 0o755 if (info.isdir() or info.mode & 0o111) else 0o644
    if info.isreg():
        with open(path, "rb") as f:
            tar.addfile(info, f)
    else:
        tar.addfile(info)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--root", action="append", required=True, help="DIR or PREFIX=DIR")
    ap.add_argument("--dir", action="append", default=[], help="an empty directory to add")
    ap.add_argument("--out", required=True)
    ap.add_argument("files", nargs="*", help="pack only these files of the roots: the build names its outputs, "
                    "so a stale file left in a root (a program since moved or removed) is never packed")
    args = ap.parse_args()
    roots = [tuple(r.split("=", 1)) if "=" in r else ("", r) for r in args.root]
    for _, root in roots:
        if not os.path.isdir(root):
            sys.exit("mkinitrd: %s is not a directory" % root)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        add_tree(tar, merged_tree(roots, {os.path.normpath(f) for f in args.files} if args.files else None))
        for name in sorted(args.dir):
            info = tarfile.TarInfo(name.strip("/"))
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            tar.addfile(info)
    data = buf.getvalue()
    if os.path.exists(args.out):
        with open(args.out, "rb") as f:
            if f.read() == data:
                return
    with open(args.out, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
