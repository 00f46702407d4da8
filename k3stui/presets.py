"""Presets: a whole network plan in a versioned YAML file, and the JSON Schema for it.

```yaml
apiVersion: k3stui.io/v1alpha1
kind: NetworkPreset
metadata: {name: calico, description: ...}
spec: {flannel: {backend: none}, cni: {kind: calico}, ...}   # only what differs from K3s defaults
```

The spec is the Plan as data: each dataclass field `snake_case` is the key `kebab-case` (so
`cluster_cidr` is `cluster-cidr`, the K3s flag name). The mapping, the strict loader and the schema
are all derived from the dataclasses, so a new Plan field needs no edit here unless it is an enum.
"""

from __future__ import annotations

import re
import types
import typing
from functools import cache
from pathlib import Path
from typing import Any, Union

from k3stui import flags, yamlout
from k3stui import plan as plan_mod
from k3stui.findings import InputError, did_you_mean
from k3stui.flag_values import SECRET_KEYS, kind_of, scalar_text
from k3stui.importers.yamlio import load_yaml_checked
from k3stui.plan import Plan, Secret
from k3stui.records import MISSING, Field, fields, record
from k3stui.records import is_record as is_dataclass

API_VERSION = "k3stui.io/v1alpha1"
KIND = "NetworkPreset"
SCHEMA_FILE = "preset.schema.json"
SCHEMA_COMMENT = f"# yaml-language-server: $schema={SCHEMA_FILE}\n"
NAME_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
_TOKEN_MESSAGE = "a preset must never hold the join token: store it in a file and set token-file"

# Fields whose str/int value must be one of a fixed set (plan.py tuples where they exist).
ROLES: tuple[str, ...] = ("server", "agent")
ENUMS: dict[tuple[type, str], tuple[Any, ...]] = {
    (plan_mod.Plan, "role"): ROLES,
    (plan_mod.Plan, "egress_selector_mode"): plan_mod.EGRESS_SELECTOR_MODES,
    (plan_mod.Plan, "accept_ra"): (0, 1, 2),
    (plan_mod.Flannel, "backend"): plan_mod.FLANNEL_BACKENDS,
    (plan_mod.Cni, "kind"): plan_mod.CNI_KINDS,
    (plan_mod.Calico, "encapsulation"): plan_mod.CALICO_ENCAPSULATIONS,
    (plan_mod.Calico, "linux_dataplane"): ("Iptables", "Nftables", "BPF", "VPP"),
    (plan_mod.Cilium, "routing_mode"): ("tunnel", "native"),
    (plan_mod.Cilium, "tunnel_protocol"): ("vxlan", "geneve"),
    (plan_mod.Cilium, "ipam_mode"): ("cluster-pool", "kubernetes"),
    (plan_mod.Cilium, "encryption"): ("none", "wireguard", "ipsec"),
    (plan_mod.MacvlanNetwork, "mode"): plan_mod.MACVLAN_MODES,
    (plan_mod.MacvlanNetwork, "ipam"): plan_mod.MACVLAN_IPAMS,
    (plan_mod.Node, "role"): ROLES,
}

# K3s flags the spec models: written as spec keys, so not allowed again in spec.extra.
_MODELLED_FLAGS = {f.name: f.field for f in flags.FLAGS.values() if f.field}
_FORBIDDEN_EXTRA = sorted(SECRET_KEYS | set(_MODELLED_FLAGS))
# net-conf.json keys that are Flannel fields (or come from cluster-cidr), not netconf-extra.
_FORBIDDEN_NETCONF_EXTRA = sorted({"Network", "IPv6Network", "EnableIPv4", "EnableIPv6", "Backend.Type",
                                   "Backend.DirectRouting", "Backend.MTU", "Backend.VNI", "Backend.Port"})


@record
class Preset:
    name: str
    description: str
    plan: Plan


# ---------------------------------------------------------------------------------------------
# Dataclass introspection


