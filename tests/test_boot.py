"""Boot the kernel under QEMU virt in every supported configuration and check what it
learned from the device tree, that interrupts and the timer work, that the first user
program runs at EL0 through the generated syscall stubs, and that it powers off cleanly."""
import re

import pytest

from conftest import build_setting
from qemu import boot

CONFIGS = [(2, False), (3, False), (2, True), (3, True)]


@pytest.mark.parametrize("gic,el2", CONFIGS, ids=["gicv2-el1", "gicv3-el1", "gicv2-el2", "gicv3-el2"])
def test_boot_banner_timer_init_poweroff(build, gic, el2):
    # At the shell: uptime, a 30 ms sleep, uptime again. Only the timer interrupt, routed
    # through this GIC, can end the sleep (and without the end, poweroff is never read).
    r = boot(build, gic=gic, el2=el2, input=b"uptime\nsleep 0.03\nuptime\npoweroff\n")
    r.require_clean_poweroff()
    out = r.output
    assert re.search(r"^Wren \d+\.\d+\.\d+ .* on linux,dummy-virt$", out, re.M), out
    assert "entered at EL%d, running at EL1" % (2 if el2 else 1) in out, out
    assert re.search(r"cpu: .*Cortex-A72", out), out
    assert "memory: 0x0000000040000000-0x000000007fffffff (1024 MiB)" in out, out
    assert "console: pl011 at 0x09000000" in out, out
    if gic == 2:
        assert "irq: GICv2, distributor 0x08000000, cpu interface 0x08010000" in out, out
    else:
        assert "irq: GICv3, distributor 0x08000000, redistributors 0x080a0000" in out, out
    # QEMU's DTB says hvc, or smc once it emulates EL2: the kernel must follow the DTB.
    assert "psci: v1.1 via %s" % ("smc" if el2 else "hvc") in out, out
    m = re.search(r"timer: (\d+) Hz counter, virtual timer INTID 27, one-shot deadlines", out)
    assert m and int(m.group(1)) > 0, out
    ups = [float(t) for t in re.findall(r"^up [0-9:.]+ \(([0-9.]+) s\)$", out, re.M)]
    assert len(ups) == 2 and 0.030 <= ups[1] - ups[0] <= 0.2, out
    # /bin/init runs at EL0 and uses the generated userlib stubs.
    assert "init: hello from EL0" in out, out
    assert "wren: /bin/init (pid 1) exited with status 0" in out, out


def test_memory_size_comes_from_the_dtb(build):
    r = boot(build, memory="2G")
    r.require_clean_poweroff()
    assert "memory: 0x0000000040000000-0x00000000bfffffff (2048 MiB)" in r.output, r.output


def test_syscall_trace_switchable_at_boot(build):
    quiet = boot(build)
    quiet.require_clean_poweroff()
    assert "[trace]" not in quiet.output
    traced = boot(build, bootargs="trace=syscalls")
    traced.require_clean_poweroff()
    assert re.search(r"^\[trace\] pid 1 debug_write\(buf=0x[0-9a-f]+, len=\d+\) = \d+$", traced.output, re.M), \
        traced.output
    assert re.search(r"^\[trace\] pid 1 exit\(code=0\)$", traced.output, re.M), traced.output


def test_missing_initrd_is_reported_not_fatal(build):
    r = boot(build, initrd=False)
    r.require_clean_poweroff()
    assert "initrd: none" in r.output, r.output
    assert "no /bin/init" in r.output, r.output


def test_unexpected_kernel_exception_dumps_registers_and_stops(build):
    if build_setting(build, "build_type") != "debug":
        pytest.skip("test=kernel-brk exists in debug builds only")
    r = boot(build, bootargs="test=kernel-brk")
    r.require_clean_poweroff()   # a panic still ends the run through PSCI SYSTEM_OFF
    out = r.output
    assert "unexpected exception: sync (EL1)" in out, out
    assert re.search(r"ESR 0x00000000f2[0-9a-f]{6} \(EC 0x3c: BRK instruction", out), out
    assert re.search(r"ELR 0xffff0000402[0-9a-f]{5}", out), out
    assert re.search(r"x0  0x[0-9a-f]{16}  x1  0x[0-9a-f]{16}", out) and "x30 0x" in out, out
    assert "KERNEL PANIC: unexpected exception in the kernel" in out, out
    # A symbolized backtrace: the faulting function, then the chain up to the boot code.
    assert re.search(r"backtrace:\n  #0 0xffff0000402[0-9a-f]{5} kernel_main\+0x[0-9a-f]+\n", out), out
    assert re.search(r"  #1 0x[0-9a-f]{16} virtual_entry\+0x[0-9a-f]+\n", out), out
    assert "init: hello" not in out
