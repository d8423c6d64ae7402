"""Storage end to end: the default system (init starts /bin/vblk and `mount -a /mnt/disk`, which runs /bin/fatfs)
over a FAT32 disk image attached as virtio-blk. What the guest writes under /mnt/disk is on the image after
power-off, clean for fsck.fat and readable with mtools; what the host puts there the guest reads; `ninja -C build
run` keeps its disk between runs; a QEMU killed while writing leaves a volume fsck.fat can repair."""
import os
import re
import shutil
import signal
import subprocess
import time
import uuid

import pexpect
import pytest

from qemu import boot_interactive

MTOOLS_ENV = dict(os.environ, MTOOLS_SKIP_CHECK="1")
pytestmark = pytest.mark.skipif(not shutil.which("mkfs.fat") or not shutil.which("mcopy"),
                                reason="dosfstools and mtools are needed (tools/install-deps.sh)")


def disk_args(img):
    # On the first transport: QEMU fills them from the top, so the rng device (in every boot) is on the last page,
    # and a drive after it would share its page, which only one driver may hold (drivers/README.md).
    return ["-drive", "if=none,file=%s,format=raw,id=d0" % img,
            "-device", "virtio-blk-device,drive=d0,bus=virtio-mmio-bus.0"]


def make_image(path, kib=65536):
    subprocess.run(["mkfs.fat", "-F", "32", "-n", "WREN", "-C", str(path), str(kib)], check=True,
                   stdout=subprocess.DEVNULL)
    return str(path)


def fsck(img):
    p = subprocess.run(["fsck.fat", "-n", img], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.returncode, p.stdout


def mtype(img, name):
    return subprocess.run(["mtype", "-i", img, "::" + name], stdout=subprocess.PIPE, env=MTOOLS_ENV,
                          check=True).stdout


def ready(child):
    """Wait for the volume to be mounted (fatfs says so before or after the shell's first prompt), then for a prompt
    that answers."""
    child.expect("fatfs: serving /scheme/disk/0 as /scheme/mnt.disk")
    child.send("echo ready\r")
    child.expect(r"\nready\r*\n")
    child.expect(r"\$ ")


def shell(build, img, lines, timeout=90):
    """Boot the default system with the disk, wait until the volume is mounted, type `lines` one prompt at a time,
    then poweroff: the console's text."""
    child = boot_interactive(build, timeout=timeout, extra=disk_args(img))
    try:
        ready(child)
        out = child.before + child.after
        for line in lines + ["poweroff"]:
            child.send(line + "\r")
            child.expect(r"\$ " if line != "poweroff" else "wren: powering off")
            out += child.before + child.after
        child.expect(pexpect.EOF)
        out += child.before
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, out
    return re.sub(r"\r+\n", "\n", out)


def test_guest_writes_reach_the_host_and_host_files_reach_the_guest(build, tmp_path):
    img = make_image(tmp_path / "disk.img")
    (tmp_path / "From The Host.txt").write_bytes(b"written by mtools\n")
    subprocess.run(["mcopy", "-i", img, str(tmp_path / "From The Host.txt"), "::/"], check=True, env=MTOOLS_ENV)
    out = shell(build, img, [
        "mount",
        "cat '/mnt/disk/From The Host.txt'",
        "mkdir '/mnt/disk/Some Directory'",
        "echo deep > '/mnt/disk/Some Directory/A long file name.text'",
        "echo hi > /mnt/disk/x",
        "mv /mnt/disk/x /mnt/disk/renamed",
        "df",
        "ls /mnt/disk",
    ])
    assert "mnt.disk on /mnt/disk (rw)" in out, out
    assert "written by mtools" in out, out
    assert re.search(r"mnt\.disk +\d+ +\d+ +\d+ +\d+% /mnt/disk", out), out
    assert "renamed" in out, out
    code, report = fsck(img)
    assert code == 0, report + out
    assert mtype(img, "renamed") == b"hi\n"
    assert mtype(img, "Some Directory/A long file name.text") == b"deep\n"
    assert b"From The Host.txt" in subprocess.run(["mdir", "-i", img, "::/"], stdout=subprocess.PIPE,
                                                  env=MTOOLS_ENV).stdout


def test_what_is_written_survives_a_reboot(build, tmp_path):
    img = make_image(tmp_path / "disk.img")
    shell(build, img, ["echo persistent > /mnt/disk/keep", "rm /mnt/disk/keep-not", "echo gone > /mnt/disk/gone",
                       "rm /mnt/disk/gone"])
    out = shell(build, img, ["cat /mnt/disk/keep", "cat /mnt/disk/gone"])
    assert re.search(r"\npersistent\n", out), out
    assert re.search(r"cat: /mnt/disk/gone: ", out), out
    assert fsck(img)[0] == 0


def test_ninja_run_keeps_its_disk(build):
    """The README's run: `echo hi > /mnt/disk/x`, poweroff, run again, `cat` prints it (build/disk.img)."""
    name = "t%s" % uuid.uuid4().hex[:8]

    def run(commands):
        child = pexpect.spawn(shutil.which("ninja") or "ninja", ["-C", build, "run"], timeout=90, encoding="utf-8",
                              codec_errors="replace")
        try:
            ready(child)
            seen = []
            for c in commands:
                child.send(c + "\r")
                child.expect(r"/ \$ ")
                seen.append(child.before)
            child.send("poweroff\r")
            child.expect("wren: powering off")
            child.expect(pexpect.EOF)
        finally:
            child.close(force=True)
        assert child.exitstatus == 0
        return seen

    run(["echo hi > /mnt/disk/%s" % name])
    seen = run(["cat /mnt/disk/%s" % name, "rm /mnt/disk/%s" % name])
    assert re.search(r"\nhi\r*\n", seen[0]), seen
    assert fsck(os.path.join(build, "disk.img"))[0] == 0


def test_power_loss_mid_write_leaves_a_repairable_volume(build, tmp_path):
    img = make_image(tmp_path / "disk.img")
    shell(build, img, ["echo before > /mnt/disk/before"])
    child = boot_interactive(build, timeout=60, extra=disk_args(img))
    try:
        ready(child)
        # A file of 48 MiB, written until the machine is switched off under the writer.
        child.send("head -c 50000000 /scheme/zero > /mnt/disk/big\r")
        time.sleep(4)
        child.kill(signal.SIGKILL)
    finally:
        child.close(force=True)
    repaired = subprocess.run(["fsck.fat", "-a", img], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert repaired.returncode in (0, 1), repaired.stdout  # 0 clean, 1 errors corrected
    code, report = fsck(img)
    assert code == 0, report
    assert mtype(img, "before") == b"before\n"
