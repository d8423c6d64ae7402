"""The benchmark suite: it runs, every key whose feature exists is there, two runs of one
build agree to the last digit (icount makes them instruction counts), and
docs/benchmarks.md shows what the code measures now (for the release build it documents)."""
import json
import os
import re
import subprocess
import sys

import pytest

from conftest import REPO

KEYS = {"boot_to_init", "null_syscall", "yield_rtt", "spawn_wait", "fork_wait", "page_fault", "page_fault_2m",
        "mmap_touch_munmap", "shm_map_touch_munmap", "process_min_bytes", "kernel_image_bytes", "kernel_text_bytes"}


def documented_config():
    text = open(os.path.join(REPO, "docs", "benchmarks.md")).read()
    m = re.search(r"Configuration: `\./configure\.py ?([^`]*)`", text)
    assert m, "docs/benchmarks.md names no configuration"
    return m.group(1).split(), text


@pytest.fixture(scope="module")
def bench_build(tmp_path_factory):
    args, _ = documented_config()
    b = tmp_path_factory.mktemp("bench")
    r = subprocess.run([sys.executable, os.path.join(REPO, "configure.py"), "--builddir", str(b)] + args,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert r.returncode == 0, r.stdout
    r = subprocess.run(["ninja", "-C", str(b), "Image", "kernel.elf", "initrd.tar"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    assert r.returncode == 0, r.stdout
    return b


def run_bench(build, out):
    r = subprocess.run([sys.executable, os.path.join(REPO, "tools", "bench.py"), "--build", str(build),
                        "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900)
    assert r.returncode == 0, r.stdout
    return json.loads(out.read_text())


def test_bench_is_deterministic_and_documented(bench_build, tmp_path):
    first = run_bench(bench_build, tmp_path / "a.json")
    second = run_bench(bench_build, tmp_path / "b.json")
    assert KEYS <= set(first), sorted(KEYS - set(first))
    assert all(v > 0 for v in first.values()), first
    assert first == second, (first, second)
    _, doc = documented_config()
    for key, value in first.items():
        assert "| `%s` | %s |" % (key, value) in doc, \
            "docs/benchmarks.md is stale for %s (now %s): run tools/bench.py --build <release build> --update-docs" \
            % (key, value)
