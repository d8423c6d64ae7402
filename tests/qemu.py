"""Boot the kernel under QEMU virt and collect its console output.

Every run has a timeout (a hang is a failure, not a stuck CI job) and is expected to end
with the kernel powering the machine off through PSCI SYSTEM_OFF, which makes QEMU exit 0.
"""
import os
import subprocess
import threading
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


# Tests boot one CPU unless they name another count; WREN_TEST_SMP=4 runs the whole suite on four.
DEFAULT_SMP = int(os.environ.get("WREN_TEST_SMP", "1"))


def qemu_command(build, gic=2, el2=False, memory="1G", cpu="cortex-a72", smp=None, bootargs="",
                 initrd=True, kernel=None, extra=()):
    smp = DEFAULT_SMP if smp is None else smp
    machine = "virt,gic-version=%d%s" % (gic, ",virtualization=on" if el2 else "")
    cmd = ["qemu-system-aarch64", "-M", machine, "-cpu", cpu, "-smp", str(smp), "-m", memory,
           "-nographic", "-no-reboot", "-nic", "none", "-kernel", kernel or os.path.join(build, "Image")]
    if initrd:
        cmd += ["-initrd", initrd if isinstance(initrd, str) else os.path.join(build, "initrd.tar")]
    if bootargs:
        cmd += ["-append", bootargs]
    return cmd + list(extra)


# The default initrd boots to the shell (/bin/init starts /bin/sh): a boot without a test of
# its own types this once the shell prompts, and so powers off.
SHELL_POWEROFF = b"poweroff\n"
SHELL_PROMPT = b"$ "


def boot(build, timeout=30, input=None, **kw):
    """Boot and collect the console output until power-off. `input` (bytes) is typed on the
    console once the shell's first prompt has appeared: by default nothing, or SHELL_POWEROFF
    with the default initrd. (Typed earlier, it could reach the UART before the kernel listens.)"""
    cmd = qemu_command(build, **kw)
    if input is None and kw.get("initrd", True) is True:
        input = SHELL_POWEROFF
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    chunks = []

    def reader():
        sent = not input
        while True:
            data = p.stdout.read1(4096)
            if not data:
                break
            chunks.append(data)
            if not sent and SHELL_PROMPT in b"".join(chunks[-2:]):
                sent = True
                try:
                    p.stdin.write(input)
                    p.stdin.flush()
                except OSError:
                    pass

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    timed_out = False
    try:
        p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        timed_out = True
    t.join(5)
    out = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    return Boot(-1 if timed_out else p.returncode, out, timed_out)

def boot_interactive(build, timeout=30, **kw):
    """Boot with the console on a pseudo-terminal, for a test that types and reads like a
    person (pexpect). The caller closes the returned pexpect.spawn."""
    import pexpect
    cmd = qemu_command(build, **kw)
    return pexpect.spawn(cmd[0], cmd[1:], timeout=timeout, encoding="utf-8", codec_errors="replace")
