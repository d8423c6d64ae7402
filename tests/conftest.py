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
