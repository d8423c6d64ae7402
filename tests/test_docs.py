"""Documentation that must match the code."""
import os

from conftest import REPO


def test_committed_syscall_reference_is_current(build):
    generated = open(os.path.join(build, "gen", "docs", "syscalls.md")).read()
    committed = open(os.path.join(REPO, "docs", "syscalls.md")).read()
    assert committed == generated, "docs/syscalls.md is stale: run `ninja -C build update-docs` and commit it"


def test_readme_commands_are_what_ci_runs():
    readme = open(os.path.join(REPO, "README.md")).read()
    ci = open(os.path.join(REPO, ".ci", "run")).read()
    test_line = "tools/install-deps.sh && ./configure.py && tools/run-tests.sh"
    assert "    " + test_line + "\n" in readme
    assert test_line in ci
    assert "    tools/install-deps.sh && ./configure.py && ninja -C build run\n" in readme
