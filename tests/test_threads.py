"""Threads: tests/guest/threadtest checks clone threads and the POSIX threads over them from inside the guest —
many threads created and joined, shared memory, tids, errno per thread, futex wait/wake with timeouts and bad
pointers, a mutex and condition-variable stress, pthread_once, malloc and stdio from several threads, exit vs
thread_exit, signals to a thread and to a process, a thread's fault, fork and exec from a threaded process."""
import re

import pytest

from qemu import boot
from test_syscalls import make_initrd


@pytest.mark.parametrize("smp", [1, 4])
def test_threadtest(build, tmp_path, smp):
    r = boot(build, timeout=180, smp=smp, initrd=make_initrd(tmp_path, build, program="threadtest"))
    r.require_clean_poweroff()
    assert "FAIL" not in r.output, r.output
    m = re.search(r"threadtest: (\d+) passed, (\d+) failed", r.output)
    assert m and int(m.group(1)) >= 82 and m.group(2) == "0", r.output
    # Four heap workers printed through stdio, each a whole line, none with a bad byte.
    assert len(re.findall(r"threadtest: heap worker \d done, 0 bad", r.output)) == 4, r.output
    # The thread's fault was reported with its thread id; nothing took the kernel down.
    assert re.search(r"wren: pid \d+ thread \d+ \(/bin/init\) killed: data abort from EL0 at address 0x8", r.output), \
        r.output
    assert "panic" not in r.output and "unexpected exception" not in r.output, r.output
    assert "/bin/init (pid 1) exited with status 0" in r.output, r.output
