"""The validated interface as plain Python objects.

ifload.py builds these from the YAML; the emitters only ever see this model,
never raw YAML.  Every object keeps `where` (a diagnostics.Where) so later
checks and check-impl can point back at its definition.
"""

from dataclasses import dataclass, field
from typing import List, Optional

# Fixed-width integers usable everywhere: name -> (C type, size in bytes, signed).
INTEGERS = {
    "u8": ("uint8_t", 1, False),
    "u16": ("uint16_t", 2, False),
    "u32": ("uint32_t", 4, False),
    "u64": ("uint64_t", 8, False),
    "i8": ("int8_t", 1, True),
    "i16": ("int16_t", 2, True),
    "i32": ("int32_t", 4, True),
    "i64": ("int64_t", 8, True),
}

# Register-sized integers, only for syscall arguments: their C types follow the
# data model, so they are kept out of structs (whose layout must be fixed).
REGISTER_INTEGERS = {
    "usize": ("size_t", 8, False),   # a byte or element count
    "uptr": ("uintptr_t", 8, False),  # a user address the kernel never dereferences
}

# Small integers naming kernel-side objects; both are 32-bit signed, -1 = none.
HANDLE_TYPES = {
    "handle": "wren_handle_t",
    "fd": "wren_fd_t",
}

# What a pointer may point to besides integers, handles and structs: text.
POINTEE_EXTRA = {"char": "char"}

ARG_TYPES = sorted(INTEGERS) + sorted(REGISTER_INTEGERS) + sorted(HANDLE_TYPES) + [
    "flags", "enum", "ptr"]
RETURN_TYPES = ("i64", "noreturn")
# What sys_<name> receives for a handle or fd argument (docs/interface.md, "Handle arguments"):
#  object - the dispatcher looks the handle up, checks type and rights and passes the object
#           with a reference it drops after the handler returns (the default);
#  entry  - the same checks, then the caller's handle-table entry itself, no reference taken;
#  number - the raw number, for calls whose handle work is their whole job (close).
PASS_MODES = ("object", "entry", "number")
POINTER_DIRS = ("in", "out", "inout")
# Widths a flags or enum set may have.
VALUE_SET_TYPES = ("u8", "u16", "u32", "u64")

# The syscall numbers are 32 bits wide: x8 is loaded with movz/movk.
MAX_SYSCALL_NUMBER = 0xFFFFFFFF
MAX_ARGS = 6
# ABI-wide sizes.
HANDLE_SIZE = 4


@dataclass
class ErrorCode:
    name: str
    value: int
    doc: str
    where: object


@dataclass
class Member:
    """One value of an enum, or one bit of a flags set (value = 1 << bit)."""
    name: str
    value: int
    doc: str
    where: object
    bit: Optional[int] = None
    # Message types only (ipc.yaml `kernel_only: true`): only the kernel sends it; a send from user space is E_INVAL.
    kernel_only: bool = False


@dataclass
class ValueSet:
    """A named enum (`kind == 'enum'`) or flags set (`kind == 'flags'`).

    Message types, event types and object types are enums too, defined in
    their own files; rights are a flags set.  C names are WREN_<SET>_<MEMBER>.
    """
    kind: str
    name: str
    type: str
    doc: str
    members: List[Member]
    where: object
    file: str  # interface-relative file that defines it

    @property
    def c_prefix(self):
        return f"WREN_{self.name.upper()}_"

    @property
    def mask(self):
        result = 0
        for member in self.members:
            result |= member.value
        return result


@dataclass
class Field:
    """A struct field; `type` is an integer, handle, fd, flags, enum or struct name."""
    name: str
    type: str
    doc: str
    where: object
    count: Optional[int] = None   # array length, None for a single value
    ref: Optional[str] = None     # flags/enum set name for type flags/enum


@dataclass
class Struct:
    name: str
    doc: str
    fields: List[Field]
    where: object
    file: str
    size: Optional[int] = None    # required total size, if the YAML fixes one
    layout: object = None         # structlayout.Layout, filled in after checks


@dataclass
class Right:
    name: str
    bit: int
    doc: str
    where: object


@dataclass
class ObjectType:
    name: str
    value: int
    doc: str
    rights: List[str]
    where: object


@dataclass
class Scheme:
    name: str
    doc: str
    ops: List[str]
    where: object


@dataclass
class SchemeOp:
    """One operation of the scheme server protocol (scheme_protocol.yaml)."""
    name: str
    value: int
    doc: str
    errors: List["SyscallError"]
    where: object


@dataclass
class Arg:
    name: str
    type: str
    doc: str
    where: object
    # ptr
    dir: Optional[str] = None
    user: Optional[bool] = None
    of: str = "u8"
    len: Optional[str] = None
    count: Optional[int] = None
    nullable: bool = False
    # handle / fd
    object: Optional[str] = None
    rights: List[str] = field(default_factory=list)
    # What the handler receives (PASS_MODES): the looked-up object, the checked entry, or the number.
    pass_: str = "object"
    # flags / enum
    ref: Optional[str] = None
    # positions of individual keys, for cross-reference errors
    key_where: dict = field(default_factory=dict)

    def at(self, key):
        return self.key_where.get(key, self.where)


@dataclass
class SyscallError:
    name: str
    reason: str
    where: object


@dataclass
class Syscall:
    name: str
    number: int
    summary: str
    doc: str
    blocking: bool
    args: List[Arg]
    returns: str
    returns_doc: Optional[str]
    errors: List[SyscallError]
    see_also: List[tuple]      # (name, Where)
    family: str
    where: object
    number_where: object = None
    # May the kernel make it again after a signal whose handler has WREN_SIGACTION_RESTART?
    restartable: bool = False

    @property
    def noreturn(self):
        return self.returns == "noreturn"

    @property
    def upper(self):
        return self.name.upper()


@dataclass
class Retired:
    number: int
    name: str
    doc: str
    where: object


@dataclass
class Family:
    name: str
    block: int
    title: str
    doc: str
    retired: List[Retired]
    syscalls: List[Syscall]
    where: object
    file: str
    path: str        # as shown in messages, e.g. interface/syscalls/proc.yaml

    @property
    def impl_file(self):
        """Where the kernel implements this family (the style guide's rule)."""
        return f"kernel/sys/sys_{self.name}.c"


@dataclass
class Interface:
    version: str
    files: List[str]                 # interface-relative paths, sorted
    paths: dict = field(default_factory=dict)        # relative path -> path in messages
    errors: List[ErrorCode] = field(default_factory=list)
    retired_errors: List[Retired] = field(default_factory=list)
    value_sets: dict = field(default_factory=dict)   # name -> ValueSet (enums + flags)
    structs: dict = field(default_factory=dict)      # name -> Struct, in definition order
    rights: List[Right] = field(default_factory=list)
    objects: List[ObjectType] = field(default_factory=list)
    schemes: List[Scheme] = field(default_factory=list)
    families: List[Family] = field(default_factory=list)
    ipc_doc: str = ""
    payload_size: int = 0
    events_doc: str = ""
    rights_doc: str = ""
    schemes_doc: str = ""
    scheme_protocol_doc: str = ""
    scheme_ops: List[SchemeOp] = field(default_factory=list)

    def syscalls(self):
        """All syscalls, sorted by number."""
        calls = [call for family in self.families for call in family.syscalls]
        # (A number is None only in a model that failed validation.)
        return sorted(calls, key=lambda call: (call.number is None, call.number or 0))

    def syscall(self, name):
        for call in self.syscalls():
            if call.name == name:
                return call
        return None

    def enums(self, kind):
        return [s for s in self.value_sets.values() if s.kind == kind]
