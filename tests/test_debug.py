"""`ninja -C build debug` starts QEMU halted with a gdb stub; the gdb command line it prints
must work: gdb-multiarch connects, stops at kernel_main, and sees the kernel's symbols."""
import os
import re
import shutil
import socket
import subprocess
import time

import pytest


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(not shutil.which("gdb-multiarch"), reason="gdb-multiarch not installed")
def test_debug_target_stops_at_kernel_main(build):
    port = free_port()
    env = dict(os.environ, WREN_GDB_PORT=str(port))
    qemu = subprocess.Popen(["ninja", "-C", build, "debug"], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        # Wait for the stub to listen.
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        g = subprocess.run(["gdb-multiarch", "-nx", "-batch", os.path.join(build, "kernel.elf"),
                            "-ex", "target remote :%d" % port, "-ex", "break kernel_main", "-ex", "continue",
                            "-ex", "info symbol $pc", "-ex", "kill"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
        assert re.search(r"Breakpoint 1, .*kernel_main", g.stdout), g.stdout
        assert re.search(r"^kernel_main( \+ \d+)? in section \.text", g.stdout, re.M), g.stdout
        assert "kernel/main.c" in g.stdout, g.stdout   # debug info reaches the source
    finally:
        os.killpg(qemu.pid, 9)
        out = qemu.communicate(timeout=10)[0].decode("utf-8", "replace")
    assert "gdb-multiarch %s/kernel.elf -ex 'target remote :%d'" % (os.path.realpath(build), port) in out, out
