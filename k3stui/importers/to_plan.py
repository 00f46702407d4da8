"""K3s flag values (merged config files + command line) -> Plan fields, via `flags.FLAGS`.

Pure. Wrong values become findings, never exceptions, so a broken config still yields a plan the
rules can talk about. Unknown and unmodelled flags are kept verbatim in `Plan.extra`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from k3stui import defaults, flags
from k3stui.findings import Finding, did_you_mean
from k3stui.flag_values import (
    KNOWN_NAMES,
    PARSEBOOL_FALSE,
    PARSEBOOL_TRUE,
    canonical_name,
    scalar_text,
    show,
)
from k3stui.plan import Plan, Secret, effective_cluster_cidr, effective_service_cidr, get_value, with_value
from k3stui.rules.registry import emit

_KCM = "kube-controller-manager-arg"
_KCM_ALIAS = "kube-controller-arg"  # hidden server flag feeding the same list
_KCM_SETS = {"cluster-cidr": "cluster_cidr", "service-cluster-ip-range": "service_cidr"}
# Component arguments that set what a K3s flag sets: argument name -> plan field.
_PASS_THROUGH: dict[str, dict[str, str]] = {
    "kube-apiserver-arg": {"service-cluster-ip-range": "service_cidr",
                           "service-node-port-range": "service_node_port_range"},
    _KCM: _KCM_SETS,
    _KCM_ALIAS: _KCM_SETS,
}


class _Bad(ValueError):
    pass


def plan_from_args(args: Mapping[str, Any], *, role: str | None, base: Plan,
                   reported: frozenset[str] = frozenset()) -> tuple[Plan, list[Finding]]:
    """Apply flag values on top of `base`. `role` (from `server`/`agent`) wins over base.role.

    An unknown name is kept in `Plan.extra` and reported as a config-file key (K3s skips it),
    unless it is in `reported` (the command-line parser already reported it as fatal)."""
    plan = base
    findings: list[Finding] = []
    extra = dict(base.extra)
    passed: dict[str, tuple[str, str]] = {}  # plan field -> (component arg, value) from *-arg flags
    for raw_key, value in args.items():
        key = canonical_name(str(raw_key).lstrip("-").removesuffix("+"))
        flag = flags.lookup(key)
        if flag is None:
            if key not in reported:
                findings.append(_unknown_key(key))
            extra[key] = value
            continue
        if key == "no-flannel":
            plan, extra = _no_flannel(plan, extra, value, findings)
            continue
        if key in _PASS_THROUGH:
            plan, rest = _component_args(plan, key, value, passed, findings)
            if rest:
                extra[key] = rest
            else:
                extra.pop(key, None)
            continue
        if flag.field is None:
            extra[key] = value
            continue
        try:
            converted = _convert(flag, value, findings)
        except _Bad as exc:
            findings.append(emit(
                "IMPORT002", f"{key}: {show(key, value)} is not {exc}; K3s refuses to start",
                f"give {key} {exc}", key=key))
            continue
        if isinstance(converted, list):  # a plain flag given as a list: K3s keeps the last
            findings.append(emit(
                "IMPORT006", f"{key} is given {len(converted)} values; the last one wins",
                f"give {key} one value", key=key))
            converted = converted[-1] if converted else None
        if converted == "" and key in flags.NOT_EMPTY:
            findings.append(emit(
                "IMPORT012", f"{key} is empty; {flags.NOT_EMPTY[key]}",
                f"delete {key} for K3s's default, or give it a value", key=key))
            continue
        if flag.field == "flannel.conf" and converted == defaults.FLANNEL_CONF_PATH:
            converted = None  # k3stui's own default path: the plan says "unset"
        plan = with_value(plan, flag.field, converted)
    plan = _compare_passed(plan, passed, findings)
    if role:
        plan = with_value(plan, "role", role)
    if plan.flannel.backend == "none" and plan.cni.kind == "flannel":
        plan = with_value(plan, "cni.kind", "none")  # bring your own CNI
    if extra != plan.extra:
        plan = with_value(plan, "extra", extra)
    return plan, findings


def _unknown_key(key: str) -> Finding:
    """K3s skips a config key it does not know: a close match of a flag is an error (the intent
    is plain and silently lost), any other a warning."""
    hint = did_you_mean(key, KNOWN_NAMES)
    if hint:
        return emit("IMPORT011", f"unknown K3s config key {key!r}: K3s skips it, so the setting is "
                    f"lost.{hint}", "fix the spelling; k3stui keeps the key as written", key=key)
    return emit("IMPORT001", f"unknown K3s config key {key!r}: K3s skips it (a log line, no error); "
                "k3stui keeps it as written", "check the spelling against 'k3s server --help'", key=key)


def _convert(flag: flags.Flag, value: Any, findings: list[Finding]) -> Any:
    if flag.kind == "list":
        return _slice(flag.name, value, findings)
    if isinstance(value, list):
        return [_convert(flag, v, findings) for v in value]
    if flag.kind == "bool":
        return _bool(value)
    if flag.kind == "int":
        return _int(value)
    text = scalar_text(value)
    if flag.name == "service-node-port-range" and text != "".join(text.split()):
        findings.append(emit(
            "IMPORT012", f"service-node-port-range {text!r} has spaces; K3s does not trim the range "
            "and refuses to start (invalid port range)", "write it as low-high, e.g. 30000-32767",
            key=flag.name))
        return "".join(text.split())
    return Secret(text) if flag.secret else text


def _slice(name: str, value: Any, findings: list[Finding]) -> tuple[str, ...]:
    """A StringSlice value as K3s reads it: each item split on commas (util.SplitStringSlice), the
    parts not trimmed. For the address flags an empty or padded part is fatal: reported, and the
    plan keeps the trimmed non-empty parts so the other rules judge what was meant."""
    items = value if isinstance(value, list) else [value]
    parts: list[str] = []
    for item in items:
        text = scalar_text(item)
        parts.extend(text.split(",") if name in flags.COMMA_SPLIT else [text])
    if name in flags.STRICT_SLICE:
        bad = [part for part in parts if part == "" or part != part.strip()]
        if bad:
            what = "an empty item" if "" in bad else f"the item {bad[0]!r} with spaces"
            findings.append(emit(
                "IMPORT012", f"{name} {','.join(parts)!r} has {what}: K3s splits on commas without "
                f"trimming and refuses to start (invalid {name})",
                f"write {name} as comma-separated values without spaces, or delete it for the default",
                key=name))
    return tuple(part.strip() for part in parts if part.strip())


def _bool(value: Any) -> bool:
    """Go's strconv.ParseBool, which urfave/cli uses: exact spellings only (`tRuE` is refused)."""
    if isinstance(value, bool):
        return value
    text = scalar_text(value)
    if text in PARSEBOOL_TRUE:
        return True
    if text in PARSEBOOL_FALSE:
        return False
    raise _Bad("true or false")


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise _Bad("a whole number")
    if isinstance(value, int):
        return value
    try:
        return int(scalar_text(value).strip())
    except ValueError:
        raise _Bad("a whole number") from None


