"""The benchmark suite: it runs, every key whose feature exists is there, two runs of one
build agree to the last digit (icount makes them instruction counts), and
docs/benchmarks.md shows what the code measures now (for the release build it documents); `ninja bench` in a
debug configuration measures a release build of its own, and tools/bench.py refuses a debug build."""
import json
import os
import re
import subprocess
import sys

import pytest

from conftest import REPO, build_setting

KEYS = {"boot_to_init", "null_syscall", "yield_rtt", "spawn_wait", "fork_wait", "page_fault", "page_fault_2m",
        "mmap_touch_munmap", "shm_map_touch_munmap", "process_min_bytes", "kernel_image_bytes", "kernel_text_bytes"}
# Figures that wait on QEMU's I/O thread (tools/bench.py's HOST_TIMED): within a factor of 2 of each other, not equal.
HOST_TIMED = {"blk_read_4k", "blk_read_bytes_per_insn"}


def documented_config():
    text = open(os.path.join(REPO, "docs", "benchmarks.md")).read()
    m = re.search(r"Configuration: `\./configure\.py ?([^`]*)`", text)
    assert m, "docs/benchmarks.md names no configuration"
    return m.group(1).split(), text


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    """`ninja bench` in a debug configuration of the documented options: it must build and measure a release
    build of its own (in bench/), never the debug one. (build dir, the figures it wrote)"""
    args, _ = documented_config()
    assert "--release" in args, "docs/benchmarks.md documents a configuration that is not a release build"
    b = tmp_path_factory.mktemp("bench")
    r = subprocess.run([sys.executable, os.path.join(REPO, "configure.py"), "--builddir", str(b)] +
                       [a for a in args if a != "--release"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    assert r.returncode == 0, r.stdout
    assert build_setting(str(b), "build_type") == "debug"
    r = subprocess.run(["ninja", "-C", str(b), "bench"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=1800)
    assert r.returncode == 0, r.stdout
    assert "measuring the release build in %s/bench" % b in r.stdout, r.stdout
    assert build_setting(str(b / "bench"), "build_type") == "release"
    assert not (b / "Image").exists(), "ninja bench built the debug kernel"
    return b, json.loads((b / "bench.json").read_text())


def run_bench(build, out):
    return subprocess.run([sys.executable, os.path.join(REPO, "tools", "bench.py"), "--build", str(build),
                           "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=900)


def test_bench_is_deterministic_and_documented(bench_run, tmp_path):
    """The second `ninja bench` measures again (the release build's directory, bench/, must not pass for the
    target being up to date) and finds the same figures."""
    b, first = bench_run
    (b / "bench.json").unlink()
    r = subprocess.run(["ninja", "-C", str(b), "bench"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=900)
    assert r.returncode == 0, r.stdout
    assert "measuring the release build" in r.stdout, r.stdout  # the command ran, not "no work to do"
    second = json.loads((b / "bench.json").read_text())
    assert KEYS <= set(first), sorted(KEYS - set(first))
    assert all(v > 0 for v in first.values()), first
    exact = {k: v for k, v in first.items() if k not in HOST_TIMED}
    assert exact == {k: v for k, v in second.items() if k not in HOST_TIMED}, (first, second)
    for key in HOST_TIMED & set(first):
        assert 0.5 < first[key] / second[key] < 2, (key, first[key], second[key])
    _, doc = documented_config()
    for key in HOST_TIMED & set(first):
        assert "| `%s` |" % key in doc, "docs/benchmarks.md lacks %s" % key
    for key, value in exact.items():
        assert "| `%s` | %s |" % (key, value) in doc, \
            "docs/benchmarks.md is stale for %s (now %s): run tools/bench.py --build build/bench --update-docs" \
            % (key, value)


def test_bench_refuses_a_debug_build(build, tmp_path):
    """tools/bench.py measures nothing but a release build: given a debug one (built, so that without the refusal
    it would print figures), it says why and exits 1, writing nothing."""
    if build_setting(build, "build_type") != "debug":
        pytest.skip("the suite's build is not a debug build")
    r = run_bench(build, tmp_path / "d.json")
    assert r.returncode == 1, r.stdout
    assert "is a debug build, not a release build" in r.stdout and "ninja -C build bench" in r.stdout, r.stdout
    assert "null_syscall" not in r.stdout and not (tmp_path / "d.json").exists(), r.stdout


def test_bench_refuses_an_unconfigured_directory(tmp_path):
    r = run_bench(tmp_path, tmp_path / "d.json")
    assert r.returncode == 1 and "no configured build" in r.stdout, r.stdout


def test_a_release_configuration_measures_itself(tmp_path):
    r = subprocess.run([sys.executable, os.path.join(REPO, "configure.py"), "--builddir", str(tmp_path), "--release"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert r.returncode == 0, r.stdout
    cmd = subprocess.run(["ninja", "-C", str(tmp_path), "-t", "commands", "bench"], stdout=subprocess.PIPE,
                         text=True, check=True).stdout.splitlines()[-1]
    assert cmd.endswith("tools/bench.py --build $PWD") and "configure.py" not in cmd, cmd
