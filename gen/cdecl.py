"""C spellings of interface types: for the kernel, for user space, for tracing.

One place decides how each YAML type looks in C so that abi.h, the kernel
prototypes, the dispatcher and the user stubs can never disagree.
"""

import ifmodel as m

# Trace kinds, in the order of `enum syscall_arg_kind` in syscall_table.h.
TRACE_KINDS = ("SYSARG_INT", "SYSARG_UINT", "SYSARG_HEX", "SYSARG_SIZE", "SYSARG_USER_PTR",
               "SYSARG_HANDLE", "SYSARG_FD", "SYSARG_FLAGS", "SYSARG_ENUM")

KERNEL_PTR_TYPES = {"in": "user_in_ptr", "out": "user_out_ptr", "inout": "user_inout_ptr"}
# A pointer with a `len:` argument reaches the handler as one of these (pointer + length).
KERNEL_BUF_TYPES = {"in": "user_in_buf", "out": "user_out_buf", "inout": "user_inout_buf"}
# What a handler receives for a looked-up handle or fd (ifmodel.PASS_MODES).
KERNEL_LOOKUP_TYPES = {"object": "struct kobject *", "entry": "struct handle *"}


def c_hex(value, width=0):
    return f"0x{value:0{width}x}"


def struct_tag(name):
    return f"struct wren_{name}"


def scalar_info(type_name, iface):
    """(C type, size, alignment) of a scalar, flags/enum-free type name; None if unknown."""
    if type_name in m.INTEGERS:
        ctype, size, _ = m.INTEGERS[type_name]
        return ctype, size, size
    if type_name in m.HANDLE_TYPES:
        return m.HANDLE_TYPES[type_name], m.HANDLE_SIZE, m.HANDLE_SIZE
    struct = iface.structs.get(type_name)
    if struct is not None and struct.layout is not None:
        return struct_tag(type_name), struct.layout.size, struct.layout.align
    return None


def field_info(field, iface):
    """(C type, element size, alignment) of a struct field."""
    if field.type in ("flags", "enum"):
        value_set = iface.value_sets[field.ref]
        return scalar_info(value_set.type, iface)
    return scalar_info(field.type, iface)


def arg_int_ctype(arg, iface):
    """The C integer type a non-pointer argument is truncated to."""
    if arg.type in ("flags", "enum"):
        return m.INTEGERS[iface.value_sets[arg.ref].type][0]
    if arg.type in m.INTEGERS:
        return m.INTEGERS[arg.type][0]
    if arg.type in m.REGISTER_INTEGERS:
        return m.REGISTER_INTEGERS[arg.type][0]
    return m.HANDLE_TYPES[arg.type]


def looked_up(arg):
    """Does the dispatcher look this handle or fd up (rather than pass its number)?"""
    return arg.type in m.HANDLE_TYPES and arg.pass_ != "number"


def length_args(call):
    """Names of the arguments that are another argument's `len:`: they travel inside its user_*_buf."""
    return {arg.len for arg in call.args if arg.type == "ptr" and arg.len is not None}


def kernel_args(call):
    """The arguments sys_<name> has parameters for: all but the lengths of user buffers."""
    lengths = length_args(call)
    return [arg for arg in call.args if arg.name not in lengths]


def kernel_param(arg, iface):
    """`user_out_buf buf`, `struct kobject *ch`, `uint32_t prot` ... as sys_<name> receives it."""
    if arg.type == "ptr":
        kinds = KERNEL_BUF_TYPES if arg.len is not None else KERNEL_PTR_TYPES
        return f"{kinds[arg.dir]} {arg.name}"
    if looked_up(arg):
        return f"{KERNEL_LOOKUP_TYPES[arg.pass_]}{arg.name}"
    return f"{arg_int_ctype(arg, iface)} {arg.name}"


def pointee_ctype(arg):
    """What a user pointer points at, as user-space C sees it."""
    if arg.of == "u8":
        return "void"       # plain bytes: any buffer will do
    if arg.of in m.POINTEE_EXTRA:
        return m.POINTEE_EXTRA[arg.of]
    if arg.of in m.INTEGERS:
        return m.INTEGERS[arg.of][0]
    if arg.of in m.REGISTER_INTEGERS:
        return m.REGISTER_INTEGERS[arg.of][0]
    if arg.of in m.HANDLE_TYPES:
        return m.HANDLE_TYPES[arg.of]
    return struct_tag(arg.of)


def user_type(arg, iface):
    """The argument's type in user space's `wren_<name>()` declaration."""
    if arg.type == "ptr":
        const = "const " if arg.dir == "in" else ""
        return f"{const}{pointee_ctype(arg)} *"
    if arg.type == "uptr":
        return "void *"     # an address the caller names, e.g. munmap's
    return arg_int_ctype(arg, iface) + " "


def user_param(arg, iface):
    return f"{user_type(arg, iface)}{arg.name}"


def _params(call, fn, iface):
    if not call.args:
        return "void"
    return ", ".join(fn(arg, iface) for arg in call.args)


def kernel_proto(call, iface):
    args = kernel_args(call)
    params = ", ".join(kernel_param(arg, iface) for arg in args) if args else "void"
    if call.noreturn:
        return f"_Noreturn void sys_{call.name}({params})"
    return f"long sys_{call.name}({params})"


