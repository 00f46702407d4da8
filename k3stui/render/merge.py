"""Update an existing K3s config.yaml in place, keeping everything the user wrote.

The file is parsed as K3s parses it (YAML 1.1, PyYAML's safe loader: `yes` is a boolean, `0644`
an octal number); the parser's marks say where each top-level key's block starts and ends, as
character offsets (so CRLF line ends, a BOM and U+2028 inside a quoted value are just bytes).
Only the blocks of changed keys are replaced (dumped by the same YAML 1.1 dumper, in the file's
own list indentation, the key's trailing comment kept); new keys are appended; keys the plan
leaves unset stay. Every other byte — comments, order, quoting, indentation, unknown keys,
CRLF, the BOM — is left exactly as it was.

What cannot be merged that way is refused with a message (`MergeRefused`), never written half
right: several YAML documents, a one-line flow mapping, complex keys, alias bombs, a change to a
critical value the file sets. And the merged text must parse to exactly the intended mapping
(`check`), which the caller runs again on the written temp file before it replaces the original.
"""

from __future__ import annotations

import difflib
import io
from bisect import bisect_right
from collections.abc import Iterable
from typing import Any

import yaml

from k3stui import flags
from k3stui.records import record

# Bounds: a K3s config has a few dozen keys, two levels deep; an alias bomb expands to millions
# of nodes; PyYAML's pure-Python scanner (the one with exact marks) is quadratic in nesting depth.
MAX_ALIASES = 100
MAX_NODES = 20_000
MAX_DEPTH = 64
MAX_CHARS = 1 << 20

_FastLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class MergeRefused(ValueError):
    """The file cannot be merged safely; the message says why and what to do."""


@record
class Shape:
    documents: int
    aliases: int
    depth: int


def yaml_shape(text: str) -> Shape:
    """Documents, aliases and nesting depth of YAML text, by the fast (libyaml) parser, before the
    slow one with exact marks is let near it. Raises yaml.YAMLError."""
    docs = aliases = depth = deepest = 0
    for event in yaml.parse(text, Loader=_FastLoader):
        if isinstance(event, yaml.DocumentStartEvent):
            docs += 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
        elif isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            deepest = max(deepest, depth)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return Shape(docs, aliases, deepest)


@record
class Merged:
    text: str  # the new file (same BOM and line ends as the old one); `is` the old text when unchanged
    data: dict[str, Any]  # the mapping it parses to (what `check` compares against)
    changed: tuple[str, ...]  # keys set or replaced
    before: dict[str, Any]  # the mapping the old text parses to


@record
class _Doc:
    body: str  # the text without the BOM
    bom: str
    newline: str
    node: yaml.MappingNode | None  # None: no mapping yet (empty, comments, `{}`, `~`)
    data: dict[str, Any]
    end: int  # where new keys go: the end of the document (before a `...` marker)
    cut: tuple[int, int] | None  # span of an empty `{}` / `~` to remove when keys are added
    anchors: tuple[tuple[str, int], ...] = ()  # (name, index) of each `&name`
    aliases: tuple[tuple[str, int], ...] = ()  # (name, index) of each `*name`


def _same(key: str, old: Any, new: Any) -> bool:
    """Equal as K3s reads them: `cluster-cidr: a` is the same as `cluster-cidr: [a]`."""
    from k3stui.flags import COMMA_SPLIT, slice_items

    if key in COMMA_SPLIT:
        return slice_items(old) == slice_items(new)
    if isinstance(old, list) or isinstance(new, list):
        both = isinstance(old, list) and isinstance(new, list)
        return both and [str(x) for x in old] == [str(x) for x in new]
    if isinstance(new, bool) or isinstance(old, bool):
        return old is new
    if old is None or new is None:
        return old is new
    return str(old) == str(new)


