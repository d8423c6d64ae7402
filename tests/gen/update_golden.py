#!/usr/bin/env python3
"""Accept the generator's current output for the golden fixture.

    python3 tests/gen/update_golden.py

Run it after an intended change to the templates or generator, then review
`git diff tests/gen/golden` like any other change.  (Equivalently:
UPDATE_GOLDEN=1 python3 -m pytest tests/gen/test_golden.py.)
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def main():
    golden = HERE / "golden"
    with tempfile.TemporaryDirectory() as tmp:
        # Generate from a copy named interface/, as the golden test does.
        shutil.copytree(HERE / "fixtures" / "valid", os.path.join(tmp, "interface"))
        result = subprocess.run([sys.executable, str(REPO / "gen" / "wrengen.py"), "generate",
                                 "--interface", "interface", "--out", "out"], cwd=tmp,
                                check=False)
        if result.returncode:
            return result.returncode
        os.remove(os.path.join(tmp, "out", "wrengen.d"))   # paths differ per machine
        shutil.rmtree(golden, ignore_errors=True)
        shutil.copytree(os.path.join(tmp, "out"), golden)
    print(f"updated {golden.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
