"""The build system: configure's checks and options, the GNU toolchain, the compilation
database, and that ninja rebuilds exactly what an interface change affects."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from qemu import boot

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def configure(builddir, *args, env=None):
    return subprocess.run([sys.executable, os.path.join(REPO, "configure.py"), "--builddir", str(builddir)] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)


def ninja(builddir, *targets):
    return subprocess.run(["ninja", "-C", str(builddir)] + list(targets), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)


def test_missing_tool_names_the_debian_package(tmp_path):
    env = dict(os.environ, PATH=str(tmp_path))   # nothing on PATH: not even ninja or clang
    r = configure(tmp_path / "b", env=env)
    assert r.returncode == 1, r.stdout
    assert "configure: error:" in r.stdout and "install the Debian package" in r.stdout, r.stdout
    assert not (tmp_path / "b" / "build.ninja").exists()


def test_bad_option_is_rejected(tmp_path):
    r = configure(tmp_path / "b", "--toolchain", "msvc")
    assert r.returncode != 0 and "invalid choice" in r.stdout, r.stdout


@pytest.mark.skipif(not shutil.which("aarch64-linux-gnu-gcc"), reason="gcc-aarch64-linux-gnu not installed")
def test_gnu_toolchain_release_build_boots(tmp_path):
    b = tmp_path / "gnu"
    r = configure(b, "--toolchain", "gnu", "--release")
    assert r.returncode == 0, r.stdout
    r = ninja(b, "Image", "initrd.tar")
    assert r.returncode == 0, r.stdout
    out = boot(str(b), gic=3)
    out.require_clean_poweroff()
    assert "(release, gnu)" in out.output, out.output
    assert "init: hello from EL0" in out.output, out.output


def test_compdb_lists_kernel_sources(build):
    r = subprocess.run(["ninja", "-C", build, "-t", "compdb", "kcc"], stdout=subprocess.PIPE, text=True, check=True)
    db = json.loads(r.stdout)
    files = {os.path.basename(e["file"]) for e in db}
    assert {"main.c", "gic_v3.c", "fdt.c"} <= files, files
    assert all("--target=aarch64" in e["command"] or "aarch64-linux-gnu-gcc" in e["command"] for e in db)
