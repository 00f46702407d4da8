"""K3s config files (`config.yaml` + `config.yaml.d/*.yaml`) merged exactly as K3s merges them.

k3s pkg/configfilearg/parser.go: files are read in order; a later file's key replaces the value
accumulated so far, unless written `key+:`, which appends to it. Keys keep the order in which
they were first seen. Pure: the shell reads the files and passes (source, text) pairs in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from k3stui import flags
from k3stui.findings import Finding, InputError
from k3stui.flag_values import canonical_name, is_list_flag, kind_of, scalar_text, show
from k3stui.importers.yamlio import load_yaml_checked
from k3stui.rules.registry import emit


def parse_config(text: str, source: str) -> tuple[dict[str, Any], list[Finding]]:
    """One config document -> {key as written (maybe ending in '+'): value}.

    Read as go-yaml v2 reads it (YAML 1.1 scalars). K3s trims each scalar and list item and passes
    a null as an empty value (`--key=`), so a null is kept as None, not dropped. An empty file is
    an empty mapping (K3s accepts it). Values K3s cannot turn into flags (mappings, nested lists)
    and keys written with dashes are dropped with a finding."""
    data, findings = load_yaml_checked(text, source, k3s=True)
    if data is None:
        return {}, findings
    if not isinstance(data, dict):
        raise InputError(
            f"{source}: a K3s config file must be a mapping of flag names to values "
            f"(got {kind_of(data)}); write e.g. 'cluster-cidr: 10.42.0.0/16'"
        )
    out: dict[str, Any] = {}
    for raw_key, value in data.items():
        key = scalar_text(raw_key).strip()
        name = key.removesuffix("+")
        if name.startswith("-"):
            bare = name.lstrip("-")
            findings.append(emit(
                "IMPORT013", f"{source}: the key {key!r} starts with a dash; K3s makes it "
                f"'--{key}' and refuses to start (bad flag syntax)", f"write {bare!r} without dashes",
                key=bare))
            continue
        if isinstance(value, list):
            bad = [v for v in value if isinstance(v, (list, dict))]
            if bad:
                findings.append(emit(
                    "IMPORT007", f"{source}: {name}: list items must be plain values, "
                    f"not {kind_of(bad[0])}; K3s drops them", f"write {name} as a list of strings",
                    key=name))
            out[key] = [_trim(v) for v in value if not isinstance(v, (list, dict))]
        elif isinstance(value, dict):
            findings.append(emit(
                "IMPORT007", f"{source}: {name}: K3s cannot use a mapping as a flag value; "
                "it is ignored", f"give {name} a string, a number, a boolean or a list", key=name))
        else:
            out[key] = _trim(value)
    return out, findings


def _trim(value: Any) -> Any:
    """K3s trims config scalars (`flannel-backend: "vxlan "` is vxlan)."""
    return value.strip() if isinstance(value, str) else value


def merge_documents(docs: Sequence[tuple[str, dict[str, Any]]],
                    findings: list[Finding] | None = None) -> dict[str, Any]:
    """Merge parsed documents in order. Result keys have no '+' and use long flag names.
    A `key+:` on a single-value flag is reported into `findings` when given."""
    merged: dict[str, Any] = {}
    for source, doc in docs:
        for key, value in doc.items():
            append = key.endswith("+")
            name = canonical_name(key.removesuffix("+"))
            if append and name in merged:
                merged[name] = _append(name, merged[name], value, source, findings)
            else:
                merged[name] = value
    return merged


def _append(name: str, old: Any, new: Any, source: str, findings: list[Finding] | None) -> Any:
    """`key+:` — lists concatenate; on a single-value flag K3s passes both values and the last wins."""
    if isinstance(old, list) or isinstance(new, list) or is_list_flag(name) or flags.lookup(name) is None:
        return _as_list(old) + _as_list(new)
    if findings is not None:
        findings.append(emit(
            "IMPORT006", f"{source}: {name}+ on a single-value flag does not join the values: "
            f"K3s gets {name} twice and keeps the last ({show(name, scalar_text(new))})",
            f"write {name}: without '+'", key=name))
    return new


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def merge_configs(configs: Sequence[tuple[str, str]]) -> tuple[dict[str, Any], list[Finding]]:
    """Parse and merge config texts given as (source name, text), first file first."""
    findings: list[Finding] = []
    docs = []
    for source, text in configs:
        doc, found = parse_config(text, source)
        findings.extend(found)
        docs.append((source, doc))
    return merge_documents(docs, findings), findings
