"""Run the host unit tests (built by ninja with AddressSanitizer and UBSan)."""
import glob
import os
import subprocess

import pytest

from conftest import build_dir

TESTS = sorted(glob.glob(os.path.join(build_dir(), "host", "test_*")))


def test_host_tests_were_built():
    assert TESTS, "no host tests in %s/host; run ninja -C build" % build_dir()


@pytest.mark.parametrize("binary", TESTS, ids=[os.path.basename(t) for t in TESTS])
def test_host_unit(binary):
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    p = subprocess.run([binary, os.path.join(build_dir(), "host", "dtb")], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=300, env=env)
    out = p.stdout.decode("utf-8", "replace")
    assert p.returncode == 0, out
    assert " 0 failed" in out, out
