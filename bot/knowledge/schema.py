"""A small declarative schema that checks YAML *nodes*, not loaded values.

Working on `yaml.compose` nodes instead of `yaml.safe_load` output is what lets every error carry a file,
line and column, lets us see duplicate keys (which `safe_load` silently drops), and lets us catch `yes`/`no`
turning into booleans before they reach a moderator's answer as "True".
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import yaml

from bot.knowledge.model import Where

STR_TAG = "tag:yaml.org,2002:str"
BOOL_TAG = "tag:yaml.org,2002:bool"
NULL_TAG = "tag:yaml.org,2002:null"
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
SCALAR_TAGS_READ_AS_TEXT = {STR_TAG, "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
URL_PATTERN = re.compile(r"^https?://\S+$")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a knowledge file, worded for a moderator who is not a programmer."""

    where: Where
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge cannot be used; `problems` says every reason, each with file and line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class Invalid:
    """Marks a value that failed validation; its problem has already been recorded."""

    def __repr__(self) -> str:
        return "INVALID"


INVALID = Invalid()


class Record(dict[str, Any]):
    """A validated mapping that remembers where it and each of its fields stand in the file."""

    def __init__(self, where: Where) -> None:
        super().__init__()
        self.where = where
        self.field_where: dict[str, Where] = {}

    def at(self, key: str) -> Where:
        return self.field_where.get(key, self.where)


