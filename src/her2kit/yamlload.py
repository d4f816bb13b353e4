"""Reading YAML (knowledge base, gene data, mappings, case files): PyYAML's safe loader, in C when it can.

PyYAML's C parser (libyaml, bundled in its wheels) builds the same Python objects as the pure-Python one
with the same safe constructor and resolver, about ten times faster: loading the knowledge base went from
0.86 s to 0.08 s. ``tests/test_yaml_loader.py`` checks both give equal data for every bundled file.

PyYAML keeps the last of a key given twice in one mapping and raises a bare ``ValueError`` for an impossible
unquoted date (``2026-02-30``); her2kit's loader refuses both with a :class:`yaml.YAMLError` that says where
(:class:`DuplicateKey`, :class:`BadDate`), since which value was meant is unknown. A key a merge (``<<``)
brings in may still be overridden, as YAML intends. Numbers and booleans are read only as JSON writes them:
YAML 1.1's octal, hexadecimal, base-60 and yes/no/on/off forms are refused (:class:`Yaml11Number`).
"""

from __future__ import annotations

import re
from typing import IO, Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE = "tag:yaml.org,2002:merge"


class YamlValueError(ConstructorError):
    """A value the loader refuses; ``path`` names it within the document (``her2_tests.0.score``)."""

    def __init__(self, problem: str, node: Node, path: str) -> None:
        super().__init__(None, None, problem, node.start_mark)
        self.path = path
        self.line = node.start_mark.line + 1


class DuplicateKey(YamlValueError):
    """A key given twice in one mapping (``key``: its text)."""

    def __init__(self, key: str, node: Node, path: str) -> None:
        super().__init__(f"the key {key!r} is given twice", node, path)
        self.key = key


class BadDate(YamlValueError):
    """An unquoted date that is not a date of the calendar (``text``: as written)."""

    def __init__(self, text: str, node: Node, path: str) -> None:
        super().__init__(f"{text} is not a date of the calendar", node, path)
        self.text = text


def _path_to(root: Node | None, target: Node) -> str:
    """The dotted path of ``target`` within the document (an empty string at the root); error path only."""
    stack: list[tuple[Node, list[str]]] = [] if root is None else [(root, [])]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if node is target:
            return ".".join(path)
        if id(node) in seen:  # (anchors and aliases share nodes)
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for key, value in node.value:
                name = str(key.value) if isinstance(key, ScalarNode) else "?"
                if key is target:
                    return ".".join([*path, name])
                stack.append((value, [*path, name]))
        elif isinstance(node, SequenceNode):
            stack.extend((item, [*path, str(index)]) for index, item in enumerate(node.value))
    return ""


class Yaml11Number(YamlValueError):
    """A plain scalar YAML 1.1 reads as a number or boolean in a form YAML 1.2 and JSON do not (``012`` as octal
    10, ``0x10``, ``0b11``, ``1:10`` as 70, ``yes``/``no``/``on``/``off``): refused, since the writer rarely means
    it (``percent_cells: 012`` would be 10). ``boolean``: it would have been read as true or false."""

    def __init__(self, text: str, kind: str, node: Node, path: str, *, boolean: bool = False) -> None:
        super().__init__(f"{text} would be read as a YAML 1.1 {kind}", node, path)
        self.text = text
        self.kind = kind
        self.boolean = boolean


_DECIMAL_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_PLAIN_FLOAT = re.compile(
    r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
_BOOLEANS = frozenset({"true", "True", "TRUE", "false", "False", "FALSE"})


class SafeLoader(_Base):  # type: ignore[valid-type,misc]
    """The safe loader (C parser when available) refusing a key given twice, an impossible date and YAML 1.1 number
    and boolean forms."""

    _root: Node | None = None

    def construct_document(self, node: Node) -> Any:
        self._root = node
        return super().construct_document(node)

    def construct_mapping(self, node: Node, deep: bool = False) -> Any:
        if isinstance(node, MappingNode):
            seen: set[Any] = set()
            for key_node, _ in node.value:
                if key_node.tag == _MERGE or not isinstance(key_node, ScalarNode):
                    continue
                key = self.construct_object(key_node, deep=deep)
                try:
                    if key in seen:
                        raise DuplicateKey(str(key_node.value), key_node, _path_to(self._root, key_node))
                    seen.add(key)
                except TypeError:  # (an unhashable key: the base constructor names it)
                    pass
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            raise BadDate(str(node.value), node, _path_to(self._root, node)) from None

    # Numbers and booleans only as JSON writes them (and YAML 1.2's core schema reads them).
    def construct_yaml_int(self, node: ScalarNode) -> Any:
        if not _DECIMAL_INT.fullmatch(str(node.value)):
            self._refuse(node, "integer (octal, hexadecimal, binary, base 60 or with a leading zero)")
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node: ScalarNode) -> Any:
        if not _PLAIN_FLOAT.fullmatch(str(node.value)):
            self._refuse(node, "number (base 60 or with underscores)")
        return super().construct_yaml_float(node)

    def construct_yaml_bool(self, node: ScalarNode) -> Any:
        if str(node.value) not in _BOOLEANS:
            self._refuse(node, "true/false (yes, no, on, off)", boolean=True)
        return super().construct_yaml_bool(node)

    def _refuse(self, node: ScalarNode, kind: str, *, boolean: bool = False) -> None:
        raise Yaml11Number(str(node.value), kind, node, _path_to(self._root, node), boolean=boolean)


SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", SafeLoader.construct_yaml_timestamp)
SafeLoader.add_constructor("tag:yaml.org,2002:int", SafeLoader.construct_yaml_int)
SafeLoader.add_constructor("tag:yaml.org,2002:float", SafeLoader.construct_yaml_float)
SafeLoader.add_constructor("tag:yaml.org,2002:bool", SafeLoader.construct_yaml_bool)


def safe_load(source: str | bytes | IO[str]) -> Any:
    """``yaml.safe_load`` with the C parser when PyYAML has it, refusing a duplicate key, an impossible date and
    YAML 1.1 number and boolean forms (:class:`Yaml11Number`)."""
    return yaml.load(source, Loader=SafeLoader)