def _no_flannel(plan: Plan, extra: dict[str, Any], value: Any,
                findings: list[Finding]) -> tuple[Plan, dict[str, Any]]:
    """Map the removed `--no-flannel` to its replacement; the marker stays in extra for the
    rule that reports the removal."""
    extra["no-flannel"] = value
    try:
        on = _bool(value)
    except _Bad:
        findings.append(emit("IMPORT002", f"no-flannel: {value!r} is not true or false",
                             "delete no-flannel and write flannel-backend: none", key="no-flannel"))
        return plan, extra
    if on:
        plan = with_value(plan, "flannel.backend", "none")
        findings.append(emit(
            "IMPORT009", "no-flannel is read as flannel-backend: none",
            "write flannel-backend: none instead; no-flannel is fatal from K3s v1.25 and gone in v1.26"))
    return plan, extra


def _component_args(plan: Plan, key: str, value: Any, passed: dict[str, tuple[str, str]],
                    findings: list[Finding]) -> tuple[Plan, list[str]]:
    """`kube-controller-manager-arg: node-cidr-mask-size[-ipv4|-ipv6]=N` go to the plan; the
    arguments that set what a K3s flag sets are noted in `passed`; every other entry (and those)
    stays verbatim."""
    rest: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        text = scalar_text(item)
        name, eq, number = text.strip().lstrip("-").partition("=")
        if eq and name in _PASS_THROUGH[key]:
            passed[_PASS_THROUGH[key][name]] = (f"{key}: {name}", number)
            rest.append(text)
            continue
        field = flags.KCM_MASK_ARGS.get(name) if key in (_KCM, _KCM_ALIAS) else None
        if field is None or not eq:
            rest.append(text)
            continue
        try:
            size = _int(number)
        except _Bad:
            findings.append(emit(
                "IMPORT002", f"{key}: {text!r}: {number!r} is not a whole number",
                f"write {name}=24 (IPv4) or {name}=64 (IPv6)", key=key))
            rest.append(text)
            continue
        if get_value(plan, field) is not None and get_value(plan, field) != size:
            findings.append(emit(
                "IMPORT006", f"{key}: {name} is given more than once; the last value ({size}) wins",
                f"give {name} once", key=key))
        plan = with_value(plan, field, size)
    return plan, rest


def _compare_passed(plan: Plan, passed: dict[str, tuple[str, str]], findings: list[Finding]) -> Plan:
    """A component argument wins inside that component (K3s appends it after its own), while K3s
    itself keeps using its flag. The NodePort range is used by kube-apiserver alone, so its argument
    becomes the plan's value when the flag is unset; the CIDRs must equal what K3s uses."""
    effective = {"cluster_cidr": lambda: effective_cluster_cidr(plan),
                 "service_cidr": lambda: effective_service_cidr(plan),
                 "service_node_port_range": lambda: (plan.service_node_port_range or "",)}
    for field, (where, value) in passed.items():
        if field == "service_node_port_range" and plan.service_node_port_range is None:
            plan = with_value(plan, field, value)
            continue
        k3s = tuple(effective[field]())
        if tuple(v.strip() for v in value.split(",")) != k3s:
            flag = flags.BY_FIELD[field].name
            findings.append(emit(
                "IMPORT014", f"{where}={value} but K3s's {flag} is {','.join(k3s)}: the component uses "
                f"the argument, K3s (flannel, CoreDNS, kube-proxy) its {flag}",
                f"set {flag}: {value} and remove the argument", key=where.partition(":")[0]))
    return plan
