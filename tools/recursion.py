#!/usr/bin/env python3
"""Direct recursion in the kernel: the cycles of its call graph, from a disassembly.

Usage: tools/recursion.py KERNEL_ELF [--objdump llvm-objdump]

The graph has an edge f -> g for each `bl g` in f (a call: the stack grows) and each `b g` from f to the start of
another function g (a tail call: it does not). Every strongly connected component with a call edge inside it is a
recursion whose depth the code, not the stack, must bound. Those that are bounded are listed in ALLOWED below, each
with its bound; anything else is printed and the exit status is 1 (tests/test_teardown.py runs this). Calls through
function pointers (blr: an object's ops, the page-table ops) do not show here; the guest tests cover those
(object teardown: tests/guest/teardowntest).
"""
import argparse
import re
import subprocess
import sys

# Each entry: the functions of one cycle (a set), and why its depth is bounded.
ALLOWED = [
    ({"map_ram"}, "kmap.c: one level per no-map reservation that splits the range (PLATFORM_MAX_RESERVED)"),
    ({"map_level"}, "pgtable.c: one level per translation level (4)"),
    ({"unmap_level"}, "pgtable.c: one level per translation level (4)"),
    ({"protect_level"}, "pgtable.c: one level per translation level (4)"),
    ({"reprotect_level"}, "pgtable.c: one level per translation level (4)"),
    ({"split_level"}, "pgtable.c: one level per translation level (4)"),
    ({"mapped_level"}, "pgtable.c: one level per translation level (4)"),
    ({"fork_count"}, "pgtable.c: one level per translation level (4)"),
    ({"fork_level"}, "pgtable.c: one level per translation level (4)"),
    ({"destroy_level"}, "pgtable.c: one level per translation level (4)"),
    ({"count_level"}, "pgtable.c: one level per translation level (4)"),
    ({"proc_free_slot", "thread_free_group"}, "proc.c, thread.c: a leader's slot frees its threads' slots, which lead no one (depth 2)"),
    ({"overflow_frame"}, "sys_debug.c: overflows the kernel stack on purpose (debug builds, test=kstack-overflow)"),
]

FUNC = re.compile(r"^([0-9a-f]+) <([^>]+)>:$")
BRANCH = re.compile(r"^\s*[0-9a-f]+:\s+(bl|b)\s+0x[0-9a-f]+ <([^>+]+)(\+0x[0-9a-f]+)?>")


def call_graph(elf, objdump):
    out = subprocess.run([objdump, "-d", "--no-show-raw-insn", elf], check=True, stdout=subprocess.PIPE,
                         text=True).stdout
    calls, tails = {}, {}
    current = None
    for line in out.splitlines():
        m = FUNC.match(line)
        if m:
            current = m.group(2)
            calls.setdefault(current, set())
            tails.setdefault(current, set())
            continue
        m = BRANCH.match(line)
        if not m or current is None:
            continue
        op, target, offset = m.groups()
        if op == "bl":
            calls[current].add(target)
        elif target != current and not offset:
            tails[current].add(target)
    return calls, tails


def components(nodes, succ):
    """Strongly connected components (Tarjan's algorithm, iterative: this tool practises what it checks)."""
    index, low, on_stack, stack, result = {}, {}, set(), [], []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(succ(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = set()
                    while True:
                        x = stack.pop()
                        on_stack.discard(x)
                        comp.add(x)
                        if x == v:
                            break
                    result.append(comp)
            elif w not in index:
                index[w] = low[w] = counter
                counter += 1
                stack.append(w)
                on_stack.add(w)
                work.append((w, iter(sorted(succ(w)))))
            elif w in on_stack:
                low[v] = min(low[v], index[w])
    return result


def recursions(elf, objdump="llvm-objdump"):
    calls, tails = call_graph(elf, objdump)
    nodes = sorted(set(calls) | set(tails))

    def succ(f):
        return calls.get(f, set()) | tails.get(f, set())

    found = []
    for comp in components(nodes, succ):
        if any(g in comp for f in comp for g in calls.get(f, ())):
            found.append(comp)
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("elf")
    ap.add_argument("--objdump", default="llvm-objdump")
    args = ap.parse_args()
    allowed = [names for names, _ in ALLOWED]
    bad = [c for c in recursions(args.elf, args.objdump) if c not in allowed]
    for comp in bad:
        print("recursion not known to be bounded: " + " -> ".join(sorted(comp)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
