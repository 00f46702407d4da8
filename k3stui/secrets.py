"""The one place that hides secrets from every output: text, JSON, diffs, logs, previews and
exported files.

Which flags are secret is said once, in the flag table (`flags.SECRETS`). Two ways to hide them:
- by key, in data before it is dumped (`mask_data`) or in YAML text (`mask_yaml`: the value's
  exact span in the text, whatever its quoting, is replaced);
- by value, in any text (`mask_text`): every known secret value and its escaped and quoted forms
  (YAML, JSON, shell, Python repr), plus any `key: value` / `--key=value` of a secret-looking key.

`datastore-endpoint` is secret only for the credentials in its URL: `postgres://k3s:********@db/k3s`
still says which database it is. Pure functions, no I/O.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

from k3stui import flags

MASK = "********"
SECRET_KEYS: frozenset[str] = flags.SECRETS
# Secret only for the password in the URL (K3s datastore endpoints: postgres://user:pass@host/db,
# mysql://user:pass@tcp(host:3306)/db, nats://user:pass@host; https://docs.k3s.io/datastore).
URL_KEYS: frozenset[str] = frozenset({"datastore-endpoint"})

_KEY_WORDS = ("token", "TOKEN", "password", "PASSWORD", "secret", "SECRET")  # a generic secret key holds one


def _key_pattern(names: Iterable[str]) -> str:
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


@functools.cache
def _url_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A password in a URL's user part, and in its query."""
    return (re.compile(r"(?P<head>(?:[A-Za-z][A-Za-z0-9+.-]*://)?[^\s/:@,]*:)(?P<pw>[^\s,]*)@"),
            re.compile(r"(?P<head>[?&](?:ssl)?password=)(?P<pw>[^&\s,]*)", re.I))


@functools.cache
def _keyed_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Compiled on first use (they are most of this module's import time, and most texts hold no
    secret-looking key at all: `mask_text` looks for one first).

    A secret key with its value on one line: YAML `key: v`, a diff's `+key: v`, JSON `"key": "v"`;
    and on a command line `--key=v` / `--key v`. Generic token/password/secret-looking keys too (an
    old value in a file the plan does not know), but never `*-file` (a path, not a secret)."""
    keyed = re.compile(
        r"^(?P<head>[ \t+-]*['\"]?(?P<key>" + _key_pattern(SECRET_KEYS) + r")\+?['\"]?\s*:\s*['\"]?)"
        r"(?P<value>\S.*?)(?P<tail>[\"']?,?)$",
        re.M,
    )
    flag = re.compile(r"(?P<head>--(?P<key>" + _key_pattern(SECRET_KEYS) + r")(?:=|\s+))(?P<value>[^\s'\"]+)")
    generic = re.compile(
        r"^(?P<head>[ \t+-]*['\"]?(?P<key>[A-Za-z0-9_-]*(?:token|TOKEN|password|PASSWORD|secret|SECRET)"
        r"(?![A-Za-z0-9_-]*(?:file|File|FILE))[A-Za-z0-9_-]*)['\"]?\s*[:=]\s*(?!['\"]?\*{8}['\"]?,?$)['\"]?)"
        r"(?P<value>\S.*?)(?P<tail>[\"']?,?)$",
        re.M,
    )
    return keyed, flag, generic


def mask_url(value: str) -> str:
    """A datastore endpoint with its passwords hidden; the rest (scheme, user, host) stays."""
    user, query = _url_patterns()
    value = user.sub(lambda m: f"{m.group('head')}{MASK}@", value)
    return query.sub(lambda m: m.group("head") + MASK, value)


def url_passwords(value: str) -> list[str]:
    """The password parts of a datastore endpoint (what `mask_url` hides)."""
    user, query = _url_patterns()
    found = [m.group("pw") for m in user.finditer(value)]
    return [p for p in found + [m.group("pw") for m in query.finditer(value)] if p]


def mask_value(key: str, value: Any) -> Any:
    """`value` of config key `key` as it may be shown."""
    name = key.rstrip("+")
    if name not in SECRET_KEYS or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [mask_value(name, v) for v in value]
    if name in URL_KEYS and isinstance(value, str):
        return mask_url(value)
    return MASK


def mask_data(data: Any) -> Any:
    """A copy of `data` (mappings, lists, scalars, `plan.Secret`) with every secret key's value
    masked, at any depth. Use it on data before it is dumped (JSON, YAML, previews)."""
    from k3stui.plan import Secret

    if isinstance(data, Secret):
        return MASK
    if isinstance(data, dict):
        return {k: mask_value(k, v) if isinstance(k, str) and k.rstrip("+") in SECRET_KEYS
                else mask_data(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [mask_data(v) for v in data]
    return data


def values_of(key: str, value: Any) -> list[str]:
    """The secret strings in a config key's value (none for a key that is not secret)."""
    name = key.rstrip("+")
    if name not in SECRET_KEYS or value is None:
        return []
    from k3stui.plan import Secret

    items = list(value) if isinstance(value, (list, tuple)) else [value]
    out: list[str] = []
    for item in items:
        text = item.value if isinstance(item, Secret) else str(item)
        out += url_passwords(text) if name in URL_KEYS else [text]
    return [v for v in out if v]


