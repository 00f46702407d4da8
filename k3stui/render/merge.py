"""Update an existing K3s config.yaml in place, keeping everything the user wrote.

ruamel.yaml (round-trip mode) parses the file and says where each top-level key's block starts;
only the blocks of changed keys are replaced (dumped by ruamel in the file's own list style, the
key's trailing comment kept), removed keys' blocks are cut, new keys are appended. Every other
byte — comments, order, quoting, indentation, unknown keys — is left exactly as it was, which a
whole-document re-dump cannot promise (it re-indents lists and moves comments).
"""

from __future__ import annotations

import difflib
import io
from collections.abc import Iterable
from typing import Any


def _load(text: str) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        return YAML(typ="rt").load(text) if text.strip() else None
    except YAMLError as exc:
        raise ValueError(f"the existing config is not valid YAML: {exc}") from exc


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


def _is_trailing_filler(line: str) -> bool:
    """Blank and column-0 comment lines after a block belong to what follows, not to the block."""
    return not line.strip() or line.startswith("#")


def _blocks(doc: Any, lines: list[str]) -> dict[str, tuple[int, int]]:
    """key -> (first line, end line exclusive) of its block in `lines`."""
    starts = sorted((doc.lc.key(k)[0], k) for k in doc)
    out: dict[str, tuple[int, int]] = {}
    for i, (start, key) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(lines)
        while end > start + 1 and _is_trailing_filler(lines[end - 1]):
            end -= 1
        out[key] = (start, end)
    return out


def _seq_offset(lines: list[str]) -> int:
    """How far the file indents `- item` under a key (0 or 2 usually); used for new blocks."""
    for line in lines:
        stripped = line.lstrip(" ")
        if stripped.startswith("- ") and line[0] == " ":
            return len(line) - len(stripped)
    return 0


def _dump_key(key: str, value: Any, offset: int) -> str:
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=offset + 2, offset=offset)
    buf = io.StringIO()
    yaml.dump(CommentedMap({key: CommentedSeq(value) if isinstance(value, list) else value}), buf)
    return buf.getvalue()


def _value_comment(doc: Any, key: str) -> tuple[int, str] | None:
    """(column, text) of a comment on the key's own line (`key: value  # why`)."""
    items = getattr(doc.ca, "items", {}).get(key)
    token = items[2] if items and len(items) > 2 else None
    if token is None or not token.value.lstrip(" ").startswith("#"):
        return None
    text = token.value.split("\n", 1)[0].strip()
    return token.start_mark.column, text


def merge_config(existing_text: str, updates: dict[str, Any], removals: Iterable[str] = ()) -> str:
    """`existing_text` with `updates` applied (changed keys in place, new keys appended) and the
    `removals` keys deleted. Raises ValueError when the file is not a YAML mapping."""
    from ruamel.yaml.comments import CommentedMap

    doc = _load(existing_text)
    if doc is None:
        doc = CommentedMap()
    if not isinstance(doc, CommentedMap):
        raise ValueError("the existing config is not a YAML mapping of K3s flags")
    lines = existing_text.splitlines(keepends=True)
    blocks = _blocks(doc, lines)
    offset = _seq_offset(lines)
    replace: dict[int, tuple[int, str]] = {}  # start line -> (end line, new text)

    for key in removals:
        if key in blocks and key not in updates:
            start, end = blocks[key]
            replace[start] = (end, "")
    appended = []
    for key, value in updates.items():
        if key in doc and _same(key, doc[key], value):
            continue
        if key not in blocks:
            appended.append(_dump_key(key, value, offset))
            continue
        start, end = blocks[key]
        block_offset = _seq_offset(lines[start + 1:end]) if isinstance(doc[key], list) else offset
        text = _dump_key(key, value, block_offset)
        comment = _value_comment(doc, key)
        if comment and not isinstance(value, list) and text.count("\n") == 1:
            column, note = comment
            first = text.rstrip("\n")
            text = first + " " * max(1, column - len(first)) + note + "\n"
        replace[start] = (end, text)

    if not replace and not appended:
        return existing_text  # nothing changes: not even whitespace moves
    out: list[str] = []
    i = 0
    while i < len(lines):
        if i in replace:
            end, text = replace[i]
            out.append(text)
            i = end
        else:
            out.append(lines[i])
            i += 1
    if appended:
        if out and not out[-1].endswith("\n"):
            out[-1] += "\n"
        out += appended
    return "".join(out)


def unified_diff(old: str, new: str, path: str) -> str:
    """A `diff -u` style text; empty when nothing changes."""
    return "".join(difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True),
        fromfile=f"{path} (now)", tofile=f"{path} (after merge)",
    ))
