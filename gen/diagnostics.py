"""Collect validation errors as `path:line: message`.

Validation keeps going after a problem so that one run reports everything it
can; the caller decides at the end whether anything was wrong.
"""


class Where:
    """A position in an interface file, printed as `path:line`."""

    __slots__ = ("path", "line")

    def __init__(self, path, line):
        self.path = path
        self.line = line

    def __str__(self):
        return f"{self.path}:{self.line}"


class Diagnostics:
    """An ordered bag of errors, each tied to a Where."""

    def __init__(self):
        self._items = []

    def error(self, where, message):
        self._items.append((where, message))

    def __bool__(self):
        return bool(self._items)

    def __len__(self):
        return len(self._items)

    def lines(self):
        """Errors as text, grouped per file and ordered by line within it.

        Files keep the order in which they were first mentioned, so the output
        is deterministic and follows the order the inputs were read in.
        """
        file_rank = {}
        for where, _ in self._items:
            file_rank.setdefault(where.path, len(file_rank))
        ordered = sorted(
            enumerate(self._items),
            key=lambda item: (file_rank[item[1][0].path], item[1][0].line, item[0]))
        return [f"{where}: {message}" for _, (where, message) in ordered]


class InterfaceError(Exception):
    """Raised when validation found problems; carries the Diagnostics."""

    def __init__(self, diagnostics):
        super().__init__(f"{len(diagnostics)} interface error(s)")
        self.diagnostics = diagnostics