@dataclass
class Context:
    """What one file's conversion shares: the file's name and the problems found so far."""

    file: str
    problems: list[Problem] = field(default_factory=list)
    seen_nodes: set[int] = field(default_factory=set)
    #: Ids of items that failed validation: a reference to one of them is not reported again as undefined.
    broken: set[str] = field(default_factory=set)

    def where(self, node: yaml.Node) -> Where:
        return Where(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def report(self, node: yaml.Node, message: str) -> Invalid:
        self.problems.append(Problem(self.where(node), message))
        return INVALID


def describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a set of 'key: value' lines"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.tag == NULL_TAG:
        return "empty"
    return f"'{_clip(node.value)}'"


def _clip(text: str, limit: int = 40) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Spec:
    """Checks a node and turns it into a plain Python value, or records why it cannot."""

    #: How the expected shape is named in messages ("a text", "a list of ids"...).
    shape = "a value"

    def convert(self, node: yaml.Node, ctx: Context, name: str) -> Any:
        if id(node) in ctx.seen_nodes:
            # The composer shares one node between an anchor and its aliases; walking it twice is how a
            # "billion laughs" file explodes, and aliases add nothing a moderator needs.
            return ctx.report(node, f"'{name}' reuses an anchor (&/*); write the value out instead")
        ctx.seen_nodes.add(id(node))
        return self.check(node, ctx, name)

    def check(self, node: yaml.Node, ctx: Context, name: str) -> Any:
        raise NotImplementedError


class Text(Spec):
    """A text field. Numbers are read as the text written; `yes`/`no`/`on`/`off` are refused."""

    def __init__(
        self,
        *,
        pattern: re.Pattern[str] | None = None,
        hint: str = "",
        max_length: int = 4000,
        shape: str = "a text",
    ) -> None:
        self.pattern = pattern
        self.hint = hint
        self.max_length = max_length
        self.shape = shape

    def check(self, node: yaml.Node, ctx: Context, name: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            return ctx.report(node, f"'{name}' must be {self.shape}, not {describe(node)}")
        if node.tag == BOOL_TAG and not node.style:
            return ctx.report(
                node,
                f"'{name}': YAML reads {node.value} as true/false, not as text; "
                f'put it in quotes: "{node.value}"',
            )
        if node.tag == NULL_TAG or (node.tag not in SCALAR_TAGS_READ_AS_TEXT and node.tag != TIMESTAMP_TAG):
            return ctx.report(node, f"'{name}' must be {self.shape}, not {describe(node)}")
        text = node.value.strip()
        if not text:
            return ctx.report(node, f"'{name}' is empty; write {self.shape}")
        if len(text) > self.max_length:
            return ctx.report(node, f"'{name}' is {len(text)} characters long; keep it under {self.max_length}")
        if self.pattern is not None and not self.pattern.match(text):
            return ctx.report(node, f"'{name}' is '{_clip(text)}': {self.hint}")
        return text


class OneOf(Text):
    """A text that must be one of a fixed set of words."""

    def __init__(self, *values: str) -> None:
        super().__init__(shape="one of: " + ", ".join(values))
        self.values = values

    def check(self, node: yaml.Node, ctx: Context, name: str) -> Any:
        text = super().check(node, ctx, name)
        if text is INVALID:
            return text
        if text not in self.values:
            guess = difflib.get_close_matches(text, self.values, n=1)
            suggestion = f"; did you mean '{guess[0]}'?" if guess else ""
            return ctx.report(node, f"'{name}' is '{text}', which is not {self.shape}{suggestion}")
        return text


IDENT = Text(
    pattern=ID_PATTERN,
    hint="an id uses lowercase letters, digits and dashes, like 'end-unpaid-contract-jss'",
    shape="an id",
)
DATE = Text(pattern=DATE_PATTERN, hint="write a date as YYYY-MM-DD, like 2026-11-01", shape="a date")
URL = Text(pattern=URL_PATTERN, hint="a link starts with https:// and has no spaces", shape="a link")


class ListOf(Spec):
    def __init__(self, item: Spec, *, min_items: int = 0, max_items: int = 10_000) -> None:
        self.item = item
        self.min_items = min_items
        self.max_items = max_items
        self.shape = f"a list of {item.shape.removeprefix('a ').removeprefix('an ')}s"

    def check(self, node: yaml.Node, ctx: Context, name: str) -> Any:
        if not isinstance(node, yaml.SequenceNode):
            return ctx.report(
                node, f"'{name}' must be {self.shape} (each on its own line starting with '- '), not {describe(node)}"
            )
        if len(node.value) < self.min_items:
            return ctx.report(node, f"'{name}' needs at least {self.min_items} item(s)")
        if len(node.value) > self.max_items:
            return ctx.report(node, f"'{name}' has {len(node.value)} items; at most {self.max_items} are allowed")
        items = [self.item.convert(child, ctx, f"{name}[{i + 1}]") for i, child in enumerate(node.value)]
        return tuple(item for item in items if item is not INVALID)


class OneOrMany(ListOf):
    """A single text or a list of them: `when: {payments: none}` and `when: {escrow: [funded, unknown]}`."""

    def check(self, node: yaml.Node, ctx: Context, name: str) -> Any:
        if isinstance(node, yaml.ScalarNode):
            value = self.item.check(node, ctx, name)
            return INVALID if value is INVALID else (value,)
        return super().check(node, ctx, name)


class MapOf(Spec):
    """A mapping with keys the author chooses (slot names), each checked by `value`."""

    def __init__(self, value: Spec, *, shape: str) -> None:
        self.value = value
        self.shape = shape

    def check(self, node: yaml.Node, ctx: Context, name: str) -> Any:
        if not isinstance(node, yaml.MappingNode):
            return ctx.report(node, f"'{name}' must be {self.shape}, not {describe(node)}")
        result = Record(ctx.where(node))
        for key_node, value_node in _unique_pairs(node, ctx, name):
            key = IDENT.check(key_node, ctx, f"{name} key")
            if key is INVALID:
                continue
            value = self.value.convert(value_node, ctx, f"{name}.{key}")
            if value is not INVALID:
                result[key] = value
                result.field_where[key] = ctx.where(key_node)
        return result


@dataclass(frozen=True)
class Field:
    spec: Spec
    required: bool = True
    #: Plain words for a moderator: what to write when the field is missing.
    doc: str = ""


class Fields(Spec):
    """A mapping with a fixed set of keys, some required: one source, claim, topic..."""

    def __init__(self, kind: str, fields: dict[str, Field], *, label: Callable[[Record], str] | None = None) -> None:
        self.kind = kind
        self.fields = fields
        self.shape = f"a {kind}"
        self.label = label or (lambda record: f"{kind} '{record['id']}'" if "id" in record else f"this {kind}")

    def check(self, node: yaml.Node, ctx: Context, name: str) -> Any:
        if not isinstance(node, yaml.MappingNode):
            return ctx.report(node, f"'{name}' must be {self.shape} written as 'key: value' lines, not {describe(node)}")
        record = Record(ctx.where(node))
        # Read the id first so that every later message can say which item it is about.
        pairs = _unique_pairs(node, ctx, self.kind)
        ordered = sorted(pairs, key=lambda pair: pair[0].value != "id")
        for key_node, value_node in ordered:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            spec = self.fields.get(key) if key is not None else None
            if spec is None:
                ctx.report(key_node, self._unknown_key_message(key_node, record))
                continue
            value = spec.spec.convert(value_node, ctx, key)
            record.field_where[key] = ctx.where(key_node)
            if value is not INVALID:
                record[key] = value
        for key, spec in self.fields.items():
            if spec.required and key not in record.field_where:
                hint = spec.doc or (spec.spec.shape if isinstance(spec.spec, OneOf) else "")
                what = f" ({hint})" if hint else ""
                ctx.report(node, f"{self.label(record)} is missing '{key}'{what}")
        if any(key not in record for key, spec in self.fields.items() if spec.required):
            if isinstance(record.get("id"), str):
                ctx.broken.add(record["id"])
            return INVALID
        return record

    def _unknown_key_message(self, key_node: yaml.Node, record: Record) -> str:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else describe(key_node)
        guess = difflib.get_close_matches(str(key), list(self.fields), n=1, cutoff=0.6)
        hint = f"did you mean '{guess[0]}'?" if guess else "allowed keys: " + ", ".join(self.fields)
        return f"unknown key '{key}' in {self.label(record)}; {hint}"


def _unique_pairs(node: yaml.MappingNode, ctx: Context, kind: str) -> list[tuple[yaml.Node, yaml.Node]]:
    """The mapping's pairs, reporting (and skipping) a key written twice, which YAML would silently drop."""
    first_seen: dict[str, yaml.Node] = {}
    pairs = []
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag == "tag:yaml.org,2002:merge":
            ctx.report(key_node, "'<<' merge keys are not supported; write the fields out")
            continue
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if key is not None and key in first_seen:
            first = ctx.where(first_seen[key])
            ctx.report(key_node, f"key '{key}' is written twice in this {kind} (first on line {first.line}); keep one")
            continue
        if key is not None:
            first_seen[key] = key_node
        pairs.append((key_node, value_node))
    return pairs
