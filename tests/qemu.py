"""Boot the kernel under QEMU virt and collect its console output.

Every run has a timeout (a hang is a failure, not a stuck CI job) and is expected to end
with the kernel powering the machine off through PSCI SYSTEM_OFF, which makes QEMU exit 0.
"""
import os
import subprocess
from dataclasses import dataclass


@dataclass
class Boot:
    returncode: int
    output: str
    timed_out: bool

    def require_clean_poweroff(self):
        assert not self.timed_out, "QEMU timed out; console output:\n" + self.output
        assert "wren: powering off" in self.output, self.output
        assert self.returncode == 0, "QEMU exited %d\n%s" % (self.returncode, self.output)


def qemu_command(build, gic=2, el2=False, memory="1G", cpu="cortex-a72", smp=1, bootargs="",
                 initrd=True, kernel=None, extra=()):
    machine = "virt,gic-version=%d%s" % (gic, ",virtualization=on" if el2 else "")
    cmd = ["qemu-system-aarch64", "-M", machine, "-cpu", cpu, "-smp", str(smp), "-m", memory,
           "-nographic", "-no-reboot", "-kernel", kernel or os.path.join(build, "Image")]
    if initrd:
        cmd += ["-initrd", initrd if isinstance(initrd, str) else os.path.join(build, "initrd.tar")]
    if bootargs:
        cmd += ["-append", bootargs]
    return cmd + list(extra)


def boot(build, timeout=30, **kw):
    cmd = qemu_command(build, **kw)
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
        return Boot(p.returncode, p.stdout.decode("utf-8", "replace").replace("\r\n", "\n"), False)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace").replace("\r\n", "\n")
        return Boot(-1, out, True)