def user_proto(call, iface):
    if call.noreturn:
        return f"_Noreturn void wren_{call.name}({_params(call, user_param, iface)})"
    return f"long wren_{call.name}({_params(call, user_param, iface)})"


def dispatch_expr(arg, index, iface, call=None):
    """How the dispatcher turns raw register args[index] into the typed parameter.

    Narrow integers are truncated on purpose: AAPCS64 leaves the upper bits of
    a register holding a 32-bit argument undefined, so they carry no meaning.
    A looked-up handle is the local variable the lookup filled in.
    """
    if arg.type == "ptr":
        if arg.len is not None and call is not None:
            at = [a.name for a in call.args].index(arg.len)
            length = call.args[at]
            return (f"({KERNEL_BUF_TYPES[arg.dir]}){{ {{ args[{index}] }}, "
                    f"({arg_int_ctype(length, iface)})args[{at}] }}")
        return f"({KERNEL_PTR_TYPES[arg.dir]}){{ args[{index}] }}"
    if looked_up(arg):
        return arg.name if arg.pass_ == "object" else f"entry_{arg.name}"
    return f"({arg_int_ctype(arg, iface)})args[{index}]"


def shared_lookup(call, arg):
    """The earlier argument whose lookup `arg` may share when both name the same handle, or None.

    Two `pass: object` handles of one object type (a server's reply and receive
    channel, usually one handle): when the numbers are equal the first lookup's
    validity and type checks hold for the second too, and one reference serves
    both, which keeps reply_receive as cheap as one lookup.
    """
    if arg.type != "handle" or arg.pass_ != "object" or arg.nullable or arg.object in (None, "any"):
        return None
    for other in call.args:
        if other is arg:
            return None
        if other.type == "handle" and other.pass_ == "object" and other.object == arg.object:
            return other
    return None


def lookup_lines(arg, index, iface, call=None):
    """The dispatcher's lookup of handle or fd args[index]: C statements, one a line.

    Checks only, no reference yet, so a later argument's failure has nothing to
    undo: validity, then type, then rights, each with the error the interface
    lists for it (ifcheck._lookup_errors decides which must be listed).
    """
    ctype = arg_int_ctype(arg, iface)
    entry = f"entry_{arg.name}"
    fd = arg.type == "fd"
    mask = " | ".join(f"WREN_RIGHT_{name.upper()}" for name, _ in arg.rights)
    rights = [f"if (~{entry}->rights & ({mask}))",
              f"\treturn -E_{'BADF' if fd else 'ACCES'}; /* {arg.name} lacks a right */"] if arg.rights else []
    checks = [f"{entry} = handle_entry(handles, ({ctype})args[{index}]);",
              f"if (!{entry})",
              f"\treturn -E_{'BADF' if fd else 'BADHANDLE'}; /* {arg.name} is not open */"]
    if not fd and arg.object not in (None, "any"):
        checks += [f"if ({entry}->obj->type != WREN_OBJECT_{arg.object.upper()})",
                   f"\treturn -E_WRONGTYPE; /* {arg.name} is not a {arg.object} */"]
    checks += rights
    shared = shared_lookup(call, arg) if call is not None else None
    if shared is not None:
        other = f"entry_{shared.name}"
        at = call.args.index(shared)
        return ([f"struct handle *{entry} = {other};",
                 f"if (!{other} || ({ctype})args[{index}] != ({ctype})args[{at}]) {{"] +
                ["\t" + line for line in checks] +
                ["} else {", f"\t/* {arg.name} is the handle {shared.name} is: checked already but for its rights */"] +
                ["\t" + line for line in rights] + ["}"]) if rights else \
               ([f"struct handle *{entry} = {other};",
                 f"if (!{other} || ({ctype})args[{index}] != ({ctype})args[{at}]) {{"] +
                ["\t" + line for line in checks] + ["}"])
    if arg.nullable:
        return ([f"struct handle *{entry} = 0;", f"if (({ctype})args[{index}] != -1) {{"] +
                ["\t" + line for line in checks] + ["}"])
    return [f"struct handle *{checks[0]}"] + checks[1:]


def trace_kind(arg):
    if arg.type == "ptr":
        return "SYSARG_USER_PTR"
    if arg.type == "handle":
        return "SYSARG_HANDLE"
    if arg.type == "fd":
        return "SYSARG_FD"
    if arg.type == "flags":
        return "SYSARG_FLAGS"
    if arg.type == "enum":
        return "SYSARG_ENUM"
    if arg.type == "uptr":
        return "SYSARG_HEX"
    if arg.type == "usize":
        return "SYSARG_SIZE"
    return "SYSARG_INT" if m.INTEGERS[arg.type][2] else "SYSARG_UINT"


def load_x8(number):
    """Instructions that put a syscall number in x8.

    `mov` takes any 16-bit immediate; larger numbers are built 16 bits at a time.
    """
    if number <= 0xFFFF:
        return [f"mov x8, #{c_hex(number)}"]
    lines = [f"movz x8, #{c_hex(number & 0xFFFF)}"]
    shift = 16
    while number >> shift:
        part = (number >> shift) & 0xFFFF
        if part:
            lines.append(f"movk x8, #{c_hex(part)}, lsl #{shift}")
        shift += 16
    return lines