def kebab(name: str) -> str:
    return name.replace("_", "-")


@cache  # the dataclasses never change; get_type_hints costs ~0.5 ms a class, called per object
@typing.no_type_check
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, vars(plan_mod))


def _optional(tp: Any) -> tuple[Any, bool]:
    """`X | None` -> (X, True)."""
    if typing.get_origin(tp) in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return args[0], True
    return tp, False


def _has_default(f: Field[Any]) -> bool:
    return f.default is not MISSING or f.default_factory is not MISSING


def _default(f: Field[Any]) -> Any:
    return f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]


def _spec_fields(cls: type) -> list[Field[Any]]:
    """Fields a preset may hold: all but secrets (the token)."""
    hints = _hints(cls)
    return [f for f in fields(cls) if _optional(hints[f.name])[0] is not Secret]


# ---------------------------------------------------------------------------------------------
# Plan -> data


def plan_to_data(plan: Plan) -> dict[str, Any]:
    """The spec mapping for a plan: only values that differ from the defaults; never a secret."""
    return _object_to_data(plan)


def _object_to_data(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in _spec_fields(type(obj)):
        value = getattr(obj, f.name)
        if _has_default(f) and value == _default(f):
            continue
        if f.name == "extra" and isinstance(obj, Plan):
            value = {k: v for k, v in value.items() if k not in SECRET_KEYS}
            if not value:
                continue
        out[kebab(f.name)] = _value_to_data(value)
    return out


def _value_to_data(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return _object_to_data(value)
    if isinstance(value, (tuple, list)):
        return [_value_to_data(v) for v in value]
    if isinstance(value, dict):
        return {k: _value_to_data(v) for k, v in value.items()}
    return value


def secrets_in(plan: Plan) -> list[str]:
    """Names of secret values a plan holds (they are never written to a preset)."""
    found = ["token"] if plan.token is not None else []
    return found + [k for k in plan.extra if k in SECRET_KEYS]


# ---------------------------------------------------------------------------------------------
# data -> Plan (strict: every problem is collected, with its path)

_BAD = object()


def _unknown(path: str, key: Any, choices: list[str]) -> str:
    hint = did_you_mean(str(key), choices)
    return f"{path}: unknown key.{hint}" if hint else f"{path}: unknown key"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def plan_from_data(data: Any, source: str) -> Plan:
    """The exact inverse of `plan_to_data`; raises InputError listing every problem."""
    problems: list[str] = []
    plan = _object_from_data(Plan, data if data is not None else {}, "spec", problems)
    if problems:
        raise InputError(_report(source, problems))
    return plan  # type: ignore[no-any-return]


def _report(source: str, problems: list[str]) -> str:
    head = f"{source}: {len(problems)} problem{'s' if len(problems) > 1 else ''} in the preset:"
    return "\n  ".join([head, *problems])


def _object_from_data(cls: type, data: Any, path: str, problems: list[str]) -> Any:
    if not isinstance(data, dict):
        problems.append(f"{path}: must be a mapping, not {kind_of(data)}")
        return _BAD
    hints = _hints(cls)
    by_key = {kebab(f.name): f for f in _spec_fields(cls)}
    before = len(problems)
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        here = _join(path, str(key))
        if key == "token":
            problems.append(f"{here}: {_TOKEN_MESSAGE}")
            continue
        f = by_key.get(key) if isinstance(key, str) else None
        if f is None:
            problems.append(_unknown(here, key, list(by_key)))
            continue
        converted = _value_from_data(hints[f.name], value, here, problems, ENUMS.get((cls, f.name)))
        if converted is not _BAD:
            kwargs[f.name] = converted
    for f in fields(cls):
        if not _has_default(f) and f.name not in kwargs and kebab(f.name) not in data:
            problems.append(f"{_join(path, kebab(f.name))}: required")
    if cls is Plan and isinstance(kwargs.get("extra"), dict):
        _check_names(kwargs["extra"], _FORBIDDEN_EXTRA, _join(path, "extra"), problems, _extra_why)
    if cls is plan_mod.Flannel and isinstance(kwargs.get("netconf_extra"), dict):
        _check_names(kwargs["netconf_extra"], _FORBIDDEN_NETCONF_EXTRA, _join(path, "netconf-extra"),
                     problems, _netconf_why)
    if len(problems) > before:
        return _BAD
    return cls(**kwargs)


def _extra_why(key: str) -> str:
    if key in SECRET_KEYS:
        return _TOKEN_MESSAGE if key == "token" else f"{key} is a secret; a preset must never hold it"
    field = _MODELLED_FLAGS[key]
    return f"k3stui models this flag: write spec.{'.'.join(kebab(p) for p in field.split('.'))}"


def _netconf_why(key: str) -> str:
    if key.startswith("Backend."):
        name = {"Type": "backend", "DirectRouting": "direct-routing"}.get(key[8:], key[8:].lower())
        return f"write spec.flannel.{name}"
    return "comes from cluster-cidr"


def _check_names(mapping: dict[str, Any], forbidden: list[str], path: str, problems: list[str],
                 why: typing.Callable[[str], str]) -> None:
    for key in mapping:
        if key in forbidden:
            problems.append(f"{path}.{key}: {why(key)}")


def _value_from_data(tp: Any, value: Any, path: str, problems: list[str],
                     enum: tuple[Any, ...] | None = None) -> Any:
    tp, optional = _optional(tp)
    if value is None:
        if optional:
            return None
        problems.append(f"{path}: must not be null")
        return _BAD
    if tp is Any:
        return value
    if is_dataclass(tp):
        return _object_from_data(tp, value, path, problems)  # type: ignore[arg-type]
    origin = typing.get_origin(tp)
    if origin is tuple:
        if not isinstance(value, list):
            problems.append(f"{path}: must be a list, not {kind_of(value)}")
            return _BAD
        item_type = typing.get_args(tp)[0]
        items = [_value_from_data(item_type, v, f"{path}[{i}]", problems) for i, v in enumerate(value)]
        return _BAD if any(i is _BAD for i in items) else tuple(items)
    if origin is dict:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            problems.append(f"{path}: must be a mapping with string keys, not {kind_of(value)}")
            return _BAD
        return dict(value)
    want = {str: "a string", int: "a whole number", bool: "true or false"}[tp]
    if not isinstance(value, tp) or (tp is int and isinstance(value, bool)):
        problems.append(f"{path}: must be {want}, not {kind_of(value)} ({scalar_text(value)!r})")
        return _BAD
    if enum is not None and value not in enum:
        hint = did_you_mean(str(value), [str(e) for e in enum])
        problems.append(f"{path}: {value!r} is not one of {', '.join(map(str, enum))}{hint}")
        return _BAD
    return value


# ---------------------------------------------------------------------------------------------
# Files: load, dump


def preset_to_data(preset: Preset) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": preset.name}
    if preset.description:
        metadata["description"] = preset.description
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata, "spec": plan_to_data(preset.plan)}


def dump_preset(preset: Preset) -> str:
    """YAML text of a preset (data through the dumper; the first line points editors at the schema)."""
    body = yamlout.dump(preset_to_data(preset), sort_keys=False, default_flow_style=False,
                        allow_unicode=True, width=100)
    return SCHEMA_COMMENT + body


def preset_from_data(data: Any, source: str) -> Preset:
    problems: list[str] = []
    if not isinstance(data, dict):
        raise InputError(f"{source}: a preset must be a mapping with apiVersion, kind, metadata "
                         f"and spec, not {kind_of(data)}")
    for key in data:
        if key not in ("apiVersion", "kind", "metadata", "spec"):
            problems.append(_unknown(str(key), key, ["apiVersion", "kind", "metadata", "spec"]))
    if data.get("apiVersion") != API_VERSION:
        problems.append(f"apiVersion: must be {API_VERSION}, not {data.get('apiVersion')!r}")
    if data.get("kind") != KIND:
        problems.append(f"kind: must be {KIND}, not {data.get('kind')!r}")
    name, description = "", ""
    metadata = data.get("metadata")
    if not isinstance(metadata, dict):
        problems.append(f"metadata: must be a mapping with name and description, not {kind_of(metadata)}")
    else:
        for key in metadata:
            if key not in ("name", "description"):
                problems.append(_unknown(f"metadata.{key}", key, ["name", "description"]))
        name = metadata.get("name")
        if not isinstance(name, str) or not re.match(NAME_PATTERN, name):
            problems.append(f"metadata.name: {name!r} must be lower case letters, digits and dashes")
        description = metadata.get("description", "") or ""
        if not isinstance(description, str):
            problems.append(f"metadata.description: must be a string, not {kind_of(description)}")
    if "spec" not in data:
        problems.append("spec: required (an empty mapping {} means K3s defaults)")
    spec = data.get("spec")
    plan = _object_from_data(Plan, {} if spec is None else spec, "spec", problems) if "spec" in data else _BAD
    if problems:
        raise InputError(_report(source, problems))
    return Preset(str(name), str(description), plan)


def load_preset_text(text: str, source: str) -> Preset:
    data, duplicates = load_yaml_checked(text, source)
    if duplicates:  # a preset is written by k3stui or by hand for k3stui: be strict
        raise InputError(_report(source, [d.message for d in duplicates]))
    return preset_from_data(data, source)


# ---------------------------------------------------------------------------------------------
# JSON Schema, generated from the same dataclasses


def preset_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    spec = _schema(Plan, None, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "k3stui NetworkPreset",
        "description": "A K3s pod network plan. Generated from k3stui/plan.py: do not edit by hand.",
        "type": "object",
        "additionalProperties": False,
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": API_VERSION},
            "kind": {"const": KIND},
            "metadata": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "pattern": NAME_PATTERN},
                    "description": {"type": "string"},
                },
            },
            "spec": spec,
        },
        "$defs": defs,
    }


