"""Shared pytest fixtures: where the build is, and a QEMU runner with a hang timeout."""
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests"))


def build_dir():
    return os.environ.get("WREN_BUILD", os.path.join(REPO, "build"))


@pytest.fixture(scope="session")
def build():
    d = build_dir()
    if not os.path.exists(os.path.join(d, "Image")):
        pytest.fail("no kernel Image in %s: run ./configure.py && ninja -C build first" % d)
    return d


def build_setting(build, name):
    """A variable of build/build.ninja (e.g. build_type, toolchain)."""
    with open(os.path.join(build, "build.ninja")) as f:
        for line in f:
            if line.startswith(name + " = "):
                return line.split(" = ", 1)[1].strip()
    return None
