#!/usr/bin/env python3
"""Pack a directory into the initrd: a ustar archive, byte-for-byte reproducible.

    mkinitrd.py --root initrd-root [--dir tmp ...] --out initrd.tar

--dir adds an empty directory (the default initrd has /tmp, for scratch files from the shell).

Entries are sorted, owned by 0:0, dated 0, so the same inputs always give the same bytes.
"""
import argparse
import io
import os
import sys
import tarfile


def add_tree(tar, root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root)
        for name in [None] + sorted(filenames):
            path = dirpath if name is None else os.path.join(dirpath, name)
            arcname = rel if name is None else os.path.normpath(os.path.join(rel, name))
            if arcname == ".":
                continue
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
    ap.add_argument("--root", required=True)
    ap.add_argument("--dir", action="append", default=[], help="an empty directory to add")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    if not os.path.isdir(args.root):
        sys.exit("mkinitrd: %s is not a directory" % args.root)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        add_tree(tar, args.root)
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