def plan_secrets(plan: Any) -> tuple[str, ...]:
    """Every secret value a plan holds: the token and the secret flags kept in `plan.extra`."""
    out = values_of("token", plan.token)
    for key, value in plan.extra.items():
        out += values_of(key, value)
    return tuple(dict.fromkeys(out))


def data_secrets(data: Any) -> tuple[str, ...]:
    """Every secret value in loaded YAML/JSON data (a config file's old token, say)."""
    out: list[str] = []
    stack, seen = [data], set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, dict):
            for k, v in item.items():
                out += values_of(k, v) if isinstance(k, str) else []
                stack.append(v)
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return tuple(dict.fromkeys(out))


def _forms(secret: str) -> set[str]:
    """How a value can appear in text: as is, and escaped or quoted for YAML, JSON, a shell."""
    import json
    import shlex

    from k3stui.yaml_import import pyyaml

    yaml = pyyaml()

    forms = {secret, secret.replace("'", "''"), json.dumps(secret)[1:-1],
             json.dumps(secret, ensure_ascii=False)[1:-1], repr(secret)[1:-1], shlex.quote(secret)}
    for unicode in (True, False):
        dumped = yaml.safe_dump(secret, default_style='"', allow_unicode=unicode, width=1 << 20)
        forms.add(dumped.rstrip("\n").removesuffix("\n...").strip('"'))
    return {f for f in forms if f}


def mask_text(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every known secret value (in any quoted form) and every value of a secret key
    on its own line (`key: v`, `--key=v`) replaced by the mask."""
    for form in sorted({f for s in secrets if s for f in _forms(s)}, key=len, reverse=True):
        text = text.replace(form, MASK)

    def keyed(m: re.Match[str]) -> str:
        key, value, tail = m.group("key"), m.group("value"), m.groupdict().get("tail") or ""
        if key in flags.FLAGS and key not in SECRET_KEYS:
            return m.group(0)  # a known flag that only looks secret (secrets-encryption)
        shown = mask_url(value) if key in URL_KEYS else MASK
        return m.group("head") + shown + tail

    if not any(word in text for word in _KEY_WORDS) and not any(key in text for key in SECRET_KEYS):
        return text  # no key any of the patterns matches: none can change the text
    keyed_re, flag_re, generic_re = _keyed_patterns()
    text = flag_re.sub(keyed, keyed_re.sub(keyed, text))
    return generic_re.sub(keyed, text)


def mask_yaml(text: str, secrets: Iterable[str] = ()) -> str:
    """YAML text (a config.yaml, a preset, a diff's side) with each secret key's value replaced,
    exactly where it stands (block scalars, escapes and aliases included), then `mask_text`.
    Text that does not parse is masked by `mask_text` alone."""
    spans = _secret_spans(text)
    for start, end, shown in sorted(spans, reverse=True):
        text = text[:start] + shown + text[end:]
    return mask_text(text, secrets)


def _secret_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, replacement) of every secret key's value node in `text`."""
    from k3stui.yaml_import import pyyaml

    yaml = pyyaml()

    from k3stui.render.merge import MAX_ALIASES, MAX_CHARS, MAX_DEPTH, yaml_shape

    if len(text) > MAX_CHARS or not any(key in text for key in SECRET_KEYS):
        return []  # nothing keyed to find, or too big for the exact (slow) parser: by value only
    try:
        shape = yaml_shape(text)  # the fast parser first: the exact one is slow on deep nesting
        if shape.depth > MAX_DEPTH or shape.aliases > MAX_ALIASES:
            return []
        docs = list(yaml.compose_all(text, Loader=yaml.SafeLoader))  # pure Python: marks are str indexes
    except (yaml.YAMLError, RecursionError, ValueError):
        return []
    out: list[tuple[int, int, str]] = []
    stack: list[yaml.Node] = [d for d in docs if d is not None]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = key.value.rstrip("+") if isinstance(key, yaml.ScalarNode) else None
                if name in SECRET_KEYS:  # a block scalar's span ends after its line break: keep that
                    start = value.start_mark.index
                    end = start + len(text[start:value.end_mark.index].rstrip())
                    out.append((start, end, _shown(name, value)))
                else:
                    stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    spans: list[tuple[int, int, str]] = []
    for span in sorted(set(out)):  # nested spans (an alias of a secret inside another): keep the outer
        if not spans or span[0] >= spans[-1][1]:
            spans.append(span)
    return spans


def _shown(name: str, node: Any) -> str:
    """The masked value in the node's own quoting (`token: ********`, `token: "********"`)."""
    import json

    from k3stui.yaml_import import pyyaml

    yaml = pyyaml()

    if isinstance(node, yaml.SequenceNode):
        if node.flow_style is False:
            return json.dumps([mask_value(name, v.value) if isinstance(v, yaml.ScalarNode) else MASK
                               for v in node.value])
        return f"[{MASK}]"
    shown = mask_url(node.value) if name in URL_KEYS and isinstance(node, yaml.ScalarNode) else MASK
    quote = node.style if isinstance(node, yaml.ScalarNode) and node.style in ("'", '"') else ""
    if quote == "'":
        shown = shown.replace("'", "''")
    elif quote:
        shown = json.dumps(shown)[1:-1]
    return f"{quote}{shown}{quote}"
