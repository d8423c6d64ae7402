"""Golden test: the fixture interface must generate exactly the committed files.

An intended change to the output is accepted with one command:

    python3 tests/gen/update_golden.py      (or UPDATE_GOLDEN=1 pytest tests/gen)
"""

import os
import subprocess
import sys

from wrengen_support import (GOLDEN, HERE, OUTPUTS, VALID_FIXTURE, copy_tree, read_tree,
                      run_wrengen)


def test_fixture_matches_golden(tmp_path):
    if os.environ.get("UPDATE_GOLDEN"):
        subprocess.run([sys.executable, str(HERE / "update_golden.py")], check=True)

    copy_tree(VALID_FIXTURE, tmp_path / "interface")
    result = run_wrengen(["generate", "--interface", "interface", "--out", "out"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""

    produced = read_tree(tmp_path / "out")
    del produced["wrengen.d"]   # holds machine-specific paths; see test_generate.py
    expected = read_tree(GOLDEN)
    assert sorted(produced) == sorted(OUTPUTS)
    assert sorted(expected) == sorted(OUTPUTS), "golden files are incomplete"
    for name in OUTPUTS:
        assert produced[name].decode() == expected[name].decode(), (
            f"{name} differs from tests/gen/golden/{name}; if the change is intended, run "
            f"python3 tests/gen/update_golden.py and review the diff")
