"""Turn the interface's YAML files into an ifmodel.Interface.

This module checks each file on its own: the keys each node may have, value
types, identifier spelling, and uniqueness inside one file.  Anything that
needs two files at once (a syscall naming an error, numbers shared across
families) is left to ifcheck.py, which runs on the finished model.
"""

import difflib
import os

import ifmodel as m
from diagnostics import Where
from mapreader import MapReader, describe, identifier_problem, label
from yamllines import LineList, YamlSyntaxError, load

# Enum/flags set names and struct names that come from files other than
# types.yaml; types.yaml may not redefine them.
MSG_SET, EVENT_SET, OBJECT_SET, RIGHT_SET = "msg", "event", "object", "right"
MSG_HEADER_STRUCT, MSG_STRUCT, EVENT_STRUCT = "msg_header", "msg", "event"
SCHEME_OP_SET, SCHEME_REQUEST_STRUCT, SCHEME_REPLY_STRUCT = "scheme_op", "scheme_request", "scheme_reply"

# Keys that only make sense for some argument types.
_ARG_TYPE_KEYS = {
    "dir": ("ptr",), "user": ("ptr",), "of": ("ptr",), "len": ("ptr",),
    "count": ("ptr",), "nullable": ("ptr", "handle"),
    "object": ("handle",), "rights": ("handle", "fd"), "pass": ("handle", "fd"),
    "flags": ("flags",), "enum": ("enum",),
}


def parse_files(files, diag):
    """Parse every file's YAML; returns {rel: data} (None data for broken files)."""
    trees = {}
    for item in files:
        try:
            data, problems = load(item.text)
        except YamlSyntaxError as exc:
            diag.error(Where(item.path, exc.line), exc.message)
            trees[item.rel] = None
            continue
        for line, message in problems:
            diag.error(Where(item.path, line), message)
        if data is None:
            diag.error(Where(item.path, 1), "file is empty")
        trees[item.rel] = data
    return trees


