"""The README's first command line ends in `ninja -C build run`: it must boot to the shell's prompt
on the console, and `poweroff` typed there must end QEMU cleanly."""
import shutil

import pexpect


def test_ninja_run_boots_to_the_shell_and_powers_off(build):
    child = pexpect.spawn(shutil.which("ninja") or "ninja", ["-C", build, "run"], timeout=60,
                          encoding="utf-8", codec_errors="replace")
    try:
        child.expect("QEMU: Ctrl-A X quits")
        child.expect("init: hello from EL0")
        child.expect(r"/ \$ ")
        child.send("echo run-target-ok\r")
        child.expect(r"\nrun-target-ok\r*\n")  # the output, not the echoed command line
        child.expect(r"/ \$ ")
        child.send("poweroff\r")
        child.expect("wren: powering off")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, child.before