def _schema(tp: Any, enum: tuple[Any, ...] | None, defs: dict[str, Any]) -> dict[str, Any]:
    tp, optional = _optional(tp)
    out = _schema_plain(tp, enum, defs)
    return {"anyOf": [out, {"type": "null"}]} if optional else out


def _schema_plain(tp: Any, enum: tuple[Any, ...] | None, defs: dict[str, Any]) -> dict[str, Any]:
    if tp is Any:
        return {}
    if is_dataclass(tp):
        name = tp.__name__  # type: ignore[union-attr]
        if name not in defs:
            defs[name] = {}  # placeholder against recursion
            defs[name] = _object_schema(tp, defs)  # type: ignore[arg-type]
        return {"$ref": f"#/$defs/{name}"}
    origin = typing.get_origin(tp)
    if origin is tuple:
        return {"type": "array", "items": _schema(typing.get_args(tp)[0], None, defs)}
    if origin is dict:
        return {"type": "object"}
    out: dict[str, Any] = {"type": {str: "string", int: "integer", bool: "boolean"}[tp]}
    if enum is not None:
        out["enum"] = list(enum)
    return out


def _object_schema(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    hints = _hints(cls)
    props: dict[str, Any] = {}
    for f in _spec_fields(cls):
        prop = _schema(hints[f.name], ENUMS.get((cls, f.name)), defs)
        if _has_default(f) and isinstance(_default(f), (str, int, bool)):
            prop = {**prop, "default": _default(f)}
        props[kebab(f.name)] = prop
    if cls is Plan:
        props["extra"] = {**props["extra"], "propertyNames": {"not": {"enum": _FORBIDDEN_EXTRA}}}
    if cls is plan_mod.Flannel:
        props["netconf-extra"] = {**props["netconf-extra"],
                                  "propertyNames": {"not": {"enum": _FORBIDDEN_NETCONF_EXTRA}}}
    schema: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": props}
    required = [kebab(f.name) for f in fields(cls) if not _has_default(f)]
    if required:
        schema["required"] = required
    return schema


def schema_text() -> str:
    import json

    return json.dumps(preset_schema(), indent=2) + "\n"


# ---------------------------------------------------------------------------------------------
# Shipped presets (package data; see resources.py)


def shipped_names() -> list[str]:
    from k3stui.resources import presets_dir

    return sorted(p.stem for p in presets_dir().glob("*.yaml"))


def shipped_path(name: str) -> Path:
    from k3stui.resources import presets_dir

    path = presets_dir() / f"{name}.yaml"
    if not re.match(NAME_PATTERN, name) or not path.is_file():
        names = shipped_names()
        raise InputError(f"no shipped preset {name!r}.{did_you_mean(name, names)} "
                         f"Shipped: {', '.join(names)} ('k3stui preset list')")
    return path


def load_shipped(name: str) -> Preset:
    path = shipped_path(name)
    return load_preset_text(path.read_text(encoding="utf-8"), str(path))


if __name__ == "__main__":  # regenerate presets/preset.schema.json: python -m k3stui.presets
    from k3stui.resources import presets_dir

    (presets_dir() / SCHEMA_FILE).write_text(schema_text(), encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# One field from the command line: `--set cni.calico.ip-pools=192.168.200.0/24`


def apply_setting(plan: Plan, text: str) -> Plan:
    """`PATH=VALUE`: set the preset field at PATH (spec keys joined by dots, as in a preset and in
    finding keys) to VALUE, read as YAML and checked like a preset. A list field also takes
    comma-separated items. An empty VALUE resets the field to its default: for
    `cni.calico.ip-pools` and `cni.cilium.pool-cidrs` that means "follow cluster-cidr".
    Raises InputError naming the path and the fix."""
    path, eq, raw = text.partition("=")
    path = path.strip()
    where = f"--set {path or text!r}"
    if not eq or not path:
        raise InputError(f"{where}: write PATH=VALUE, e.g. cni.calico.ip-pools=192.168.200.0/24")
    cls: type = Plan
    fields_path: list[str] = []
    f: Field[Any] | None = None
    parts = path.split(".")
    for i, part in enumerate(parts):
        by_key = {kebab(x.name): x for x in _spec_fields(cls)}
        f = by_key.get(part)
        if f is None:
            spot = ".".join(parts[: i + 1])
            raise InputError(f"{where}: {_unknown(spot, part, list(by_key))}")
        fields_path.append(f.name)
        tp, _ = _optional(_hints(cls)[f.name])
        if i < len(parts) - 1:
            if not is_dataclass(tp):
                raise InputError(f"{where}: {'.'.join(parts[: i + 1])} has no keys below it")
            cls = tp  # type: ignore[assignment]
    assert f is not None
    if raw.strip() == "":
        value: Any = _default(f) if _has_default(f) else None
    else:
        value = _setting_value(_hints(cls)[f.name], raw, where)
        problems: list[str] = []
        value = _value_from_data(_hints(cls)[f.name], value, path, problems, ENUMS.get((cls, f.name)))
        if problems:
            raise InputError(f"{where}: " + "; ".join(problems))
    return plan_mod.with_value(plan, ".".join(fields_path), value)


def _setting_value(tp: Any, raw: str, where: str) -> Any:
    from k3stui.yaml_import import pyyaml

    yaml = pyyaml()
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise InputError(f"{where}: the value is not YAML ({exc.__class__.__name__})") from None
    base, _ = _optional(tp)
    if typing.get_origin(base) is tuple and not isinstance(value, list):
        return [p.strip() for p in raw.split(",") if p.strip()]
    if base is str and not isinstance(value, str) and value is not None:
        return raw.strip()  # "1.20" stays a version string, not a number
    return value
