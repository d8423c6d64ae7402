"""More than one CPU: bring-up of every CPU the DTB names through PSCI CPU_ON (hvc at EL1, smc at EL2), and
tests/guest/smptest's checks under QEMU's multi-threaded TCG: parallel spawn and exit, call/reply between processes
pinned to different CPUs, hotplug under load with no worker lost, hotplug's refusals."""
import re

import pytest

from qemu import boot
from test_syscalls import make_initrd


@pytest.mark.parametrize("smp", [1, 2, 3, 4, 8])
def test_every_cpu_comes_up(build, smp):
    r = boot(build, gic=3, smp=smp)
    r.require_clean_poweroff()
    if smp == 1:
        assert "smp: 1 CPU online (1 in the DTB)" in r.output, r.output
    else:
        assert "smp: %d of %d CPUs online, started by PSCI CPU_ON via hvc" % (smp, smp) in r.output, r.output


@pytest.mark.parametrize("gic,el2,conduit", [(2, False, "hvc"), (3, True, "smc")], ids=["gicv2-el1-hvc", "gicv3-el2-smc"])
def test_smp_stress_and_hotplug(build, tmp_path, gic, el2, conduit):
    r = boot(build, gic=gic, el2=el2, smp=4, timeout=120, bootargs="-- 4",
             initrd=make_initrd(tmp_path, build, program="smptest"))
    r.require_clean_poweroff()
    out = r.output
    assert "smp: 4 of 4 CPUs online, started by PSCI CPU_ON via %s" % conduit in out, out
    assert "FAIL" not in out, out
    m = re.search(r"smptest: (\d+) passed, (\d+) failed", out)
    assert m and int(m.group(1)) >= 18 and m.group(2) == "0", out
