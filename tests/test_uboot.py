"""Boot the kernel the way the BPI-R4 does: from U-Boot's `booti`, entered at EL2 with a
GICv3 and PSCI over smc, here with Debian's QEMU build of U-Boot."""
import os

import pexpect
import pytest

UBOOT = "/usr/lib/u-boot/qemu_arm64/u-boot.bin"
KERNEL_ADDR = 0x46000000   # the BPI-R4 U-Boot environment's kernel load address [bpi-r4.md §1]
INITRD_ADDR = 0x48000000


@pytest.mark.skipif(not os.path.exists(UBOOT), reason="u-boot-qemu not installed (tools/install-deps.sh)")
def test_uboot_booti_el2_gicv3(build):
    image = os.path.join(build, "Image")
    initrd = os.path.join(build, "initrd.tar")
    cmd = ("qemu-system-aarch64 -M virt,gic-version=3,virtualization=on -cpu cortex-a72 -m 1G -nic none "
           "-nographic -no-reboot -bios %s -device loader,file=%s,addr=%#x,force-raw=on "
           "-device loader,file=%s,addr=%#x,force-raw=on" % (UBOOT, image, KERNEL_ADDR, initrd, INITRD_ADDR))
    child = pexpect.spawn(cmd, timeout=60, encoding="utf-8", codec_errors="replace")
    try:
        child.expect("Hit any key to stop autoboot")
        child.send("\r")
        child.expect("=> ")
        child.sendline("booti %#x %#x:%#x ${fdtcontroladdr}" % (KERNEL_ADDR, INITRD_ADDR, os.path.getsize(initrd)))
        child.expect(r"Wren \d+\.\d+\.\d+")
        child.expect("entered at EL2, running at EL1")
        child.expect("psci: v1.1 via smc")
        child.expect("irq: GICv3")
        child.expect("init: hello from EL0")
        child.expect(r"/ \$ ")  # init starts the shell: ask it to power off
        child.send("poweroff\r")
        child.expect("exited with status 0")
        child.expect("wren: powering off")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, child.before
