"""Shape the model into what the templates print.

Templates stay close to the text they produce; anything that needs a decision
(C spellings, wrapped comments, table cells, the prose in docs/syscalls.md)
is computed here.
"""

import re
import textwrap

import cdecl
import ifmodel as m


# -- text helpers, also installed as Jinja filters ---------------------------

def one_line(text):
    """Collapse a doc paragraph to one line."""
    return " ".join(str(text).split())


def c_safe(text):
    """Text that can sit inside a /* */ comment."""
    return one_line(text).replace("*/", "* /")


def c_block(text, indent="", width=78):
    """A doc paragraph as the inside lines of a /* */ block (` * ...`)."""
    lines = []
    for paragraph in re.split(r"\n\s*\n", str(text).strip()):
        if lines:
            lines.append(f"{indent} *")
        wrapped = textwrap.wrap(c_safe(paragraph), width - len(indent) - 3,
                                break_long_words=False, break_on_hyphens=False)
        lines.extend(f"{indent} * {line}" for line in wrapped)
    return "\n".join(lines)


def md_cell(text):
    """Text for one Markdown table cell: one line, pipes escaped."""
    return one_line(text).replace("|", "\\|")


def md_paragraphs(text):
    """Doc text with paragraph breaks kept and lines inside a paragraph joined."""
    return "\n\n".join(one_line(p) for p in re.split(r"\n\s*\n", str(text).strip()))


def md_link(name):
    """A link to a syscall's section in docs/syscalls.md."""
    return f"[{name}](#{name})"


FILTERS = {
    "md_link": md_link,
    "one_line": one_line,
    "c_safe": c_safe,
    "c_block": c_block,
    "md_cell": md_cell,
    "md": md_paragraphs,
    "hex": cdecl.c_hex,
}


# -- syscalls ----------------------------------------------------------------

def _arg_shape(arg):
    """Plain-English description of what an argument is, for the docs table."""
    if arg.type == "ptr":
        pointee = cdecl.pointee_ctype(arg)
        unit = "bytes" if pointee == "void" else f"`{pointee}` elements"
        if arg.len is not None:
            size = f"`{arg.len}` {unit}"
        elif arg.count == 1 and pointee != "void":
            size = f"one `{pointee}`"
        else:
            size = f"{arg.count} {unit}"
        text = f"User pointer ({arg.dir}) to {size}."
        if arg.nullable:
            text += " May be NULL."
        return text
    if arg.type == "handle":
        what = "any object" if arg.object == "any" else f"a `{arg.object}` object"
        return f"Handle to {what}."
    if arg.type == "fd":
        return "File descriptor."
    if arg.type == "flags":
        return f"Bitwise OR of `WREN_{arg.ref.upper()}_*`; other bits are rejected."
    if arg.type == "enum":
        return f"One of `WREN_{arg.ref.upper()}_*`."
    return ""


def _rights_needed(arg):
    names = " and ".join(f"`WREN_RIGHT_{name.upper()}`" for name, _ in arg.rights)
    return names


def syscall_view(call, iface, family):
    args = []
    for index, arg in enumerate(call.args):
        args.append({
            "name": arg.name,
            "index": index,
            "kernel": cdecl.kernel_param(arg, iface),
            "user_type": cdecl.user_type(arg, iface).strip(),
            "dispatch": cdecl.dispatch_expr(arg, index, iface, call),
            # Pointers to anything wider than a byte must be aligned for it: the kernel copies whole values.
            "align_type": (cdecl.pointee_ctype(arg) if arg.type == "ptr" and
                           cdecl.pointee_ctype(arg) not in ("void", "char") else None),
            "c_int": None if arg.type == "ptr" else cdecl.arg_int_ctype(arg, iface),
            "trace_kind": cdecl.trace_kind(arg),
            "shape": _arg_shape(arg),
            "doc": arg.doc,
            "rights": _rights_needed(arg),
            "flags": arg.ref if arg.type == "flags" else None,
            "enum": arg.ref if arg.type == "enum" else None,
        })
    lookups = [(arg, index) for index, arg in enumerate(call.args) if cdecl.looked_up(arg)]
    by_name = {a["name"]: a for a in args}
    return {
        "name": call.name,
        "upper": call.upper,
        "restartable": call.restartable,
        # What the dispatcher passes sys_<name>, in order (user-buffer lengths ride inside their buffer).
        "params": [by_name[arg.name] for arg in cdecl.kernel_args(call)],
        # Lookups of handle and fd arguments: the checks, then the objects given a reference for the call.
        "lookup_lines": [line for arg, index in lookups for line in cdecl.lookup_lines(arg, index, iface, call)],
        "refs": [{"name": arg.name, "nullable": arg.nullable,
                  "shares": getattr(cdecl.shared_lookup(call, arg), "name", None)}
                 for arg, _ in lookups if arg.pass_ == "object"],
        "number": call.number,
        "hex": cdecl.c_hex(call.number, 3),
        "summary": call.summary,
        "doc": call.doc,
        "blocking": call.blocking,
        "noreturn": call.noreturn,
        "returns_doc": call.returns_doc,
        "errors": call.errors,
        "see_also": [name for name, _ in call.see_also],
        "args": args,
        "kernel_proto": cdecl.kernel_proto(call, iface),
        "user_proto": cdecl.user_proto(call, iface),
        "load_x8": cdecl.load_x8(call.number),
        "family": family,
    }


