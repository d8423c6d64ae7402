"""check-impl: every declared syscall must have a sys_<name> in the kernel objects.

Run by the build before the kernel is linked, so that adding a syscall to the
YAML without implementing it fails with a message that says where the
definition is and where the code should go, instead of an undefined-symbol
error from the linker (or, worse, nothing).
"""

from elfsyms import ElfError, read_defined_globals


def missing_implementations(iface, object_paths):
    """Syscalls whose sys_<name> none of the objects defines, sorted by number.

    Raises elfsyms.ElfError (with the path prefixed) for an unreadable object.
    """
    defined = set()
    for path in object_paths:
        try:
            defined |= read_defined_globals(path)
        except ElfError as exc:
            raise ElfError(f"{path}: {exc}") from None
    return [call for call in iface.syscalls() if f"sys_{call.name}" not in defined]


def describe_missing(iface, call):
    family = next(f for f in iface.families if f.name == call.family)
    return (f"{call.where}: syscall '{call.name}' ({call.number:#x}) is declared but the "
            f"kernel does not implement sys_{call.name}(); define it in {family.impl_file}")
