"""K3s config files (`config.yaml` + `config.yaml.d/*.yaml`) merged exactly as K3s merges them.

k3s pkg/configfilearg/parser.go: files are read in order; a later file's key replaces the value
accumulated so far, unless written `key+:`, which appends to it. Keys keep the order in which
they were first seen. Pure: the shell reads the files and passes (source, text) pairs in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from k3stui.findings import Finding, InputError, error, warning
from k3stui.importers._common import canonical_name, is_list_flag, kind_of, scalar_text
from k3stui.importers.yamlio import load_yaml_checked


def parse_config(text: str, source: str) -> tuple[dict[str, Any], list[Finding]]:
    """One config document -> {key as written (maybe ending in '+'): value}.

    An empty file is an empty mapping (K3s accepts it). Values K3s cannot turn into flags
    (mappings, nulls, nested lists) are dropped with a finding."""
    data, findings = load_yaml_checked(text, source)
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
        if isinstance(value, list):
            bad = [v for v in value if isinstance(v, (list, dict)) or v is None]
            if bad:
                findings.append(error(
                    "IMPORT007", name, f"{source}: {name}: list items must be plain values, "
                    f"not {kind_of(bad[0])}", hint=f"write {name} as a list of strings"))
                value = [v for v in value if not (isinstance(v, (list, dict)) or v is None)]
            out[key] = list(value)
        elif isinstance(value, dict):
            findings.append(error(
                "IMPORT007", name, f"{source}: {name}: K3s cannot use a mapping as a flag value; "
                "it is ignored", hint=f"give {name} a string, a number, a boolean or a list"))
        elif value is None:
            findings.append(warning(
                "IMPORT007", name, f"{source}: {name} has no value; it is ignored",
                hint=f"give {name} a value or delete the line"))
        else:
            out[key] = value
    return out, findings


def merge_documents(docs: Sequence[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Merge parsed documents in order. Result keys have no '+' and use long flag names."""
    merged: dict[str, Any] = {}
    for _source, doc in docs:
        for key, value in doc.items():
            append = key.endswith("+")
            name = canonical_name(key.removesuffix("+"))
            if append and name in merged:
                merged[name] = _append(name, merged[name], value)
            else:
                merged[name] = value
    return merged


def _append(name: str, old: Any, new: Any) -> Any:
    """`key+:` — lists concatenate; two plain strings of a non-list flag join with a comma."""
    if isinstance(old, list) or isinstance(new, list) or is_list_flag(name):
        return _as_list(old) + _as_list(new)
    return f"{scalar_text(old)},{scalar_text(new)}"


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return list(value)
    text = scalar_text(value).strip()
    return [value] if text else []


def merge_configs(configs: Sequence[tuple[str, str]]) -> tuple[dict[str, Any], list[Finding]]:
    """Parse and merge config texts given as (source name, text), first file first."""
    findings: list[Finding] = []
    docs = []
    for source, text in configs:
        doc, found = parse_config(text, source)
        findings.extend(found)
        docs.append((source, doc))
    return merge_documents(docs), findings
