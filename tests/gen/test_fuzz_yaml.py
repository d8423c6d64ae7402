"""A seeded mutation fuzzer for the generator's validation (the YAML is untrusted input):
random edits of the real interface — deleted or duplicated lines, swapped values, odd
characters, truncation — must end in success or in `file:line: message` diagnostics with
exit status 1, never an internal error (exit 3) or a Python traceback.
WREN_GEN_FUZZ_CASES sets the number of cases (default 100)."""
import os
import random
import re
import shutil

from wrengen_support import INTERFACE, run_wrengen_inprocess

CASES = int(os.environ.get("WREN_GEN_FUZZ_CASES", "100"))
TOKENS = ["0x100", "-1", "99999999999999999999", "''", "[]", "{}", "null", "true", "ptr", "u128", "in", "out",
          "FAULT", "NOPE", "&a", "*a", "!!python/object:os.system", "\t", ":", "- ", "\"\\x00\"", "é", "~"]
DIAGNOSTIC = re.compile(r"^[\w./-]+:\d+: .+")


def mutate(rng, text):
    lines = text.split("\n")
    for _ in range(rng.randint(1, 4)):
        if not lines:
            break
        i = rng.randrange(len(lines))
        op = rng.randrange(6)
        if op == 0:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif op == 2 and ":" in lines[i]:
            key, _, _ = lines[i].partition(":")
            lines[i] = key + ": " + rng.choice(TOKENS)
        elif op == 3:
            pos = rng.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:pos] + rng.choice(TOKENS) + lines[i][pos:]
        elif op == 4:
            lines = lines[:i]
        else:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def test_mutated_interfaces_fail_cleanly(tmp_path):
    rng = random.Random(2026)
    files = sorted(p.relative_to(INTERFACE) for p in INTERFACE.rglob("*.yaml"))
    outcomes = {0: 0, 1: 0}
    for case in range(CASES):
        work = tmp_path / ("c%d" % case)
        shutil.copytree(INTERFACE, work / "interface")
        victim = work / "interface" / rng.choice(files)
        victim.write_text(mutate(rng, victim.read_text()))
        status, _, err = run_wrengen_inprocess(["generate", "--interface", "interface", "--out", "out"], work)
        assert status in (0, 1), "case %d (%s): exit %d\n%s" % (case, victim, status, err)
        assert "Traceback" not in err, "case %d: %s" % (case, err)
        if status == 1:
            lines = [line for line in err.splitlines() if line.strip()]
            assert lines and all(DIAGNOSTIC.match(line) for line in lines), "case %d: %s" % (case, err)
        outcomes[status] += 1
        shutil.rmtree(work)
    # The mutations must actually exercise the validator, not just pass through.
    assert outcomes[1] > CASES // 2, outcomes
