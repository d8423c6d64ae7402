"""IRQ affinity for device interrupts: event_irq_set_affinity routes a held SPI to one CPU (GICD_ITARGETSR on
GICv2, GICD_IROUTER on GICv3), /scheme/sys/irqs shows each SPI's CPU and count, and a CPU going offline hands its
interrupts to CPU 0 first. tests/guest/irqaffinity checks it on a real device (the PL031's level-sensitive line,
INTID 34) by the target CPU's irqs counter in /scheme/sys/cpu, an edge-triggered interrupt pending while it moves,
and the refusals; run with 4 CPUs on both GICs (GICv3 entered at EL2, PSCI through smc, as on the BPI-R4)."""
import re

import pytest

from qemu import boot
from test_syscalls import make_initrd


@pytest.mark.parametrize("gic,el2", [(2, False), (3, True)], ids=["gicv2-el1", "gicv3-el2"])
def test_irq_affinity(build, tmp_path, gic, el2):
    r = boot(build, gic=gic, el2=el2, smp=4, timeout=120, bootargs="-- 4",
             initrd=make_initrd(tmp_path, build, program="irqaffinity"))
    r.require_clean_poweroff()
    out = r.output
    assert "smp: 4 of 4 CPUs online" in out, out
    assert "FAIL" not in out, out
    m = re.search(r"irqaffinity: (\d+) passed, (\d+) failed", out)
    assert m and int(m.group(1)) >= 70 and m.group(2) == "0", out
    # The listing as the guest printed it first: a header, then the kernel's console UART and the clock on CPU 0.
    assert re.search(r"^intid cpu count trigger\n(?:\d+ \d+ \d+ (?:edge|level)\n)*33 0 \d+ level\n34 0 0 level\n",
                     out, re.M), out
