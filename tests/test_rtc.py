"""The PL031 driver (drivers/rtc, /bin/rtc in the default initrd): the time it prints is the host's (QEMU's PL031
starts from the host clock, in UTC), in the documented format; run privileged (as init here) it reads the clock
itself and -w waits on the clock's alarm interrupt, which it takes, clears and acknowledges; at the shell (no
privilege) it asks the RTC service (`rtc -d`, which init starts at boot) over sys.rtc, prints the same, refuses -w,
and says so when no service runs; the service survives bad clients (tests/guest/rtcabuse). The device syscalls
themselves are tests/guest/devicetest's (tests/test_devices.py)."""
import calendar
import os
import re
import time

import pytest

from qemu import boot
from test_shell import PROMPT, Shell, with_guest_tests
from test_syscalls import make_initrd, program_bytes, system_programs

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


def host_time_in(out):
    m = DATE.search(out)
    assert m, out
    return calendar.timegm(tuple(int(x) for x in m.groups()) + (0, 0, 0))


def test_at_the_shell_it_asks_the_service(build):
    """The default boot: init starts `rtc -d` before the shell; `rtc` at the prompt (no privilege) asks it."""
    sh = Shell(build)
    try:
        before = time.time()
        t = host_time_in(sh.run("rtc"))
        assert int(before) - 2 <= t <= time.time() + 2, (t, before)
        before = time.time()
        out = sh.run("rtc -s")
        m = re.search(r"^(\d+)$", out, re.M)
        assert m and int(before) - 2 <= int(m.group(1)) <= time.time() + 2, (out, before)
        ps = sh.run("ps")
        assert re.search(r"^\s+\d+\s+1 sleep .* /bin/rtc$", ps, re.M), ps
        # The alarm is not lent out: refused clearly. Bad arguments are still usage errors.
        out = sh.run("rtc -w 1")
        assert "rtc: -w needs the clock's alarm" in out and "[exit 1]" in out, out
        out = sh.run("rtc -w 0")
        assert "usage: rtc" in out and "[exit 2]" in out, out
        out = sh.run("rtc -x")
        assert "usage: rtc" in out and "[exit 2]" in out, out
        # The service itself needs the privilege; a second one from the shell cannot start.
        out = sh.run("rtc -d")
        assert "rtc: the service opens the clock, which needs the privilege" in out and "[exit 1]" in out, out
        # A new shell session: init's cleanup of the old one leaves the service running.
        sh.c.send("exit\r")
        sh.c.expect("restarting it")
        sh.c.expect(PROMPT)
        assert re.search(r"^\s+\d+\s+1 sleep .* /bin/rtc$", sh.run("ps"), re.M)
        assert DATE.search(sh.run("rtc"))
        sh.poweroff()
    finally:
        sh.close()


def test_the_service_survives_bad_clients(build):
    """tests/guest/rtcabuse: garbage, handles, floods, clients that leave mid-call or say nothing, too many at once."""
    sh = Shell(build, initrd=with_guest_tests(build))
    try:
        sh.c.timeout = 90
        out = sh.run("rtcabuse")
        assert "FAIL" not in out and re.search(r"rtcabuse: (\d+) passed, 0 failed", out), out
        assert int(re.search(r"rtcabuse: (\d+) passed", out).group(1)) >= 25, out
        before = time.time()
        t = host_time_in(sh.run("rtc"))
        assert int(before) - 2 <= t <= time.time() + 2, (t, before)
        sh.poweroff()
    finally:
        sh.close()


def test_without_a_service_it_says_so(build, tmp_path):
    """An initrd whose init starts the shell but has no /bin/rtc at boot: copied in later, rtc finds no service."""
    progs = [p for p in system_programs() if p not in ("init", "rtc")]
    initrd = make_initrd(tmp_path, build, program="init", extra=progs, files={"bin/rtc2": program_bytes(build, "rtc")})
    sh = Shell(build, initrd=initrd)
    try:
        assert "/bin/rtc" not in sh.run("ps")
        out = sh.run("rtc2")
        assert "rtc: no RTC service is running" in out and "[exit 1]" in out, out
        sh.poweroff()
    finally:
        sh.close()


def test_date_reads_the_rtc_scheme(build):
    """`date` at the shell reads /scheme/rtc (served by the RTC service's child): the host's time of day, in POSIX
    date's default layout and with a format; the scheme's file itself is one line of seconds, read-only."""
    sh = Shell(build)
    try:
        for _ in range(50):  # init starts the RTC service right after the first prompt
            if re.search(r"\brtc$", sh.run("ls /scheme"), re.M):
                break
            time.sleep(0.2)
        before = time.time()
        out = sh.run("date")
        after = time.time()
        m = re.search(r"^([A-Z][a-z]{2}) ([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d) UTC (\d{4})$", out, re.M)
        assert m, out
        t = calendar.timegm(time.strptime(m.group(0), "%a %b %d %H:%M:%S UTC %Y"))
        assert int(before) - 2 <= t <= after + 2, (out, before)
        assert time.strftime("%a", time.gmtime(t)) == m.group(1), out  # the weekday is the date's
        out = sh.run("date +%s")
        s = int(re.search(r"^(\d+)$", out, re.M).group(1))
        assert int(before) - 2 <= s <= time.time() + 2, out
        assert re.search(r"^\d{4}-\d\d-\d\d$", sh.run("date +%Y-%m-%d"), re.M)
        out = sh.run("cat /scheme/rtc")
        assert re.search(r"^\d{10}$", out, re.M), out
        out = sh.run("echo 0 > /scheme/rtc")
        assert "denied" in out.lower(), out
        out = sh.run("cat /scheme/rtc/x")
        assert "[exit 1]" in out, out
        out = sh.run("date -x")
        assert "usage: date" in out and "[exit 2]" in out, out
        # The scheme's server is a child of the service; both outlive a shell session.
        sh.c.send("exit\r")
        sh.c.expect("restarting it")
        sh.c.expect(PROMPT)
        ps = sh.run("ps")
        svc = re.search(r"^\s+(\d+)\s+1 sleep .* /bin/rtc$", ps, re.M)
        assert svc and re.search(r"^\s+\d+\s+%s sleep .* /bin/rtc$" % svc.group(1), ps, re.M), ps
        assert re.search(r"UTC \d{4}$", sh.run("date"), re.M)
        sh.poweroff()
    finally:
        sh.close()


def test_date_without_a_clock_says_so(build, tmp_path):
    """No RTC service (no /bin/rtc at boot): /scheme/rtc does not exist, and date says so."""
    progs = [p for p in system_programs() if p not in ("init", "rtc")]
    sh = Shell(build, initrd=make_initrd(tmp_path, build, program="init", extra=progs))
    try:
        out = sh.run("date")
        assert "date: /scheme/rtc:" in out and "[exit 1]" in out, out
        sh.poweroff()
    finally:
        sh.close()
