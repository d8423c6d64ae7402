"""The PL031 driver (drivers/rtc, /bin/rtc in the default initrd): the time it prints is the host's (QEMU's PL031
starts from the host clock, in UTC), in the documented format; -w waits on the clock's alarm interrupt, which it
takes, clears and acknowledges; and where it may not open the device (a program the shell starts has no privilege)
it says why and exits 1. The device syscalls themselves are tests/guest/devicetest's (tests/test_devices.py)."""
import calendar
import re
import time

import pytest

from qemu import boot
from test_shell import Shell
from test_syscalls import make_initrd

DATE = re.compile(r"^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d) UTC$", re.M)


def boot_rtc(build, tmp_path, args, trace=False, **kw):
    """Boot /bin/rtc as init with args; (output, host time before, host time after)."""
    before = time.time()
    bootargs = ("trace=syscalls " if trace else "") + " ".join(["--"] + args)
    r = boot(build, initrd=make_initrd(tmp_path, build, program="rtc"), bootargs=bootargs, **kw)
    after = time.time()
    r.require_clean_poweroff()
    assert "/bin/init (pid 1) exited with status 0" in r.output, r.output
    return r.output, before, after


def test_prints_the_date_and_time_in_utc(build, tmp_path):
    out, before, after = boot_rtc(build, tmp_path, [])
    m = DATE.search(out)
    assert m, out
    t = calendar.timegm(tuple(int(x) for x in m.groups()) + (0, 0, 0))
    assert int(before) - 1 <= t <= after + 1, (t, before, after, out)


def test_prints_seconds_since_the_epoch(build, tmp_path):
    out, before, after = boot_rtc(build, tmp_path, ["-s"])
    m = re.search(r"^(\d+)$", out, re.M)
    assert m, out
    assert int(before) - 1 <= int(m.group(1)) <= after + 1, (m.group(1), before, after, out)


@pytest.mark.parametrize("gic", [2, 3])
def test_waits_on_the_alarm_interrupt(build, tmp_path, gic):
    out, before, after = boot_rtc(build, tmp_path, ["-w", "2", "-s"], gic=gic, trace=True)
    m = re.search(r"^(\d+)$", out, re.M)
    assert m, out
    t = int(m.group(1))
    # The clock started at the host's time (no earlier than `before`) and was read 2 s later.
    assert int(before) + 2 <= t <= after + 1, (t, before, after, out)
    # The wait was the interrupt's: one record from event_wait, then the acknowledgement.
    assert re.search(r"^\[trace\] pid 1 event_wait\(.*\) = 1$", out, re.M), out
    assert re.search(r"^\[trace\] pid 1 event_irq_ack\(.*\) = 0$", out, re.M), out


def test_from_the_shell_it_explains_the_missing_privilege(build):
    sh = Shell(build)
    try:
        out = sh.run("rtc")
        assert "rtc: opening a device needs the privilege" in out and "[exit 1]" in out, out
        out = sh.run("rtc -w 0")
        assert "usage: rtc" in out and "[exit 2]" in out, out
        out = sh.run("rtc -x")
        assert "usage: rtc" in out and "[exit 2]" in out, out
        sh.poweroff()
    finally:
        sh.close()
