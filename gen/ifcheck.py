"""Checks that need the whole interface: every cross-reference and every number.

ifload.py has already checked each file's shape.  Here: syscall numbers and
names are unique across families and inside their family's block, retired
numbers stay unused, argument types, lengths, rights, objects, flag sets and
errors all name things that exist, and every struct can be laid out.
"""

import difflib

import ifmodel as m
import structlayout
from diagnostics import Where


def _hint(name, choices):
    match = difflib.get_close_matches(str(name), list(choices), n=1)
    return f" (did you mean '{match[0]}'?)" if match else ""


class Checker:
    def __init__(self, iface, diag):
        self.iface = iface
        self.diag = diag
        self.error_names = {e.name for e in iface.errors}
        self.right_names = {r.name for r in iface.rights}
        self.objects = {o.name: o for o in iface.objects}

    def run(self):
        self.errors_file()
        self.structs()
        self.objects_rights()
        self.families()
        self.numbers_and_names()
        for family in self.iface.families:
            for call in family.syscalls:
                self.syscall(call)
        self.schemes()
        self.scheme_ops()

    # -- whole-file rules --------------------------------------------------

    def errors_file(self):
        # The generated dispatcher answers unknown numbers with -E_NOSYS.
        if "NOSYS" not in self.error_names:
            self.diag.error(Where(self.iface.paths["errors.yaml"], 1),
                            "errors.yaml must define NOSYS: the generated dispatcher returns "
                            "it for unknown syscall numbers")

    def structs(self):
        """Resolve field types in definition order, then lay each struct out.

        A struct may only use structs defined before it, which rules out cycles.
        """
        for struct in self.iface.structs.values():
            ok = True
            for field in struct.fields:
                ok &= self._field_type(struct, field)
            if not ok:
                continue
            layout, problem = structlayout.lay_out(struct, self.iface)
            if problem:
                self.diag.error(struct.where, problem)
            struct.layout = layout

    def _field_type(self, struct, field):
        what = f"field '{field.name}' of struct '{struct.name}'"
        if field.type in ("flags", "enum"):
            return self._set_ref(what, field.ref, field.type, field.where)
        if field.type in m.INTEGERS or field.type in m.HANDLE_TYPES:
            return True
        if field.type in m.REGISTER_INTEGERS:
            self.diag.error(field.where, f"{what} has type {field.type}, whose size depends "
                                         f"on the C data model; structs use fixed-width "
                                         f"types such as u64")
            return False
        other = self.iface.structs.get(field.type)
        if other is not None:
            order = list(self.iface.structs)
            if order.index(other.name) >= order.index(struct.name):
                self.diag.error(field.where, f"{what} uses struct '{field.type}' before it "
                                             f"is defined")
                return False
            # An earlier struct that failed to lay out was reported already.
            return other.layout is not None
        known = list(m.INTEGERS) + list(m.HANDLE_TYPES) + ["flags", "enum"] + \
            list(self.iface.structs)
        self.diag.error(field.where,
                        f"{what} has unknown type '{field.type}'{_hint(field.type, known)}")
        return False

    def _set_ref(self, what, ref, kind, where):
        """A flags/enum reference must name a set of that kind."""
        if ref is None:
            return False   # missing `flags:`/`enum:` was reported by the loader
        value_set = self.iface.value_sets.get(ref)
        if value_set is None:
            names = [s.name for s in self.iface.value_sets.values() if s.kind == kind]
            self.diag.error(where, f"{what} names unknown {kind} set '{ref}'{_hint(ref, names)}")
            return False
        if value_set.kind != kind:
            self.diag.error(where, f"{what} names '{ref}', which is "
                                   f"{'an' if value_set.kind == 'enum' else 'a'} "
                                   f"{value_set.kind} set, not {'an' if kind == 'enum' else 'a'} "
                                   f"{kind} set")
            return False
        return True

    def objects_rights(self):
        for obj in self.iface.objects:
            for right, where in obj.rights:
                if right not in self.right_names:
                    self.diag.error(where, f"object type '{obj.name}' lists unknown right "
                                           f"'{right}'{_hint(right, self.right_names)}")

    # -- numbers -----------------------------------------------------------

    def families(self):
        blocks = {}
        for family in self.iface.families:
            if family.block is None:
                continue
            first = blocks.setdefault(family.block, family)
            if first is not family:
                self.diag.error(Where(family.path, family.where.line),
                                f"block {family.block:#x} of family '{family.name}' is "
                                f"already used by family '{first.name}' ({first.path})")
            seen = {}
            for retired in family.retired:
                if not self._in_block(family, retired.number):
                    self.diag.error(retired.where,
                                    f"retired number {retired.number:#x} is outside block "
                                    f"{self._block_text(family)} of family '{family.name}'")
                earlier = seen.setdefault(retired.number, retired)
                if earlier is not retired:
                    self.diag.error(retired.where, f"retired number {retired.number:#x} is "
                                                   f"listed twice (first at {earlier.where})")

    @staticmethod
    def _in_block(family, number):
        return family.block <= number <= family.block + 0xFF

    @staticmethod
    def _block_text(family):
        return f"{family.block:#x}-{family.block + 0xFF:#x}"

    def numbers_and_names(self):
        numbers, names = {}, {}
        retired = {r.number: r for f in self.iface.families for r in f.retired}
        for family in self.iface.families:
            for call in family.syscalls:
                first = names.setdefault(call.name, call)
                if first is not call:
                    self.diag.error(call.where, f"syscall name '{call.name}' is already used "
                                                f"({first.where})")
                if call.number is not None:
                    self._number(family, call, numbers, retired)

    def _number(self, family, call, numbers, retired):
        where = call.number_where
        if family.block is not None and not self._in_block(family, call.number):
            self.diag.error(where, f"syscall '{call.name}' number {call.number:#x} is "
                                   f"outside block {self._block_text(family)} of "
                                   f"family '{family.name}'")
        if call.number in retired:
            old = retired[call.number]
            self.diag.error(where, f"syscall '{call.name}' reuses number "
                                   f"{call.number:#x}, retired from '{old.name}' "
                                   f"({old.where}); retired numbers stay reserved")
        first = numbers.setdefault(call.number, call)
        if first is not call:
            self.diag.error(where, f"syscall '{call.name}' number {call.number:#x} "
                                   f"is already used by syscall '{first.name}' "
                                   f"({first.number_where})")

    # -- one syscall ---------------------------------------------------------

    def syscall(self, call):
        what = f"syscall '{call.name}'"
        args = {arg.name: arg for arg in call.args}
        for arg in call.args:
            awhat = f"argument '{arg.name}' of {what}"
            if arg.type == "ptr":
                self._pointer(call, arg, awhat, args)
            elif arg.type == "handle":
                self._handle(arg, awhat)
            elif arg.type == "fd":
                self._rights(arg, awhat, None)
            elif arg.type in ("flags", "enum"):
                self._set_ref(awhat, arg.ref, arg.type, arg.at(arg.type))

        listed = {e.name for e in call.errors}
        for error in call.errors:
            if error.name not in self.error_names:
                self.diag.error(error.where, f"{what} lists unknown error '{error.name}' "
                                             f"(not in errors.yaml)"
                                             f"{_hint(error.name, self.error_names)}")
        if call.noreturn and call.errors:
            self.diag.error(call.errors[0].where,
                            f"{what} is noreturn and so cannot list errors")
        self._implied_errors(call, what, listed)

        for name, where in call.see_also:
            if name == call.name or self.iface.syscall(name) is None:
                self.diag.error(where, f"{what} refers to unknown syscall '{name}' in "
                                       f"'see_also'")

    def _implied_errors(self, call, what, listed):
        """Errors the generated code or every implementation can return must be listed.

        The dispatcher itself returns INVAL for unknown flag bits and enum
        values; any user pointer can be bad, giving FAULT.
        """
        if call.noreturn:
            return
        for arg in call.args:
            if arg.type in ("flags", "enum") and "INVAL" not in listed:
                why = "has unknown bits" if arg.type == "flags" else "is not a known value"
                self.diag.error(call.where, f"{what} must list error INVAL: the generated "
                                            f"dispatcher returns it when '{arg.name}' {why}")
                listed = listed | {"INVAL"}
            if arg.type == "ptr" and "FAULT" not in listed:
                self.diag.error(call.where, f"{what} must list error FAULT: '{arg.name}' is a "
                                            f"user pointer")
                listed = listed | {"FAULT"}
            for code, why in _lookup_errors(arg):
                if code not in listed:
                    self.diag.error(call.where, f"{what} must list error {code}: the generated "
                                                f"dispatcher returns it when '{arg.name}' {why}")
                    listed = listed | {code}
        self._restartable(call, what, listed)

    def _restartable(self, call, what, listed):
        """Only a call that can be interrupted can be made again after the signal."""
        if not call.restartable:
            return
        if not call.blocking:
            self.diag.error(call.where, f"{what} is restartable but not blocking: only a call "
                                        f"that waits can be interrupted by a signal")
        elif "INTR" not in listed:
            self.diag.error(call.where, f"{what} is restartable, so it must list error INTR "
                                        f"(what it returns when the handler does not restart it)")

    def _pointer(self, call, arg, what, args):
        pointee_ok = (arg.of in m.INTEGERS or arg.of in m.REGISTER_INTEGERS
                      or arg.of in m.HANDLE_TYPES or arg.of in m.POINTEE_EXTRA
                      or arg.of in self.iface.structs)
        if not pointee_ok:
            known = list(m.INTEGERS) + ["usize", "char", "handle", "fd"] + \
                list(self.iface.structs)
            self.diag.error(arg.at("of"), f"{what} points to unknown type "
                                          f"'{arg.of}'{_hint(arg.of, known)}")
        if not pointee_ok:
            return   # its length rules depend on what it points to
        if arg.len is not None:
            target = args.get(arg.len) if isinstance(arg.len, str) else None
            if target is None or target is arg:
                self.diag.error(arg.at("len"), f"'len' of {what} names '{arg.len}', which is "
                                               f"not another argument of '{call.name}'")
            elif not (target.type in ("u8", "u16", "u32", "u64", "usize")):
                self.diag.error(arg.at("len"), f"'len' of {what} names '{arg.len}', which has "
                                               f"type {target.type}, not an unsigned integer "
                                               f"type")
        elif arg.count is None:
            if arg.of in self.iface.structs:
                arg.count = 1   # a pointer to one struct needs no length
            elif "count" not in arg.key_where:
                self.diag.error(arg.where, f"pointer {what} needs 'len: <argument>' naming its "
                                           f"length argument, or 'count: <n>'")

    def _handle(self, arg, what):
        if arg.nullable and arg.pass_ != "object":
            self.diag.error(arg.at("nullable"), f"{what} is nullable, which needs 'pass: object' "
                                                f"(-1 reaches the handler as NULL), not "
                                                f"'pass: {arg.pass_}'")
        if arg.object is None:
            return
        if arg.object != "any" and arg.object not in self.objects:
            names = list(self.objects) + ["any"]
            self.diag.error(arg.at("object"), f"{what} names unknown object type "
                                              f"'{arg.object}'{_hint(arg.object, names)}")
            return
        self._rights(arg, what, self.objects.get(arg.object))

    def _rights(self, arg, what, obj):
        for right, where in arg.rights:
            if right not in self.right_names:
                self.diag.error(where, f"{what} requires unknown right "
                                       f"'{right}'{_hint(right, self.right_names)}")
            elif obj is not None and right not in [r for r, _ in obj.rights]:
                have = ", ".join(r for r, _ in obj.rights) or "none"
                self.diag.error(where, f"{what} requires right '{right}', which objects of "
                                       f"type '{obj.name}' never have (rights.yaml gives "
                                       f"them: {have})")

    def schemes(self):
        for scheme in self.iface.schemes:
            for op, where in scheme.ops:
                if self.iface.syscall(op) is None:
                    self.diag.error(where, f"scheme '{scheme.name}' lists operation '{op}', "
                                           f"which is not a syscall")


    def scheme_ops(self):
        for op in self.iface.scheme_ops:
            for error in op.errors:
                if error.name not in self.error_names:
                    self.diag.error(error.where, f"scheme operation '{op.name}' lists unknown error "
                                                 f"'{error.name}'{_hint(error.name, self.error_names)}")


def _lookup_errors(arg):
    """(error, when) for each check the dispatcher makes on a handle or fd it looks up.

    A descriptor that is not open, or lacks the right, is E_BADF (POSIX); a
    handle gives E_BADHANDLE, E_WRONGTYPE and E_ACCES apart.
    """
    if arg.type not in ("handle", "fd") or arg.pass_ == "number":
        return []
    if arg.type == "fd":
        return [("BADF", "is not an open descriptor" +
                 (" or lacks a right it needs" if arg.rights else ""))]
    codes = [("BADHANDLE", "is not an open handle")]
    if arg.object not in (None, "any"):
        codes.append(("WRONGTYPE", f"is not a {arg.object}"))
    if arg.rights:
        codes.append(("ACCES", "lacks a right it needs"))
    return codes


def check(iface, diag):
    Checker(iface, diag).run()
