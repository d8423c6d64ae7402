#!/usr/bin/env python3
"""wrengen: validate Wren's interface YAML and generate code and docs from it.

    wrengen.py generate --interface interface --out build/gen
    wrengen.py check-impl --interface interface build/kernel/sys/*.o

Both subcommands validate first.  Problems are printed as `path:line: message`,
one per line, and the exit status is 1; no Python traceback is shown for
anything wrong with the inputs.  See docs/interface.md.
"""

import argparse
import os
import sys

# Make the sibling modules importable however this script is started.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from diagnostics import InterfaceError  # noqa: E402

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad command line or unreadable input that is not interface YAML."""


def _parser():
    parser = argparse.ArgumentParser(
        prog="wrengen.py",
        description="Validate the Wren interface YAML and generate from it.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    gen = sub.add_parser("generate", help="write abi.h, the syscall table, stubs and docs")
    gen.add_argument("--interface", required=True, metavar="DIR",
                     help="the interface directory (errors.yaml, syscalls/ ...)")
    gen.add_argument("--out", required=True, metavar="DIR",
                     help="output directory (created if needed)")

    chk = sub.add_parser("check-impl",
                         help="fail unless the objects define every sys_<name>")
    chk.add_argument("--interface", required=True, metavar="DIR",
                     help="the interface directory")
    chk.add_argument("--stamp", metavar="FILE",
                     help="write this file on success (an output for build tools)")
    chk.add_argument("objects", nargs="+", metavar="OBJECT",
                     help="AArch64 ELF64 relocatable objects (.o)")
    return parser


def _read(iface_dir):
    # Imported here so that `--help` works even without jinja2/yaml installed.
    from iface import read_interface
    if not os.path.isdir(iface_dir):
        raise UsageError(f"interface directory '{iface_dir}' does not exist")
    return read_interface(iface_dir)


def _usage_error(message):
    print(f"wrengen: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def cmd_generate(args):
    import emit
    iface, files = _read(args.interface)
    emit.generate(iface, files, args.out)
    return EXIT_OK


def cmd_check_impl(args):
    import checkimpl
    from elfsyms import ElfError
    iface, _ = _read(args.interface)
    try:
        missing = checkimpl.missing_implementations(iface, args.objects)
    except ElfError as exc:
        raise UsageError(str(exc)) from None
    for call in missing:
        print(checkimpl.describe_missing(iface, call), file=sys.stderr)
    if missing:
        return EXIT_INVALID
    if args.stamp:
        with open(args.stamp, "w", encoding="utf-8") as handle:
            handle.write(f"{len(iface.syscalls())} syscalls implemented\n")
    return EXIT_OK


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        if args.command == "generate":
            return cmd_generate(args)
        return cmd_check_impl(args)
    except InterfaceError as exc:
        for line in exc.diagnostics.lines():
            print(line, file=sys.stderr)
        return EXIT_INVALID
    except UsageError as exc:
        return _usage_error(str(exc))
    except OSError as exc:   # e.g. the output directory is not writable
        return _usage_error(f"{exc.filename or ''}: {exc.strerror}".lstrip(": "))
    except Exception as exc:  # a bug in wrengen, not in the inputs
        if os.environ.get("WRENGEN_DEBUG"):
            raise
        print(f"wrengen: internal error: {type(exc).__name__}: {exc} "
              f"(set WRENGEN_DEBUG=1 for a traceback)", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
