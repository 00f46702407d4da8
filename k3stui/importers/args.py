"""K3s flag values (merged config files + command line) -> Plan fields, via `flags.FLAGS`.

Pure. Wrong values become findings, never exceptions, so a broken config still yields a plan the
rules can talk about. Unknown and unmodelled flags are kept verbatim in `Plan.extra`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from k3stui import defaults, flags
from k3stui.findings import Finding, did_you_mean, error, info, warning
from k3stui.importers._common import KNOWN_NAMES, canonical_name, scalar_text, show
from k3stui.plan import Plan, Secret, get_value, with_value

_TRUE = {"1", "t", "true"}  # strconv.ParseBool, which urfave/cli uses
_FALSE = {"0", "f", "false"}
_KCM = "kube-controller-manager-arg"


class _Bad(ValueError):
    pass


def plan_from_args(args: Mapping[str, Any], *, role: str | None, base: Plan) -> tuple[Plan, list[Finding]]:
    """Apply flag values on top of `base`. `role` (from `server`/`agent`) wins over base.role."""
    plan = base
    findings: list[Finding] = []
    extra = dict(base.extra)
    for raw_key, value in args.items():
        key = canonical_name(str(raw_key).lstrip("-").removesuffix("+"))
        flag = flags.lookup(key)
        if flag is None:
            findings.append(warning(
                "IMPORT001", key, f"unknown K3s flag {key!r}; it is kept as written."
                + did_you_mean(key, KNOWN_NAMES),
                hint="fix the spelling; K3s refuses to start with an unknown flag"))
            extra[key] = value
            continue
        if key == "no-flannel":
            plan, extra = _no_flannel(plan, extra, value, findings)
            continue
        if key == _KCM:
            plan, rest = _kcm_args(plan, value, findings)
            if rest:
                extra[_KCM] = rest
            else:
                extra.pop(_KCM, None)
            continue
        if flag.field is None:
            extra[key] = value
            continue
        try:
            converted = _convert(flag, value)
        except _Bad as exc:
            findings.append(error(
                "IMPORT002", key, f"{key}: {show(key, value)} is not {exc}; the value is ignored",
                hint=f"give {key} {exc}"))
            continue
        if isinstance(converted, list):  # a plain flag given as a list: K3s keeps the last
            findings.append(warning(
                "IMPORT006", key, f"{key} is given {len(converted)} values; the last one wins",
                hint=f"give {key} one value"))
            converted = converted[-1] if converted else None
        if flag.field == "flannel.conf" and converted == defaults.FLANNEL_CONF_PATH:
            converted = None  # k3stui's own default path: the plan says "unset"
        plan = with_value(plan, flag.field, converted)
    if role:
        plan = with_value(plan, "role", role)
    if plan.flannel.backend == "none" and plan.cni.kind == "flannel":
        plan = with_value(plan, "cni.kind", "none")  # bring your own CNI
    if extra != plan.extra:
        plan = with_value(plan, "extra", extra)
    return plan, findings


def _convert(flag: flags.Flag, value: Any) -> Any:
    if flag.kind == "list":
        items = value if isinstance(value, list) else [value]
        out: list[str] = []
        for item in items:
            text = scalar_text(item)
            split = flag.name in flags.COMMA_SPLIT or not isinstance(value, list)
            parts = text.split(",") if split else [text]
            out.extend(p.strip() for p in parts if p.strip())
        return tuple(out)
    if isinstance(value, list):
        return [_convert(flag, v) for v in value]
    if flag.kind == "bool":
        return _bool(value)
    if flag.kind == "int":
        return _int(value)
    text = scalar_text(value)
    return Secret(text) if flag.secret else text


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = scalar_text(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
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
        findings.append(error("IMPORT002", "no-flannel", f"no-flannel: {value!r} is not true or false",
                              hint="delete no-flannel and write flannel-backend: none"))
        return plan, extra
    if on:
        plan = with_value(plan, "flannel.backend", "none")
        findings.append(info(
            "IMPORT009", "no-flannel", "no-flannel is read as flannel-backend: none",
            hint="write flannel-backend: none instead; no-flannel was removed in K3s v1.26"))
    return plan, extra


def _kcm_args(plan: Plan, value: Any, findings: list[Finding]) -> tuple[Plan, list[str]]:
    """`node-cidr-mask-size[-ipv4|-ipv6]=N` go to the plan; other entries stay verbatim."""
    rest: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        text = scalar_text(item)
        name, eq, number = text.strip().lstrip("-").partition("=")
        field = flags.KCM_MASK_ARGS.get(name)
        if field is None or not eq:
            rest.append(text)
            continue
        try:
            size = _int(number)
        except _Bad:
            findings.append(error(
                "IMPORT002", _KCM, f"{_KCM}: {text!r}: {number!r} is not a whole number",
                hint=f"write {name}=24 (IPv4) or {name}=64 (IPv6)"))
            rest.append(text)
            continue
        if get_value(plan, field) is not None and get_value(plan, field) != size:
            findings.append(warning(
                "IMPORT006", _KCM, f"{_KCM}: {name} is given more than once; the last value ({size}) wins",
                hint=f"give {name} once"))
        plan = with_value(plan, field, size)
    return plan, rest
