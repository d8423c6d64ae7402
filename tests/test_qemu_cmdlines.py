"""Every QEMU command line the project writes names the devices it wants. `-M virt` adds a
virtio-net NIC unless told otherwise, and that NIC needs a boot ROM (efi-virtio.rom, from Debian's
ipxe-qemu) which a minimal Debian does not install: so each command line says `-nic none` until a
network device is wanted (`-nic <backend>` or `-netdev ...` then)."""
import os
import re
import subprocess
import sys

from conftest import REPO

sys.path.insert(0, os.path.join(REPO, "tools"))


def names_its_network(words):
    words = list(words)
    if any(w == "-netdev" or w.startswith("-netdev=") for w in words):
        return True
    return any(w == "-nic" and i + 1 < len(words) for i, w in enumerate(words))


def test_names_its_network_is_strict():
    assert not names_its_network("qemu-system-aarch64 -M virt -kernel Image".split())
    assert not names_its_network("qemu-system-aarch64 -M virt -nic".split())
    assert names_its_network("qemu-system-aarch64 -M virt -nic none".split())


def test_test_runner_command():
    import qemu
    for kw in ({}, {"gic": 3, "el2": True}, {"initrd": False}):
        assert names_its_network(qemu.qemu_command("/nonexistent", **kw)), kw


def test_benchmark_command():
    import bench
    assert names_its_network(bench.QEMU)


def test_ninja_run_and_debug(build):
    with open(os.path.join(build, "build.ninja")) as f:
        line = next(l for l in f if l.startswith("qemu_cmd = "))
    assert names_its_network(line.split()), line


def test_ninja_run_attaches_the_entropy_device(build):
    """`ninja -C build run` gives the guest a virtio-rng device (drivers/rng serves it as /scheme/rand), on a
    virtio-mmio transport, and still no network."""
    with open(os.path.join(build, "build.ninja")) as f:
        words = next(l for l in f if l.startswith("qemu_cmd = ")).split()
    pairs = list(zip(words, words[1:]))
    assert ("-device", "virtio-rng-device") in pairs, words
    assert ("-nic", "none") in pairs, words
    assert not any(w.startswith("virtio-rng-pci") for w in words), words


def tracked_files():
    out = subprocess.run(["git", "ls-files"], cwd=REPO, stdout=subprocess.PIPE, text=True, check=True).stdout
    return [p for p in out.split("\n") if p]


def test_every_written_command_line():
    """README, docs, comments, scripts and tests: each `qemu-system-aarch64 -M ...` written out
    as one line (commands in lists are checked above, by calling what builds them)."""
    offenders = []
    for path in tracked_files():
        if path == "tests/test_qemu_cmdlines.py":
            continue  # its own examples of what is refused
        full = os.path.join(REPO, path)
        try:
            with open(full, encoding="utf-8") as f:
                lines = f.read().split("\n")
        except (UnicodeDecodeError, IsADirectoryError, FileNotFoundError):
            continue
        for n, line in enumerate(lines, 1):
            m = re.search(r"qemu-system-aarch64\s+-M\b.*", line)
            if m and not names_its_network(m.group(0).replace("`", " ").replace('"', " ").split()):
                offenders.append("%s:%d: %s" % (path, n, line.strip()))
    assert not offenders, "QEMU command lines without -nic none (or a named network):\n" + "\n".join(offenders)