def family_view(family, iface):
    calls = sorted(family.syscalls, key=lambda c: c.number)
    return {
        "name": family.name,
        "title": family.title,
        "doc": family.doc,
        "block": family.block,
        "block_text": f"{cdecl.c_hex(family.block, 3)}-{cdecl.c_hex(family.block + 0xFF, 3)}",
        "label": f"interface/{family.file}",
        "impl": family.impl_file,
        "retired": sorted(family.retired, key=lambda r: r.number),
        "syscalls": [syscall_view(call, iface, family) for call in calls],
    }


# -- everything else ---------------------------------------------------------

def value_set_view(value_set):
    width = int(value_set.type[1:]) // 4
    return {
        "kind": value_set.kind,
        "name": value_set.name,
        "type": value_set.type,
        "ctype": m.INTEGERS[value_set.type][0],
        "doc": value_set.doc,
        "prefix": value_set.c_prefix,
        "members": [{"macro": value_set.c_prefix + mem.name.upper(), "name": mem.name,
                     "value": mem.value, "bit": mem.bit, "doc": mem.doc,
                     "kernel_only": mem.kernel_only,
                     "hex": cdecl.c_hex(mem.value, width if value_set.kind == "flags" else 0)}
                    for mem in value_set.members],
        "mask": cdecl.c_hex(value_set.mask, width),
        "file": value_set.file,
    }


def struct_view(struct):
    return {
        "name": struct.name,
        "tag": cdecl.struct_tag(struct.name),
        "doc": struct.doc,
        "size": struct.layout.size,
        "align": struct.layout.align,
        "slots": struct.layout.slots,
        "file": struct.file,
    }


def context(iface, files):
    """Everything every template may use."""
    families = sorted(iface.families, key=lambda f: f.block)
    sets = list(iface.value_sets.values())
    return {
        "version": iface.version,
        "sources": [f.label for f in files],
        "families": [family_view(f, iface) for f in families],
        "syscalls": [syscall_view(c, iface, f) for f in families
                     for c in sorted(f.syscalls, key=lambda c: c.number)],
        "errors": sorted(iface.errors, key=lambda e: e.value),
        "flag_sets": [value_set_view(s) for s in sets if s.kind == "flags"],
        "enum_sets": [value_set_view(s) for s in sets if s.kind == "enum"],
        # Enums the dispatcher must check, i.e. those some argument uses.
        "checked_enums": [value_set_view(iface.value_sets[name]) for name in
                          sorted({a.ref for c in iface.syscalls() for a in c.args
                                  if a.type == "enum"})],
        "sets": {s.name: value_set_view(s) for s in sets},
        "structs": [struct_view(s) for s in iface.structs.values()],
        "struct_map": {s.name: struct_view(s) for s in iface.structs.values()},
        "rights": sorted(iface.rights, key=lambda r: r.bit),
        "objects": sorted(iface.objects, key=lambda o: o.value),
        "schemes": iface.schemes,
        "payload_size": iface.payload_size,
        "ipc_doc": iface.ipc_doc,
        "events_doc": iface.events_doc,
        "rights_doc": iface.rights_doc,
        "schemes_doc": iface.schemes_doc,
        "scheme_protocol_doc": iface.scheme_protocol_doc,
        "scheme_ops": sorted(iface.scheme_ops, key=lambda o: o.value),
        "trace_kinds": cdecl.TRACE_KINDS,
    }