def _expanded_size(root: yaml.Node) -> int:
    """Nodes the document has once every alias is expanded (what a consumer walks)."""
    size: dict[int, int] = {}
    order: list[yaml.Node] = []
    stack: list[yaml.Node] = [root]
    while stack:  # post-order without recursion: a deep document must not blow the stack
        node = stack.pop()
        if id(node) in size:
            continue
        size[id(node)] = 0
        order.append(node)
        stack.extend(_children(node))
    for node in reversed(order):
        size[id(node)] = 1 + sum(size.get(id(c), 1) for c in _children(node))
        if size[id(node)] > MAX_NODES:
            return size[id(node)]
    return size[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def parse(text: str, source: str = "the config") -> _Doc:
    """The document as K3s reads it, with the marks a merge needs; MergeRefused when it cannot be
    merged (not YAML, several documents, not a mapping, too many aliases)."""
    from k3stui.errors import InputError
    from k3stui.importers.yamlio import load_yaml

    if len(text) > MAX_CHARS:
        raise MergeRefused(f"{source} has {len(text)} characters; a K3s config this big is not one "
                           f"k3stui merges into (at most {MAX_CHARS})")
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom):]
    if "\r" in body.replace("\r\n", ""):
        raise MergeRefused(f"{source} ends lines with a bare CR (old Mac style); save it with LF or "
                           "CRLF line ends and run again")
    newline = "\r\n" if "\r\n" in body else "\n"
    try:
        shape = yaml_shape(body)
        if shape.aliases > MAX_ALIASES:
            raise MergeRefused(f"{source} uses {shape.aliases} aliases (*name); k3stui merges files with "
                               f"at most {MAX_ALIASES}; write the values out")
        if shape.documents > 1:
            raise MergeRefused(f"{source} holds {shape.documents} YAML documents (---); K3s reads a "
                               "config.yaml as one mapping: keep one document, then merge")
        if shape.depth > MAX_DEPTH:
            raise MergeRefused(f"{source}: the YAML is nested too deeply ({shape.depth} levels; a K3s "
                               "config has two)")
        events = list(yaml.parse(body, Loader=yaml.SafeLoader))  # pure Python: marks are str indexes
        node = yaml.compose(body, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise MergeRefused(f"{_where(exc, source)}: not valid YAML: {_problem(exc)}; fix the file, "
                           "then merge") from None
    except RecursionError:
        raise MergeRefused(f"{source}: the YAML is nested too deeply") from None
    if node is not None and _expanded_size(node) > MAX_NODES:
        raise MergeRefused(f"{source}: its aliases expand to more than {MAX_NODES} values (an alias bomb?); "
                           "write the values out")
    try:
        data = load_yaml(body, source) if node is not None else None
    except InputError as exc:
        raise MergeRefused(str(exc)) from None
    end = next((e.start_mark.index for e in events if isinstance(e, yaml.DocumentEndEvent) and e.explicit),
               len(body))
    marks = {
        "anchors": tuple((e.anchor, e.start_mark.index) for e in events if isinstance(e, yaml.NodeEvent)
                         and not isinstance(e, yaml.AliasEvent) and e.anchor),
        "aliases": tuple((e.anchor, e.start_mark.index) for e in events if isinstance(e, yaml.AliasEvent)),
    }
    if node is None or (isinstance(node, yaml.ScalarNode) and data is None):
        cut = (node.start_mark.index, node.end_mark.index) if node is not None else None
        return _Doc(body, bom, newline, None, {}, end, cut)
    if not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
        raise MergeRefused(f"{source} is not a YAML mapping of K3s flags (key: value lines)")
    if not node.value:  # `{}`: what k3stui renders for a default plan
        return _Doc(body, bom, newline, None, {}, end, (node.start_mark.index, node.end_mark.index))
    if node.flow_style:
        raise MergeRefused(f"{source} is one flow mapping ({{key: value, ...}}); k3stui changes a file "
                           "only key by key: write it as one 'key: value' per line, then merge")
    if any(not isinstance(k, yaml.ScalarNode) for k, _ in node.value):
        raise MergeRefused(f"{source} has a complex key (? ...); K3s flag names are plain words")
    return _Doc(body, bom, newline, node, data, end, None, **marks)


def _where(exc: yaml.YAMLError, source: str) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return f"{source}:{mark.line + 1}:{mark.column + 1}" if mark is not None else source


def _problem(exc: yaml.YAMLError) -> str:
    return str(getattr(exc, "problem", None) or getattr(exc, "context", None) or exc).splitlines()[0]


class _Lines:
    """Line starts of a text, split at "\\n" only (YAML 1.2 and K3s's parser do not break lines at
    U+2028/U+2029; str.splitlines does)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def start_of(self, index: int) -> int:
        return self.starts[bisect_right(self.starts, index) - 1]

    def end_of(self, index: int) -> int:
        """Index just after the line break of the line holding `index`."""
        nxt = bisect_right(self.starts, index)
        return self.starts[nxt] if nxt < len(self.starts) else len(self.text)


def _is_filler(line: str) -> bool:
    """Blank and column-0 comment lines after a block belong to what follows, not to the block."""
    return not line.strip() or line.startswith("#")


def _blocks(doc: _Doc) -> dict[str, tuple[int, int, yaml.Node, yaml.Node]]:
    """key -> (start, end) character span of its last block, its key and its value node."""
    assert doc.node is not None
    text, lines = doc.body, _Lines(doc.body)
    pairs = doc.node.value
    out: dict[str, tuple[int, int, yaml.Node, yaml.Node]] = {}
    for i, (key, value) in enumerate(pairs):
        line_start = lines.start_of(key.start_mark.index)
        start = line_start if not text[line_start:key.start_mark.index].strip() else key.start_mark.index
        limit = lines.start_of(pairs[i + 1][0].start_mark.index) if i + 1 < len(pairs) else doc.end
        value_end = value.start_mark.index + len(text[value.start_mark.index:value.end_mark.index].rstrip())
        floor = lines.end_of(max(value_end - 1, key.start_mark.index))
        if i + 1 < len(pairs) and floor > pairs[i + 1][0].start_mark.index:
            raise MergeRefused("two keys share one line; write one 'key: value' per line, then merge")
        end = max(limit, floor)
        while end > floor:
            line_start = lines.start_of(end - 1)
            if not _is_filler(text[line_start:end]):
                break
            end = line_start
        out[str(key.value)] = (start, end, key, value)
    return out


def _seq_offset(text: str) -> int:
    """How far the file indents `- item` under a key (0 or 2 usually); used for new blocks."""
    for line in text.split("\n"):
        stripped = line.lstrip(" ")
        if stripped.startswith("- ") and line[:1] == " ":
            return len(line) - len(stripped)
    return 0


def dump_key(key: str, value: Any, offset: int = 0) -> str:
    """`key: value` as YAML 1.1 (PyYAML quotes `'yes'`, `'0644'`, `'1e3'`), lists indented by
    `offset` under the key."""
    buf = io.StringIO()
    yaml.safe_dump({key: value}, buf, default_flow_style=False, sort_keys=False, allow_unicode=True,
                   width=4096)
    text = buf.getvalue()
    if offset and isinstance(value, list) and value:
        head, _, rest = text.partition("\n")
        text = head + "\n" + "".join(" " * offset + line if line else line
                                     for line in rest.splitlines(keepends=True))
    return text


def _value_comment(text: str, start: int, value: yaml.Node, end: int) -> tuple[int, str] | None:
    """(column, text) of the comment after a one-line scalar value (`key: value  # why`)."""
    if not isinstance(value, yaml.ScalarNode):
        return None
    rest = text[value.end_mark.index:end].split("\n", 1)[0].rstrip("\r")
    note = rest.lstrip(" \t")
    if not note.startswith("#"):
        return None
    return value.end_mark.index + len(rest) - len(note) - start, note


def _key_comment(text: str, start: int, key: yaml.Node, value: yaml.Node) -> tuple[int, str] | None:
    """(column, text) of a comment after `key:` when the value starts on a later line."""
    if value.start_mark.line == key.start_mark.line:
        return None
    rest = text[key.end_mark.index:].split("\n", 1)[0].rstrip("\r")
    note = rest.lstrip(" \t:").lstrip(" \t")
    if not note.startswith("#"):
        return None
    return key.end_mark.index + len(rest) - len(note) - start, note


def _indented(text: str, indent: int) -> str:
    return "".join(" " * indent + line if line.strip() else line
                   for line in text.splitlines(keepends=True)) if indent else text


def _anchor_problem(doc: _Doc, key: str, start: int, end: int) -> str | None:
    """A block about to be replaced defines `&name` that an alias elsewhere uses."""
    inside = {name for name, at in doc.anchors if start <= at < end}
    used = sorted({name for name, at in doc.aliases if name in inside and not start <= at < end})
    if not used:
        return None
    return (f"{key} holds the anchor &{used[0]} that another key uses (*{used[0]}); replacing {key} would "
            f"break it: write that key's value out instead of *{used[0]}, then merge")


def _critical_changes(doc: _Doc, updates: dict[str, Any]) -> list[str]:
    out = []
    for key, value in updates.items():
        if key in flags.CRITICAL and key in doc.data and doc.data[key] is not None \
                and not _same(key, doc.data[key], value):
            out.append(f"{key} is {doc.data[key]!r} there and the plan sets {value!r}")
    return out


def merge(existing_text: str, updates: dict[str, Any], removals: Iterable[str] = (), *,
          source: str = "the config", keep_critical: bool = True) -> Merged:
    """`existing_text` with `updates` applied (changed keys in place, new keys appended) and the
    `removals` keys cut. Keys in neither stay as they are. With `keep_critical`, a change to a
    critical value (flags.CRITICAL) the file sets is refused, as `install` refuses it on an
    existing cluster. Raises MergeRefused."""
    doc = parse(existing_text, source)
    if keep_critical:
        changes = _critical_changes(doc, updates)
        if changes:
            raise MergeRefused(
                f"{source}: critical values cannot change on an existing cluster (every server must "
                f"agree and the datastore keeps the old ones): {'; '.join(changes)}. Keep the file's "
                "values in the plan, or edit the file by hand if this host has no cluster yet")
    expected = dict(doc.data)
    text = doc.body
    blocks = _blocks(doc) if doc.node is not None else {}
    indent = doc.node.value[0][0].start_mark.column if doc.node is not None else 0  # an indented file
    offset = _seq_offset(text)
    replace: list[tuple[int, int, str]] = []
    appended: list[str] = []
    changed: list[str] = []
    for key in removals:
        if key in blocks and key not in updates:
            start, end, _, _ = blocks[key]
            replace.append((start, end, ""))
            expected.pop(key, None)
            changed.append(key)
    for key, value in updates.items():
        if key in doc.data and _same(key, doc.data[key], value):
            continue
        expected[key] = value
        changed.append(key)
        if key not in blocks:
            appended.append(_indented(dump_key(key, value, offset), indent))
            continue
        start, end, key_node, node = blocks[key]
        own = _seq_offset(text[start:end]) if isinstance(node, yaml.SequenceNode) else offset
        new = dump_key(key, value, own)
        comment = _value_comment(text, start, node, end) or _key_comment(text, start, key_node, node)
        first, _, rest = new.partition("\n")
        if comment and (new.count("\n") == 1 or first == f"{key}:"):
            column, note = comment
            new = first + " " * max(1, column - indent - len(first)) + note + "\n" + rest
        replace.append((start, end, _indented(new, indent)))
    for start, end, _ in replace:
        key = next(k for k, b in blocks.items() if b[0] == start)
        problem = _anchor_problem(doc, key, start, end)
        if problem:
            raise MergeRefused(f"{source}: {problem}")
    if not changed:
        return Merged(existing_text, doc.data, (), doc.data)
    if appended and doc.cut:
        start, end = doc.cut
        lines = _Lines(text)
        line_start, line_end = lines.start_of(start), lines.end_of(max(end - 1, start))
        if not (text[line_start:start] + text[end:line_end]).strip(" \t\r\n"):
            start, end = line_start, line_end  # `{}` alone on its line: the line goes
        replace.append((start, end, ""))
    merged = doc.bom + _assemble(text, replace, doc.end, "".join(appended), doc.newline)
    check(merged, expected, source)
    return Merged(merged, expected, tuple(changed), doc.data)


def _assemble(text: str, replace: list[tuple[int, int, str]], insert_at: int, appended: str,
              newline: str) -> str:
    """`text` with each (start, end) span replaced and `appended` inserted at `insert_at`; new text
    gets the file's line ends."""
    pieces = sorted([*replace, (insert_at, insert_at, "")] if appended else replace)
    out: list[str] = []
    pos = 0
    for start, end, new in pieces:
        out.append(text[pos:start])
        if start == end == insert_at and appended and not new:
            if "".join(out) and not "".join(out).endswith("\n"):
                out.append(newline)
            new, appended = appended, ""
        out.append(new.replace("\n", newline))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def check(text: str, expected: dict[str, Any], source: str = "the config") -> None:
    """Refuse unless `text` parses (as K3s parses it) to exactly `expected`."""
    try:
        got = parse(text, source).data
    except MergeRefused as exc:
        raise MergeRefused(f"the merged file would not be valid ({exc}); nothing was written") from None
    if got != expected:
        wrong = sorted(k for k in set(got) | set(expected) if got.get(k, ...) != expected.get(k, ...))
        raise MergeRefused(f"the merged {source} would not read back as intended (keys {', '.join(wrong)}); "
                           "nothing was written. Edit the file by hand")


def merge_config(existing_text: str, updates: dict[str, Any], removals: Iterable[str] = ()) -> str:
    """`merge(...).text` without the critical-value refusal (the plain text transformation)."""
    return merge(existing_text, updates, removals, keep_critical=False).text


def unified_diff(old: str, new: str, path: str) -> str:
    """A `diff -u` style text; empty when nothing changes."""
    return "".join(difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True),
        fromfile=f"{path} (now)", tofile=f"{path} (after merge)",
    ))
