"""The structure-building guest fuzzer (tests/guest/structfuzz): chains and cycles of handles in
flight, receives with timeouts racing calls, huge address ranges under a watchdog, priority
and limit changes with fork bursts and kill(-1), forged kernel messages and huge shared
memory must never panic, hang or stall the kernel, and after every round memory, kernel
objects, handles and processes must be back to where they started.

Each case boots on its own (a panic in one does not hide the others) for each seed. Longer
runs: WREN_STRUCTFUZZ_ROUNDS (rounds per case, default 3), WREN_STRUCTFUZZ_SEEDS
(comma-separated, default "1,2"), WREN_STRUCTFUZZ_TIMEOUT (seconds per boot). A failure
names the case, round and seed; `-- SEED 1 MASK ROUND` on the kernel command line replays
that round alone (MASK: 1 << the case's index below)."""
import os
import re

import pytest

from qemu import boot
from test_syscalls import make_initrd

CASES = ["chain", "cycle", "race", "vm", "procs", "forge", "shm"]  # bit i of the mask is CASES[i]
ROUNDS = int(os.environ.get("WREN_STRUCTFUZZ_ROUNDS", "3"))
SEEDS = [int(s) for s in os.environ.get("WREN_STRUCTFUZZ_SEEDS", "1,2").split(",")]
TIMEOUT = int(os.environ.get("WREN_STRUCTFUZZ_TIMEOUT", str(max(90, 40 * ROUNDS))))


def run(build, tmp_path, seed, rounds, mask):
    r = boot(build, timeout=TIMEOUT, bootargs="-- %d %d %d" % (seed, rounds, mask),
             initrd=make_initrd(tmp_path, build, program="structfuzz"))
    lines = [l for l in r.output.splitlines() if l.startswith("structfuzz:") or "PANIC" in l
             or "assertion" in l or "unexpected exception" in l]
    summary = "\n".join(lines[-40:])
    if r.timed_out:
        last = [l for l in lines if l.startswith("structfuzz:")][-3:]
        pytest.fail("hang: QEMU still running after %d s; the last lines were:\n%s" % (TIMEOUT, "\n".join(last)))
    return r, summary


def check_clean(r, summary):
    for bad in ("KERNEL PANIC", "unexpected exception", "assertion failed"):
        assert bad not in r.output, summary
    found = [l for l in r.output.splitlines() if "FOUND" in l]
    assert not found, "\n".join(found)
    assert "memory, kernel objects, handles and processes back to where they started" in r.output, summary
    assert "/bin/init (pid 1) exited with status 0" in r.output, summary
    r.require_clean_poweroff()


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("case", CASES)
def test_structfuzz(build, tmp_path, case, seed):
    r, summary = run(build, tmp_path, seed, ROUNDS, 1 << CASES.index(case))
    assert "structfuzz: seed %d, %d rounds per case" % (seed, ROUNDS) in r.output, summary
    check_clean(r, summary)
    assert re.search(r"structfuzz: case %s: %d rounds, \d+ syscalls, \d+ ms, digest 0x[0-9a-f]+, nothing found"
                     % (case, ROUNDS), r.output), summary


def test_same_seed_same_run(build, tmp_path):
    """The cases that run one process at a time are deterministic: the same seed gives the
    same digest of every syscall result."""
    mask = sum(1 << CASES.index(c) for c in ("cycle", "forge"))
    digests = []
    for i in range(2):
        d = tmp_path / str(i)
        d.mkdir()
        r, summary = run(build, d, 7, 2, mask)
        digests.append(re.findall(r"structfuzz: case (\w+): \d+ rounds, (\d+) syscalls, \d+ ms, digest (0x[0-9a-f]+)",
                                  r.output))
    assert len(digests[0]) == 2 and digests[0] == digests[1], digests
