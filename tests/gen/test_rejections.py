"""Validation: each invalid fixture must be rejected with exactly the expected text.

Each directory under fixtures/invalid/ is an overlay on fixtures/valid/: its
files replace (or add to) the valid ones, `remove.txt` lists files to delete,
and `expected.txt` is the exact stderr.  The overlay is applied to a copy
named `interface/`, so messages read `interface/...:line: ...` just as they
do in the real tree.
"""

import shutil

import pytest

from wrengen_support import (INVALID_FIXTURES, VALID_FIXTURE, copy_tree, run_wrengen,
                      run_wrengen_inprocess)

CASES = sorted(p.name for p in INVALID_FIXTURES.iterdir() if p.is_dir())
SPECIAL = {"expected.txt", "remove.txt"}


def build_interface(case, root):
    """Valid fixture + the case's overlay, at root/interface."""
    iface = root / "interface"
    copy_tree(VALID_FIXTURE, iface)
    overlay = INVALID_FIXTURES / case
    for path in overlay.rglob("*"):
        rel = path.relative_to(overlay)
        if path.is_file() and rel.as_posix() not in SPECIAL:
            (iface / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, iface / rel)
    remove = overlay / "remove.txt"
    if remove.exists():
        for rel in remove.read_text().split():
            (iface / rel).unlink()
    return iface


@pytest.mark.parametrize("case", CASES)
def test_rejected_with_exact_message(case, tmp_path):
    build_interface(case, tmp_path)
    expected = (INVALID_FIXTURES / case / "expected.txt").read_text()
    status, out, err = run_wrengen_inprocess(
        ["generate", "--interface", "interface", "--out", "out"], tmp_path)
    assert (status, out) == (1, "")
    assert err == expected
    assert not (tmp_path / "out").exists(), "nothing may be generated from a bad interface"


def test_check_impl_validates_too(tmp_path):
    build_interface("unknown_error", tmp_path)
    status, _, err = run_wrengen_inprocess(
        ["check-impl", "--interface", "interface", "nonexistent.o"], tmp_path)
    assert status == 1
    assert err == (INVALID_FIXTURES / "unknown_error" / "expected.txt").read_text()


@pytest.mark.parametrize("case", ["yaml_syntax", "several_problems", "missing_file"])
def test_no_traceback_from_the_command_line(case, tmp_path):
    """The real command line (not just main()) prints only the messages."""
    build_interface(case, tmp_path)
    result = run_wrengen(["generate", "--interface", "interface", "--out", "out"], tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr == (INVALID_FIXTURES / case / "expected.txt").read_text()


def test_every_case_has_expected_text():
    for case in CASES:
        expected = INVALID_FIXTURES / case / "expected.txt"
        assert expected.exists(), case
        for line in expected.read_text().splitlines():
            # path:line: message — the format editors and CI logs understand.
            assert line.startswith("interface/") and ":" in line, line
            path, lineno, message = line.split(":", 2)
            assert lineno.isdigit() and message.startswith(" "), line
