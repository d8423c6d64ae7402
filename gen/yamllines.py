"""Load YAML so that every mapping and list remembers the line it came from.

Validation messages must point at `path:line`, but PyYAML's plain loaders throw
the positions away, and they silently keep the last of two duplicate keys (a
typo'd copy of `number:` would quietly renumber a syscall).  This loader keeps
the positions and reports duplicate keys instead of dropping them.
"""

import yaml


class LineMap(dict):
    """A YAML mapping: a dict that also knows its own line and each key's line."""

    def __init__(self, line):
        super().__init__()
        self.line = line
        self.key_lines = {}

    def line_of(self, key):
        """Line of `key` if present, else the mapping's own line."""
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A YAML sequence: a list that also knows its own line and each item's line."""

    def __init__(self, line):
        super().__init__()
        self.line = line
        self.item_lines = []


class YamlSyntaxError(Exception):
    """The file is not well-formed YAML; `line` is 1-based."""

    def __init__(self, line, message):
        super().__init__(message)
        self.line = line
        self.message = message


class _LineLoader(yaml.SafeLoader):
    """SafeLoader (no arbitrary Python objects) that builds LineMap/LineList.

    Problems that do not stop parsing (duplicate keys, non-string keys) are
    collected in `self.problems` as (line, message) so that all of them can be
    reported in one run.
    """

    def __init__(self, stream):
        super().__init__(stream)
        self.problems = []


def _line(node):
    return node.start_mark.line + 1


def _construct_map(loader, node):
    data = LineMap(_line(node))
    # Yield first so that recursive structures (anchors) resolve like PyYAML's own.
    yield data
    # Merge keys (`<<:`) are not flattened on purpose: they would hide where a
    # value came from, and the schema rejects `<<` as an unknown key.
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            loader.problems.append(
                (_line(key_node), f"mapping key {key!r} must be a string"))
            continue
        if key in data:
            loader.problems.append(
                (_line(key_node),
                 f"duplicate key '{key}' (first given on line {data.key_lines[key]})"))
            continue
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = _line(key_node)


def _construct_seq(loader, node):
    data = LineList(_line(node))
    yield data
    for child in node.value:
        data.append(loader.construct_object(child, deep=True))
        data.item_lines.append(_line(child))


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def load(text):
    """Parse `text`; return (data, problems).

    Raises YamlSyntaxError for malformed YAML (the one error that stops a file).
    """
    loader = _LineLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "malformed YAML"
        raise YamlSyntaxError(line, f"YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:  # e.g. a reader error on bad bytes
        raise YamlSyntaxError(1, f"YAML syntax error: {exc}") from None
    finally:
        loader.dispose()
    return data, loader.problems