class Loader:
    """Builds the model file by file; problems go to `diag`."""

    def __init__(self, diag, iface):
        self.diag = diag
        self.iface = iface

    # -- helpers ---------------------------------------------------------

    def _top(self, item, data, required, optional=()):
        return MapReader(self.diag, item.path, data, item.rel, 1, required, optional)

    def _unique(self, things, attr, kind, scope=""):
        """Report any two of `things` sharing `attr` (e.g. two errors named BADF).

        `kind` and `scope` name the things in messages: "argument", " of syscall 'read'".
        """
        seen = {}
        for thing in things:
            value = getattr(thing, attr)
            if value is None:
                continue
            first = seen.setdefault(value, thing)
            if first is thing:
                continue
            if attr == "name":
                self.diag.error(thing.where, f"{kind} '{value}'{scope} is defined twice "
                                             f"(first at {first.where})")
            else:
                self.diag.error(thing.where,
                                f"{kind} '{thing.name}'{scope} has {attr} {value}, already "
                                f"used by '{first.name}' ({first.where})")

    def _add_set(self, value_set):
        existing = self.iface.value_sets.get(value_set.name)
        if existing is not None:
            self.diag.error(value_set.where,
                            f"{value_set.kind} set '{value_set.name}' is already defined "
                            f"({existing.where})")
            return
        self.iface.value_sets[value_set.name] = value_set

    def _add_struct(self, struct):
        existing = self.iface.structs.get(struct.name)
        if existing is not None:
            self.diag.error(struct.where,
                            f"struct '{struct.name}' is already defined ({existing.where})")
            return
        self.iface.structs[struct.name] = struct

    # -- shared node kinds ------------------------------------------------

    def _members(self, item, reader, key, kind, set_label, width, optional=()):
        """The values of an enum (kind 'enum') or bits of a flags set ('flags').

        `optional`: extra keys this set's members may have ("kernel_only", for
        message types); anywhere else such a key is an unknown key."""
        members = []
        bits = m.INTEGERS[width][1] * 8
        for node, line in reader.items(key):
            number_key = "bit" if kind == "flags" else "value"
            what = label(number_key, node) + f" of {set_label}"
            r = MapReader(self.diag, item.path, node, what, line,
                          required=("name", number_key, "doc"), optional=optional)
            name = r.name()
            if kind == "flags":
                number = r.integer("bit", 0, bits - 1)
                value = None if number is None else 1 << number
            else:
                number = r.integer("value", 0, (1 << bits) - 1)
                value = number
            doc = r.text("doc")
            kernel_only = bool(r.boolean("kernel_only")) if "kernel_only" in optional else False
            if name == "all" and kind == "flags":
                self.diag.error(r.where("name"),
                                f"{what} may not be called 'all': WREN_..._ALL is the "
                                f"generated mask of every bit")
                name = None
            if name is not None and value is not None and doc is not None:
                members.append(m.Member(name, value, doc, r.where(),
                                        bit=number if kind == "flags" else None,
                                        kernel_only=kernel_only))
        number_key = "bit" if kind == "flags" else "value"
        self._unique(members, "name", number_key, f" of {set_label}")
        self._unique(members, number_key, number_key, f" of {set_label}")
        return members

    def _value_set(self, item, node, line, kind):
        """A flags or enum set from types.yaml."""
        members_key = "bits" if kind == "flags" else "values"
        what = label(f"{kind} set", node)
        r = MapReader(self.diag, item.path, node, what, line,
                      required=("name", "doc", "type", members_key))
        name = r.name()
        doc = r.text("doc")
        width = r.raw("type")
        if r.has("type") and width not in m.VALUE_SET_TYPES:
            self.diag.error(r.where("type"),
                            f"'type' of {what} must be one of "
                            f"{', '.join(m.VALUE_SET_TYPES)}, not {width!r}")
            width = None
        members = self._members(item, r, members_key, kind, what, width or "u64")
        if name and doc and width:
            self._add_set(m.ValueSet(kind, name, width, doc, members, r.where(), item.rel))

    def _fixed_enum(self, item, reader, key, name, doc, what, optional=()):
        """An enum whose name is fixed by the file (message, event, object types)."""
        members = self._members(item, reader, key, "enum", what, "u32", optional)
        self._add_set(m.ValueSet("enum", name, "u32", doc or name, members,
                                 reader.where(key), item.rel))

    def _struct(self, item, node, line, fixed_name=None):
        what = f"struct '{fixed_name}'" if fixed_name else label("struct", node)
        required = ("doc", "fields") if fixed_name else ("name", "doc", "fields")
        r = MapReader(self.diag, item.path, node, what, line, required, ("size",))
        name = fixed_name or r.name()
        doc = r.text("doc")
        size = r.integer("size", 1, 1 << 16)
        fields = []
        for fnode, fline in r.items("fields"):
            field = self._field(item, fnode, fline, what)
            if field is not None:
                fields.append(field)
        if r.has("fields") and isinstance(r.raw("fields"), LineList) and not r.raw("fields"):
            self.diag.error(r.where("fields"), f"{what} has no fields")
        self._unique(fields, "name", "field", f" of {what}")
        if name and doc is not None:
            struct = m.Struct(name, doc, fields, r.where(), item.rel, size)
            self._add_struct(struct)
            return struct
        return None

    def _field(self, item, node, line, struct_label):
        what = label("field", node) + f" of {struct_label}"
        r = MapReader(self.diag, item.path, node, what, line,
                      required=("name", "type", "doc"), optional=("count", "flags", "enum"))
        name = r.name()
        ftype = r.raw("type")
        doc = r.text("doc")
        count = r.integer("count", 1, 1 << 16)
        if r.has("type") and not isinstance(ftype, str):
            self.diag.error(r.where("type"), f"'type' of {what} must be a string, "
                                             f"not {describe(ftype)}")
            ftype = None
        ref = self._set_ref(r, what, ftype)
        if name and ftype and doc:
            return m.Field(name, ftype, doc, r.where(), count, ref)
        return None

    def _set_ref(self, r, what, vtype):
        """The `flags:`/`enum:` key that ties a value to its set; checks it matches `type`."""
        ref = None
        for key in ("flags", "enum"):
            if r.has(key):
                if vtype != key:
                    self.diag.error(r.where(key),
                                    f"{what} has '{key}:' but its type is not {key}")
                else:
                    ref = r.name(key)
            elif vtype == key:
                self.diag.error(r.where("type"),
                                f"{what} has type {key} but no '{key}:' naming its {key} set")
        return ref

    # -- files -------------------------------------------------------------

    def errors(self, item, data):
        r = self._top(item, data, ("doc", "errors"))
        for node, line in r.items("errors"):
            er = MapReader(self.diag, item.path, node, label("error", node), line,
                           required=("name", "value", "doc"))
            name = er.name(style="upper")
            # Errors are returned as -value in x0; keeping them below 4096 leaves
            # every other negative or positive x0 free for real results.
            value = er.integer("value", 1, 4095)
            doc = er.text("doc", one_line=True)
            if name:
                # Kept even with a bad value or doc so syscalls naming it do not
                # get a second, misleading "unknown error".
                self.iface.errors.append(m.ErrorCode(name, value, doc, er.where()))
        self._unique(self.iface.errors, "name", "error")
        self._unique(self.iface.errors, "value", "error")

    def types(self, item, data):
        r = self._top(item, data, ("doc",), ("flags", "enums", "structs"))
        for node, line in r.items("flags"):
            self._value_set(item, node, line, "flags")
        for node, line in r.items("enums"):
            self._value_set(item, node, line, "enum")
        for node, line in r.items("structs"):
            self._struct(item, node, line)

    def rights(self, item, data):
        r = self._top(item, data, ("doc", "rights", "objects"))
        self.iface.rights_doc = r.text("doc") or ""
        for node, line in r.items("rights"):
            rr = MapReader(self.diag, item.path, node, label("right", node), line,
                           required=("name", "bit", "doc"))
            name, bit, doc = rr.name(), rr.integer("bit", 0, 31), rr.text("doc")
            if name and bit is not None and doc:
                self.iface.rights.append(m.Right(name, bit, doc, rr.where()))
        self._unique(self.iface.rights, "name", "right")
        self._unique(self.iface.rights, "bit", "right")
        members = [m.Member(x.name, 1 << x.bit, x.doc, x.where, x.bit) for x in self.iface.rights]
        self._add_set(m.ValueSet("flags", RIGHT_SET, "u32", self.iface.rights_doc, members,
                                 r.where("rights"), item.rel))

        for node, line in r.items("objects"):
            what = label("object type", node)
            orr = MapReader(self.diag, item.path, node, what, line,
                            required=("name", "value", "doc", "rights"))
            name, value, doc = orr.name(), orr.integer("value", 1, 0xFFFF), orr.text("doc")
            rights = orr.names("rights", "right")
            if name and value and doc:
                self.iface.objects.append(
                    m.ObjectType(name, value, doc, rights, orr.where()))
        self._unique(self.iface.objects, "name", "object type")
        self._unique(self.iface.objects, "value", "object type")
        members = [m.Member(o.name, o.value, o.doc, o.where) for o in self.iface.objects]
        self._add_set(m.ValueSet("enum", OBJECT_SET, "u32", "Kernel object types.", members,
                                 r.where("objects"), item.rel))

    def ipc(self, item, data):
        r = self._top(item, data, ("doc", "payload_size", "header", "types"))
        self.iface.ipc_doc = r.text("doc") or ""
        payload = r.integer("payload_size", 8, 4096)
        if payload is not None and payload % 8:
            self.diag.error(r.where("payload_size"),
                            f"payload_size {payload} must be a multiple of 8")
            payload = None
        self.iface.payload_size = payload or 0
        header = None
        if r.has("header"):
            header = self._struct(item, r.raw("header"), r.where("header").line,
                                  fixed_name=MSG_HEADER_STRUCT)
        # `kernel_only: true` marks a type only the kernel sends (close): the
        # generated msg_type_user_may_send() lets the kernel refuse it from user space.
        self._fixed_enum(item, r, "types", MSG_SET, "IPC message types.", "message types",
                         optional=("kernel_only",))
        if header is not None:
            # The whole message is the header followed by the inline payload;
            # it is defined here so that pointers can say `of: msg`.  (With a
            # bad payload_size, reported above, a stand-in size avoids follow-on
            # errors about `msg`.)
            fields = [
                m.Field("header", MSG_HEADER_STRUCT, "Message header.", header.where),
                m.Field("payload", "u8", "Inline payload; `header.length` bytes are used.",
                        r.where("payload_size"), count=payload or 8),
            ]
            self._add_struct(m.Struct(MSG_STRUCT, "A complete IPC message: header and "
                                      "inline payload.", fields, header.where, item.rel))

    def events(self, item, data):
        r = self._top(item, data, ("doc", "record", "types"))
        self.iface.events_doc = r.text("doc") or ""
        if r.has("record"):
            self._struct(item, r.raw("record"), r.where("record").line, fixed_name=EVENT_STRUCT)
        self._fixed_enum(item, r, "types", EVENT_SET, "Event types.", "event types")

    def schemes(self, item, data):
        r = self._top(item, data, ("doc", "schemes"))
        self.iface.schemes_doc = r.text("doc") or ""
        for node, line in r.items("schemes"):
            sr = MapReader(self.diag, item.path, node, label("scheme", node), line,
                           required=("name", "doc", "ops"))
            name, doc = sr.name(), sr.text("doc")
            ops = sr.names("ops", "syscall")
            if name and doc:
                self.iface.schemes.append(m.Scheme(name, doc, ops, sr.where()))
        self._unique(self.iface.schemes, "name", "scheme")

    def scheme_protocol(self, item, data):
        """The scheme server protocol: its operations (an enum) and the request and reply records."""
        r = self._top(item, data, ("doc", "request", "reply", "ops"))
        self.iface.scheme_protocol_doc = r.text("doc") or ""
        ops = []
        for node, line in r.items("ops"):
            what = label("operation", node)
            orr = MapReader(self.diag, item.path, node, what, line,
                            required=("name", "value", "doc", "errors"))
            name, value, doc = orr.name(), orr.integer("value", 1, 0xFFFF), orr.text("doc")
            errors = []
            for enode, eline in orr.items("errors"):
                er = MapReader(self.diag, item.path, enode, label("error", enode) + f" of {what}",
                               eline, required=("name", "reason"))
                ename, reason = er.name(style="upper"), er.text("reason")
                if ename and reason:
                    errors.append(m.SyscallError(ename, reason, er.where()))
            self._unique(errors, "name", "error", f" of {what}")
            if name and value and doc:
                ops.append(m.SchemeOp(name, value, doc, errors, orr.where()))
        self._unique(ops, "name", "operation")
        self._unique(ops, "value", "operation")
        self.iface.scheme_ops = ops
        members = [m.Member(o.name, o.value, o.doc, o.where) for o in ops]
        self._add_set(m.ValueSet("enum", SCHEME_OP_SET, "u32", "Operations of the scheme server protocol.",
                                 members, r.where("ops"), item.rel))
        # The records name the op enum, so they come after it.
        for key, struct_name in (("request", SCHEME_REQUEST_STRUCT), ("reply", SCHEME_REPLY_STRUCT)):
            if r.has(key):
                self._struct(item, r.raw(key), r.where(key).line, fixed_name=struct_name)

    # -- syscall families -------------------------------------------------

    def family(self, item, data):
        stem = os.path.splitext(os.path.basename(item.rel))[0]
        r = self._top(item, data, ("block", "title", "doc", "syscalls"), ("retired",))
        problem = identifier_problem(stem, "snake")
        if problem:
            self.diag.error(Where(item.path, 1),
                            f"family file name '{stem}' {problem}")
            return
        block = r.integer("block", 0x100, m.MAX_SYSCALL_NUMBER & ~0xFF)
        if block is not None and block % 0x100:
            self.diag.error(r.where("block"),
                            f"block {block:#x} of family '{stem}' must be a multiple of 0x100")
            block = None
        title = r.text("title", one_line=True)
        doc = r.text("doc")
        retired = []
        for node, line in r.items("retired"):
            rr = MapReader(self.diag, item.path, node, label("retired syscall", node), line,
                           required=("number", "name", "doc"))
            number, rname, rdoc = rr.integer("number", 0, m.MAX_SYSCALL_NUMBER), rr.name(), \
                rr.text("doc")
            if number is not None and rname and rdoc:
                retired.append(m.Retired(number, rname, rdoc, rr.where("number")))
        calls = []
        for node, line in r.items("syscalls"):
            call = self.syscall(item, node, line, stem)
            if call is not None:
                calls.append(call)
        self.iface.families.append(m.Family(stem, block, title or stem, doc or "", retired,
                                            calls, r.where(), item.rel, item.path))

    def syscall(self, item, node, line, family):
        what = label("syscall", node)
        r = MapReader(self.diag, item.path, node, what, line,
                      required=("name", "number", "summary", "doc", "blocking", "returns",
                                "errors"),
                      optional=("args", "see_also", "restartable"))
        name = r.name()
        number = r.integer("number", 0, m.MAX_SYSCALL_NUMBER)
        summary = r.text("summary", one_line=True)
        doc = r.text("doc")
        blocking = r.boolean("blocking")
        restartable = bool(r.boolean("restartable")) if r.has("restartable") else False
        returns, returns_doc = self._returns(item, r, what)

        args = []
        for anode, aline in r.items("args"):
            arg = self.arg(item, anode, aline, what)
            if arg is not None:
                args.append(arg)
        if len(r.items("args")) > m.MAX_ARGS:
            self.diag.error(r.where("args"),
                            f"{what} has {len(r.items('args'))} arguments; at most "
                            f"{m.MAX_ARGS} fit in registers x0-x5")
        self._unique(args, "name", "argument", f" of {what}")

        errors = []
        for enode, eline in r.items("errors"):
            er = MapReader(self.diag, item.path, enode, label("error", enode) + f" of {what}",
                           eline, required=("name", "reason"))
            ename, reason = er.name(style="upper"), er.text("reason")
            if ename and reason:
                errors.append(m.SyscallError(ename, reason, er.where()))
        seen = {}
        for error in errors:
            first = seen.setdefault(error.name, error)
            if first is not error:
                self.diag.error(error.where, f"{what} lists error {error.name} twice "
                                             f"(first on line {first.where.line})")

        see_also = r.names("see_also", "syscall")
        if name is None:
            return None
        # Kept even when other keys are broken (those were reported) so that
        # references to it from see_also, schemes and other files still resolve.
        return m.Syscall(name, number, summary, doc, blocking, args, returns, returns_doc,
                         errors, see_also, family, r.where(), r.where("number"), restartable)

    def _returns(self, item, r, what):
        node = r.mapping("returns")
        if node is None:
            return None, None
        rr = MapReader(self.diag, item.path, node, f"'returns' of {what}", node.line,
                       required=("type",), optional=("doc",))
        rtype = rr.raw("type")
        if rr.has("type") and rtype not in m.RETURN_TYPES:
            self.diag.error(rr.where("type"),
                            f"return type of {what} must be i64 or noreturn, not {rtype!r}")
            return None, None
        doc = rr.text("doc")
        if rtype == "i64" and not rr.has("doc"):
            self.diag.error(rr.where(), f"'returns' of {what} needs a 'doc' saying what "
                                        f"the value means")
            return None, None
        return rtype, doc

    def arg(self, item, node, line, call_label):
        what = label("argument", node) + f" of {call_label}"
        r = MapReader(self.diag, item.path, node, what, line,
                      required=("name", "type", "doc"), optional=tuple(_ARG_TYPE_KEYS))
        name, doc = r.name(), r.text("doc")
        atype = r.raw("type")
        if r.has("type") and atype not in m.ARG_TYPES:
            hint = difflib.get_close_matches(str(atype), m.ARG_TYPES, n=1)
            more = f" (did you mean '{hint[0]}'?)" if hint else ""
            self.diag.error(r.where("type"), f"{what} has unknown type '{atype}'{more}")
            atype = None
        if atype is None:
            return None
        for key, types in _ARG_TYPE_KEYS.items():
            if r.has(key) and atype not in types:
                self.diag.error(r.where(key),
                                f"{what} has key '{key}', which only applies to "
                                f"{' and '.join(types)} arguments")
        arg = m.Arg(name, atype, doc, r.where())
        arg.key_where = {key: r.where(key) for key in node} if isinstance(node, dict) else {}
        if atype == "ptr":
            self._pointer(r, what, arg)
        elif atype == "handle":
            arg.object = r.name("object") if r.has("object") else None
            if not r.has("object"):
                self.diag.error(r.where(), f"handle {what} needs 'object:' naming its object "
                                           f"type (or 'any')")
            if not r.has("rights"):
                self.diag.error(r.where(), f"handle {what} needs 'rights:' listing the rights "
                                           f"it requires (may be [])")
            arg.rights = r.names("rights", "right")
            arg.nullable = bool(r.boolean("nullable")) if r.has("nullable") else False
            self._pass(r, what, arg)
        elif atype == "fd":
            arg.rights = r.names("rights", "right")
            self._pass(r, what, arg)
        elif atype in ("flags", "enum"):
            arg.ref = self._set_ref(r, what, atype)
        # Kept without a doc (reported) so that `len:` references still resolve.
        return arg if name is not None else None

    def _pass(self, r, what, arg):
        """`pass:`, what the handler receives for a handle or fd (ifmodel.PASS_MODES)."""
        if not r.has("pass"):
            return
        mode = r.raw("pass")
        if mode not in m.PASS_MODES:
            self.diag.error(r.where("pass"), f"'pass' of {what} must be object, entry or number, "
                                             f"not {mode!r}")
            return
        arg.pass_ = mode

    def _pointer(self, r, what, arg):
        """Pointer keys: direction, user-ness, element type and length."""
        arg.dir = r.raw("dir")
        if not r.has("dir"):
            self.diag.error(r.where(), f"pointer {what} needs 'dir: in|out|inout'")
        elif arg.dir not in m.POINTER_DIRS:
            self.diag.error(r.where("dir"),
                            f"'dir' of {what} must be in, out or inout, not {arg.dir!r}")
        if r.raw("user") is not True:
            self.diag.error(r.where("user") if r.has("user") else r.where(),
                            f"pointer {what} must have 'user: true' (syscall pointers "
                            f"always point into user memory)")
        arg.user = True
        if r.has("of"):
            arg.of = r.raw("of")
            if not isinstance(arg.of, str):
                self.diag.error(r.where("of"),
                                f"'of' of {what} must be a type name, not {describe(arg.of)}")
                arg.of = "u8"
        if r.has("len"):
            arg.len = r.raw("len")
        arg.count = r.integer("count", 1, 1 << 16)
        arg.nullable = bool(r.boolean("nullable")) if r.has("nullable") else False
        if r.has("len") and r.has("count"):
            self.diag.error(r.where("count"), f"{what} has both 'len' and 'count'; give one")


def load_interface(files, diag, version):
    """Build the model from already-read files.  Returns None if parsing failed."""
    trees = parse_files(files, diag)
    if diag:
        # Broken YAML would make every later check report nonsense.
        return None
    iface = m.Interface(version=version, files=sorted(f.rel for f in files))
    loader = Loader(diag, iface)
    by_rel = {f.rel: f for f in files}
    for rel, handler in (("errors.yaml", loader.errors), ("types.yaml", loader.types),
                         ("rights.yaml", loader.rights), ("ipc.yaml", loader.ipc),
                         ("events.yaml", loader.events), ("schemes.yaml", loader.schemes)):
        handler(by_rel[rel], trees[rel])
    if "scheme_protocol.yaml" in by_rel and trees["scheme_protocol.yaml"] is not None:
        loader.scheme_protocol(by_rel["scheme_protocol.yaml"], trees["scheme_protocol.yaml"])
    for item in files:
        if item.rel.startswith("syscalls/"):
            loader.family(item, trees[item.rel])
    return iface
