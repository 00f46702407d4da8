"""An `INSTALL_K3S_EXEC`-style string (`server --flannel-backend=host-gw -i 10.0.0.5`) -> flag values.

Go's flag rules as urfave/cli applies them: `--name=value`, `--name value`, `-name` works like
`--name`, bool flags never take the next word, a repeated list flag accumulates, a repeated plain
flag keeps its last value, an unknown flag is fatal (IMPORT010), and parsing stops at the first
word that is not a flag (or `--`): what follows is ignored, as K3s ignores it (IMPORT003). Pure;
unbalanced quotes raise `InputError`.
"""

from __future__ import annotations

import shlex
from typing import Any

from k3stui import flags
from k3stui.findings import Finding, InputError, did_you_mean
from k3stui.flag_values import KNOWN_NAMES, PARSEBOOL_FALSE, PARSEBOOL_TRUE, canonical_name, show
from k3stui.rules.registry import emit

ROLES = ("server", "agent")


class ParsedExec:
    """What a command line says, filled in while it is parsed (a plain class: cheaper than a dataclass)."""

    __slots__ = ("args", "findings", "role")

    def __init__(self) -> None:
        self.role: str | None = None  # the leading `server` / `agent` word, if any
        self.args: dict[str, Any] = {}  # long flag name -> str | bool | list[str]
        self.findings: list[Finding] = []


def parse_exec(text: str, source: str = "--exec") -> ParsedExec:
    try:
        words = shlex.split(text, comments=False, posix=True)
    except ValueError as exc:  # "No closing quotation", "No escaped character"
        # The text is not echoed: it may hold a token.
        raise InputError(f"{source}: {exc}; check the quotes and backslashes") from None
    out = ParsedExec()
    if words and (words[0] == "k3s" or words[0].endswith("/k3s")):
        words = words[1:]
    if words and words[0] in ROLES:
        out.role, words = words[0], words[1:]
    seen_plain: set[str] = set()
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        name, eq, value = word.lstrip("-").partition("=")
        if word == "--" or not word.startswith("-") or word == "-" or not name:
            _positional(out, word, words[i:], source)
            break  # Go's flag parser stops here: the rest are arguments, not flags
        name = canonical_name(name)
        flag = flags.lookup(name)
        if flag is None:
            out.findings.append(emit(
                "IMPORT010", f"{source}: unknown flag --{name}: K3s refuses to start (flag provided but "
                "not defined)." + did_you_mean(name, KNOWN_NAMES),
                "check the spelling against 'k3s server --help' / 'k3s agent --help'", key=name))
            if not eq:
                if i < len(words) and not words[i].startswith("-"):
                    value, i = words[i], i + 1
                else:
                    _store(out, name, True, None, seen_plain, source)
                    continue
            _store(out, name, value, None, seen_plain, source)
            continue
        if flag.kind == "bool":
            if not eq:
                _store(out, name, True, flag, seen_plain, source)
            else:  # strconv.ParseBool's spellings; any other text is reported by plan_from_args
                parsed: Any = value
                if value in PARSEBOOL_TRUE or value in PARSEBOOL_FALSE:
                    parsed = value in PARSEBOOL_TRUE
                _store(out, name, parsed, flag, seen_plain, source)
            continue
        if not eq:
            if i >= len(words):
                out.findings.append(emit(
                    "IMPORT005", f"{source}: --{name} needs a value and none follows",
                    f"write --{name}=VALUE", key=name))
                continue
            nxt = words[i]
            following = canonical_name(nxt.lstrip("-").partition("=")[0])
            if nxt.startswith("-") and flags.lookup(following) is not None:
                out.findings.append(emit(
                    "IMPORT005", f"{source}: --{name} needs a value, but the next word is "
                    f"the flag {nxt.partition('=')[0]}", f"write --{name}=VALUE", key=name))
                continue
            value, i = nxt, i + 1
        _store(out, name, value, flag, seen_plain, source)
    return out


def _store(out: ParsedExec, name: str, value: Any, flag: flags.Flag | None,
           seen: set[str], source: str) -> None:
    if flag is not None and flag.kind == "list":
        if name in flags.STRICT_SLICE:  # kept as written: plan_from_args reports empty or padded items
            out.args.setdefault(name, []).append(value)
            return
        parts = [p.strip() for p in value.split(",")] if name in flags.COMMA_SPLIT else [value]
        out.args.setdefault(name, []).extend(p for p in parts if p != "")
        return
    if name in seen and out.args.get(name) != value:
        out.findings.append(emit(
            "IMPORT006", f"{source}: --{name} is given more than once; the last value "
            f"({show(name, value)}) wins", f"give --{name} once", key=name))
    seen.add(name)
    out.args.pop(name, None)  # keep the order of the last occurrence, as K3s reads it
    out.args[name] = value


def _positional(out: ParsedExec, word: str, rest: list[str], source: str) -> None:
    looks_env = "=" in word and word.split("=", 1)[0].isupper()
    hint = ("environment variables (K3S_URL, K3S_TOKEN ...) are not flags: use --server, "
            "--token-file" if looks_env else "remove it, or write it as --flag=value")
    shown = word.split("=", 1)[0] + "=..." if looks_env else repr(word)
    ignored = [w.partition("=")[0] for w in rest if w.startswith("-") and w != "--"]
    tail = f"; the flags after it are ignored too ({', '.join(ignored)})" if ignored else ""
    out.findings.append(emit(
        "IMPORT003", f"{source}: {shown} is not a flag: K3s stops reading flags there{tail}", hint, key=""))


def parse_flag_lines(text: str, source: str = "flags") -> ParsedExec:
    """`name=value` lines (one flag a line; `#` comments and blank lines skipped) -> flag values.

    Each line becomes one quoted `--name=value` word for `parse_exec`, so bools, repeated or
    comma-separated list flags and unknown names follow exactly the INSTALL_K3S_EXEC rules.
    A line without `=` is a bare `--name` (a bool flag set to true)."""
    words = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, eq, value = line.partition("=")
        words.append(shlex.quote(f"--{name.strip().lstrip('-')}{eq}{value.strip()}"))
    return parse_exec(" ".join(words), source)


def flag_lines(args: dict[str, Any]) -> str:
    """The inverse of `parse_flag_lines` for flag values as `Plan.extra` holds them: a list is one
    line per item (a kubelet-arg item may itself hold commas), booleans are true/false."""
    from k3stui.flag_values import scalar_text

    lines = []
    for name, value in args.items():
        items = value if isinstance(value, list | tuple) else [value]
        if not items:
            continue
        if isinstance(value, list | tuple) and flags.lookup(name) is None:
            items = [",".join(scalar_text(v) for v in items)]  # an unknown flag holds one value
        lines.extend(f"{name}={scalar_text(v)}" for v in items)
    return "\n".join(lines)
