"""Read one YAML mapping against the keys the schema allows for it.

Every interface node (a syscall, an argument, an error code ...) is a mapping
with a fixed set of required and optional keys.  MapReader checks that set up
front (unknown keys such as a misspelt `blockng:` are errors, with a
suggestion) and then hands out typed values, reporting a wrong type at the
key's line and returning None so the caller can carry on validating.
"""

import difflib
import re

from diagnostics import Where
from yamllines import LineList, LineMap

# Words that cannot name a C parameter or struct field.
C_KEYWORDS = frozenset("""
    auto break case char const continue default do double else enum extern float
    for goto if inline int long register restrict return short signed sizeof
    static struct switch typedef union unsigned void volatile while _Alignas
    _Alignof _Atomic _Bool _Complex _Generic _Imaginary _Noreturn _Static_assert
    _Thread_local bool true false asm
""".split())

_SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
_UPPER = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")
MAX_NAME = 32


def identifier_problem(name, style):
    """Why `name` is not a valid identifier of `style` ('snake' or 'upper'), or None."""
    if not isinstance(name, str):
        return f"must be a string, not {describe(name)}"
    if style == "snake" and not _SNAKE.match(name):
        return "must be lower_snake_case (a-z, 0-9, single underscores, starting with a letter)"
    if style == "upper" and not _UPPER.match(name):
        return "must be UPPER_SNAKE_CASE (A-Z, 0-9, single underscores, starting with a letter)"
    if len(name) > MAX_NAME:
        return f"is longer than {MAX_NAME} characters"
    if name in C_KEYWORDS:
        return "is a C keyword"
    return None


def describe(value):
    """A short English name for the YAML type of `value`, for error messages."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


def label(kind, node, name_key="name"):
    """`syscall 'read'` if the node carries a usable name, else just `syscall`."""
    if isinstance(node, dict):
        name = node.get(name_key)
        if isinstance(name, (str, int)) and not isinstance(name, bool):
            return f"{kind} '{name}'" if isinstance(name, str) else f"{kind} {name:#x}"
    return kind


class MapReader:
    """Typed, checked access to one mapping.

    `what` names the node in messages ("syscall 'read'"); `line` is used when
    the node is not a mapping at all (and so has no line of its own).
    """

    def __init__(self, diag, path, node, what, line, required=(), optional=()):
        self.diag = diag
        self.path = path
        self.what = what
        self.node = node
        self.allowed = tuple(required) + tuple(optional)
        self.ok = isinstance(node, LineMap)
        if not self.ok:
            self.node = LineMap(line)
            diag.error(Where(path, line), f"{what} must be a mapping, not {describe(node)}")
            return
        suggested = set()
        for key in node:
            if key not in self.allowed:
                hint = difflib.get_close_matches(key, self.allowed, n=1)
                more = f" (did you mean '{hint[0]}'?)" if hint else ""
                suggested.update(hint)
                diag.error(self.where(key), f"{what} has unknown key '{key}'{more}")
        for key in required:
            # A misspelt key was reported above with its fix; "missing" would be noise.
            if key not in node and key not in suggested:
                diag.error(self.where(), f"{what} is missing required key '{key}'")

    # -- positions ---------------------------------------------------------

    def where(self, key=None):
        line = self.node.line if key is None else self.node.line_of(key)
        return Where(self.path, line)

    def has(self, key):
        return key in self.node

    def _get(self, key):
        assert key in self.allowed, f"schema bug: '{key}' not declared for {self.what}"
        return self.node.get(key)

    def _wrong(self, key, expected):
        value = self.node[key]
        self.diag.error(self.where(key),
                        f"'{key}' of {self.what} must be {expected}, not {describe(value)}")

    # -- typed values ------------------------------------------------------

    def raw(self, key):
        return self._get(key)

    def name(self, key="name", style="snake"):
        value = self._get(key)
        if value is None and key not in self.node:
            return None
        problem = identifier_problem(value, style)
        if problem:
            shown = f"'{value}'" if isinstance(value, str) else repr(value)
            if key == "name" and shown in self.what:
                # "syscall 'DebugWrite'" -> "syscall name 'DebugWrite' must be ..."
                subject = self.what.replace(shown, f"name {shown}", 1)
            else:
                subject = f"'{key}' {shown} of {self.what}"
            self.diag.error(self.where(key), f"{subject} {problem}")
            return None
        return value

    def text(self, key, one_line=False):
        value = self._get(key)
        if key not in self.node:
            return None
        if not isinstance(value, str):
            self._wrong(key, "a string")
            return None
        value = value.strip()
        if not value:
            self.diag.error(self.where(key), f"'{key}' of {self.what} is empty")
            return None
        if one_line and "\n" in value:
            self.diag.error(self.where(key), f"'{key}' of {self.what} must be a single line")
            return None
        return value

    def integer(self, key, minimum=None, maximum=None):
        value = self._get(key)
        if key not in self.node:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            self._wrong(key, "an integer")
            return None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            self.diag.error(self.where(key),
                            f"'{key}' of {self.what} is {value}; it must be between "
                            f"{minimum} and {maximum}")
            return None
        return value

    def boolean(self, key):
        value = self._get(key)
        if key not in self.node:
            return None
        if not isinstance(value, bool):
            self._wrong(key, "true or false")
            return None
        return value

    def mapping(self, key):
        """The raw nested mapping (for a nested MapReader), or None."""
        value = self._get(key)
        if key not in self.node:
            return None
        if not isinstance(value, LineMap):
            self._wrong(key, "a mapping")
            return None
        return value

    def items(self, key):
        """List items as (value, line) pairs; [] when absent or not a list."""
        value = self._get(key)
        if key not in self.node:
            return []
        if not isinstance(value, LineList):
            self._wrong(key, "a list")
            return []
        return list(zip(value, value.item_lines))

    def names(self, key, kind):
        """A list of identifier references, e.g. `rights: [read, write]`.

        Returns (name, Where) pairs for the well-formed items only.
        """
        result = []
        for value, line in self.items(key):
            if not isinstance(value, str):
                self.diag.error(Where(self.path, line),
                                f"'{key}' of {self.what} must list {kind} names, "
                                f"not {describe(value)}")
                continue
            result.append((value, Where(self.path, line)))
        return result
