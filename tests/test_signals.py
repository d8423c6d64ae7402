"""Signals, process groups and sessions: tests/guest/sigtest checks handlers, sigreturn, masks,
default actions, groups, SIGCHLD, EINTR, SIGPIPE, SIGSEGV handlers and forged frames from
inside the guest, and job control (stop, continue) and SA_RESTART; Ctrl-C typed on the console reaches the foreground process group."""
import errno
import re
import time

import pexpect

from qemu import boot, qemu_command
from test_syscalls import make_initrd


def test_sigtest(build, tmp_path):
    r = boot(build, timeout=120, initrd=make_initrd(tmp_path, build, program="sigtest"))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    m = re.search(r"sigtest: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 69 and m.group(2) == "0", r.output
    # The unhandled fault and the refused frames were reported; nothing took the kernel down.
    assert re.search(r"wren: pid \d+ \(/bin/init\) killed: data abort from EL0 at address 0x8", r.output), r.output
    assert re.search(r"killed: bad signal frame at 0xffff000040200000", r.output), r.output
    assert "unexpected exception" not in r.output and "panic" not in r.output, r.output
    assert "/bin/init (pid 1) exited with status 0" in r.output, r.output


def test_ctrl_c_signals_the_foreground_group(build, tmp_path):
    """Ctrl-C typed on the console (QEMU's stdin, the UART) becomes SIGINT for the console's
    foreground group: a handled one interrupts a blocked console read with EINTR, an
    unhandled one ends the reader, and neither reaches the reader as a byte."""
    initrd = make_initrd(tmp_path, build, program="sigtest", extra=["sigtest"])
    cmd = qemu_command(build, initrd=initrd, bootargs="-- ctrlc parent")
    child = pexpect.spawn(cmd[0], cmd[1:], timeout=60, encoding="utf-8", codec_errors="replace")
    out = ""
    try:
        for _ in range(2):
            child.expect("sigtest: ready for Ctrl-C")
            out += child.before + child.after
            time.sleep(0.3)  # let the reader block first
            child.send("\x03")
        child.expect("wren: powering off")
        out += child.before + child.after
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    out = out.replace("\r", "")
    assert "sigtest: read -> -1 errno %d, SIGINT handled 1" % errno.EINTR in out, out
    assert "sigtest-ctrlc: 2 passed, 0 failed" in out, out
    assert "FAIL" not in out, out
