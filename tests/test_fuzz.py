"""Run each libFuzzer target (tests/host/fuzz_*.c, built by ninja with ASan + UBSan) for a
bounded time on its seed corpus. Any crash, sanitizer report or broken invariant fails the
test; set WREN_FUZZ_SECONDS for a longer run."""
import os
import shutil
import subprocess

import pytest

from conftest import REPO, build_dir

SECONDS = int(os.environ.get("WREN_FUZZ_SECONDS", "10"))
TARGETS = {
    "fuzz_fdt": ("host/dtb", 65536),          # seeds: the compiled test DTBs
    "fuzz_tar": ("corpus/tar", 16384),
    "fuzz_elf": ("corpus/elf", 4096),
    "fuzz_pmm": ("corpus/pmm", 4096),
    "fuzz_path": ("corpus/path", 4096),
    "fuzz_scheme_path": ("corpus/scheme_path", 4096),
    "fuzz_partition": ("corpus/partition", 32768),
    "fuzz_fat": ("corpus/fat", 65536),       # seeds: FAT12/16/32 images from mkfs.fat and mtools, cut short
}


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_fuzz_target(tmp_path, name):
    binary = os.path.join(build_dir(), "host", name)
    assert os.path.exists(binary), "%s not built; run ninja -C build" % binary
    seeds, max_len = TARGETS[name]
    seed_dir = os.path.join(build_dir(), seeds) if seeds.startswith("host/") else \
        os.path.join(REPO, "tests", "host", seeds)
    corpus = tmp_path / "corpus"
    shutil.copytree(seed_dir, corpus)
    p = subprocess.run([binary, "-max_total_time=%d" % SECONDS, "-max_len=%d" % max_len, "-seed=1",
                        "-print_final_stats=1", str(corpus)],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=SECONDS + 120)
    out = p.stdout.decode("utf-8", "replace")
    assert p.returncode == 0, out[-4000:]
    assert "stat::number_of_executed_units" in out, out[-4000:]
