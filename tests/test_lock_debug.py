"""Lock checking in debug builds (kernel/proc/lock_debug.c over kernel/lib/lock_order.c; the graph itself is host
tested in tests/host/test_lock_order.c). The test hooks take two test locks of their own from kernel_main: in one order
and then the other (a report naming both locks and both sites, once, and the boot goes on to the shell and a clean
power-off), the same lock twice (report and panic: it would spin forever) and a release of a lock nobody holds
(report and panic: the ticket would be corrupted). The expected sites are read from the source, so the report must
name the very lines that took each lock."""
import os
import re

import pytest

from conftest import REPO, build_setting
from qemu import boot

SRC = "kernel/proc/lock_debug.c"


def _require_debug(build):
    if build_setting(build, "build_type") != "debug":
        pytest.skip("lock checking and its test hooks exist in debug builds only")


def _sites(function):
    """["kernel/proc/lock_debug.c:N", ...]: the spin_lock/spin_unlock lines of `function`, in order, as
    (call, lock, site)."""
    with open(os.path.join(REPO, SRC)) as f:
        lines = f.read().split("\n")
    start = next(i for i, l in enumerate(lines) if l.startswith("void %s(void)" % function))
    out = []
    for n in range(start + 1, len(lines)):
        if lines[n] == "}":
            break
        m = re.match(r"\s+(spin_lock|spin_unlock)\(&test_lock_(a|b)\);", lines[n])
        if m:
            out.append((m.group(1), "test-lock-" + m.group(2), "%s:%d" % (SRC, n + 1)))
    return out


@pytest.mark.parametrize("smp", [1, 4])
def test_order_violation_names_both_locks_and_both_sites_and_the_boot_goes_on(build, smp):
    _require_debug(build)
    r = boot(build, bootargs="test=lock-order", smp=smp)
    r.require_clean_poweroff()
    out = r.output
    takes = [s for s in _sites("test_lock_order") if s[0] == "spin_lock"]
    assert [t[1][-1] for t in takes] == list("abbaba"), takes
    first_a, first_b, then_b, then_a = (t[2] for t in takes[:4])
    want = ('LOCK ORDER VIOLATION on cpu 0: taking "test-lock-a" at %s while holding "test-lock-b" (taken at %s)\n'
            '  the opposite order was recorded before:\n'
            '    "test-lock-b" taken at %s while holding "test-lock-a" (taken at %s)\n'
            % (then_a, then_b, first_b, first_a))
    assert want in out, out
    # A backtrace from the report up to the test hook that took the lock.
    after = out.split(want, 1)[1]
    assert re.search(r"backtrace:\n(  #\d+ 0x[0-9a-f]{16} \S+\n)*  #\d+ 0x[0-9a-f]{16} test_lock_order\+", after), after
    # The second time the same pair is taken the wrong way round, nothing more is said.
    assert out.count("LOCK ORDER VIOLATION") == 1, out
    # Every lock was released (out of order the last time), and the kernel went on to the shell.
    assert re.search(r"^lock order test: done, cpu 0 holds what it held before \(\d locks\)$", out, re.M), out
    assert "KERNEL PANIC" not in out, out
    assert "$ " in out.split("lock order test: done", 1)[1], out


def test_taking_a_held_lock_again_is_reported_not_a_hang(build):
    _require_debug(build)
    r = boot(build, bootargs="test=lock-recursive", initrd=None, timeout=20)
    r.require_clean_poweroff()  # the panic powers off: a hang would time out
    first, second = (s[2] for s in _sites("test_lock_recursive"))
    assert ('KERNEL PANIC: lock "test-lock-a" taken at %s on cpu 0, which already holds it (taken at %s): it would '
            'spin forever' % (second, first)) in r.output, r.output


def test_releasing_a_lock_nobody_holds_is_reported(build):
    _require_debug(build)
    r = boot(build, bootargs="test=lock-unheld", initrd=None, timeout=20)
    r.require_clean_poweroff()
    assert 'KERNEL PANIC: lock "test-lock-b" released on cpu 0, but nobody holds it' in r.output, r.output


def test_a_normal_boot_reports_nothing(build):
    """Every lock the kernel takes on its way to the shell and back to power-off, in the orders it takes them: no
    report (a false alarm would be as bad as a missed one)."""
    _require_debug(build)
    r = boot(build, smp=4)
    r.require_clean_poweroff()
    assert "LOCK ORDER" not in r.output and "lock order:" not in r.output, r.output
