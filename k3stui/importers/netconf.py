"""A flannel net-conf.json (`--flannel-conf`) -> the plan's Flannel fields, with findings.

Keys and spellings: flannel Documentation/configuration.md, backends.md, pkg/subnet/config.go
(`../shared/reference/k3s-network.md` §4). Go's encoding/json matches keys case-insensitively, so a
differently-cased key works but is normalized (NETCONF004). Pure.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import replace
from typing import Any

from k3stui.findings import Finding, InputError, did_you_mean, error, warning
from k3stui.plan import Flannel, Plan, effective_cluster_cidr

TOP_KEYS = (
    "Network", "IPv6Network", "EnableIPv4", "EnableIPv6", "EnableNFTables", "SubnetLen", "SubnetMin",
    "SubnetMax", "IPv6SubnetLen", "IPv6SubnetMin", "IPv6SubnetMax", "Backend",
)
BACKEND_KEYS = (
    "Type", "VNI", "Port", "GBP", "DirectRouting", "Learning", "MTU", "MacPrefix", "Name",  # vxlan
    "PSK", "ListenPort", "ListenPortV6", "Mode", "PersistentKeepaliveInterval",  # wireguard
    "UDPEncap", "ESPProposal",  # ipsec
    "PreStartupCommand", "PostStartupCommand", "SubnetAddCommand", "SubnetRemoveCommand",  # extension
)
NETWORK_KEYS = ("Network", "IPv6Network", "EnableIPv4", "EnableIPv6")
# net-conf Backend.Type -> K3s flannel-backend value. Others (udp, ipip, extension ...) keep the
# flag's backend and stay in netconf_extra as "Backend.Type".
TYPE_TO_BACKEND = {"vxlan": "vxlan", "host-gw": "host-gw", "wireguard": "wireguard-native", "ipsec": "ipsec"}
KNOWN_TYPES = (*TYPE_TO_BACKEND, "udp", "ipip", "extension", "alloc", "aws-vpc", "gce", "ali-vpc",
               "tencent-vpc")
_MODELLED = {"Type": str, "DirectRouting": bool, "MTU": int, "VNI": int, "Port": int}
_FIELD = {"DirectRouting": "direct_routing", "MTU": "mtu", "VNI": "vni", "Port": "port"}
_TYPED_TOP = {"EnableIPv4": bool, "EnableIPv6": bool, "Network": str, "IPv6Network": str}


def parse_json(text: str, source: str) -> Any:
    """json.loads with `source:line:col` errors; a missing comma is placed where it belongs."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(_describe(exc, source)) from None
    except RecursionError:
        raise InputError(f"{source}: the JSON is nested too deeply") from None
    except ValueError:  # Python refuses integers of more than 4300 digits; flannel's fit in 32 bits
        raise InputError(f"{source}: a number is far too long for any net-conf.json value; "
                         "check the file") from None


def _describe(exc: json.JSONDecodeError, source: str) -> str:
    text, pos = exc.doc, exc.pos
    prev = len(text[:pos].rstrip())  # index just after the previous token
    line = text.count("\n", 0, prev) + 1
    col = prev - (text.rfind("\n", 0, prev) + 1) + 1
    if exc.msg.startswith("Expecting ',' delimiter") and prev > 0:
        return (f"{source}:{line}:{col}: a ',' is missing here, before the next item at "
                f"{exc.lineno}:{exc.colno}")
    if exc.msg.startswith("Expecting property name") and prev > 0 and text[prev - 1] == ",":
        return f"{source}:{line}:{col - 1}: trailing ',' before '}}' (JSON allows none)"
    return f"{source}:{exc.lineno}:{exc.colno}: {exc.msg}"


def _normalize(data: dict[str, Any], known: tuple[str, ...], prefix: str, source: str,
               findings: list[Finding]) -> dict[str, Any]:
    """Rename case-variant keys to flannel's documented spelling; flag unknown ones."""
    by_fold = {k.lower(): k for k in known}
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if key in known:
            out[key] = value
            continue
        proper = by_fold.get(key.lower())
        if proper is not None:
            findings.append(warning(
                "NETCONF004", f"{prefix}{proper}", f"{source}: {path} is spelled {proper!r} in flannel's "
                "documentation; flannel accepts it, k3stui uses the documented spelling",
                hint=f"write {proper!r}"))
            out[proper] = value
            continue
        findings.append(warning(
            "NETCONF005", path, f"{source}: flannel does not know {path!r} and ignores it."
            + did_you_mean(key, list(known)), hint="fix the spelling or delete the key"))
        out[key] = value
    return out


def _typed(key: str, value: Any, want: type, source: str, findings: list[Finding]) -> Any:
    ok = isinstance(value, want) and not (want is int and isinstance(value, bool))
    if ok:
        return value
    name = {bool: "true or false", int: "a whole number", str: "a string"}[want]
    findings.append(error(
        "NETCONF007", key, f"{source}: {key} must be {name}, not {json.dumps(value)}; "
        "flannel fails to parse the file", hint=f"write {key} as {name}"))
    return None


def apply_netconf(plan: Plan, text: str, source: str, *,
                  backend_flag: str | None = None) -> tuple[Plan, list[Finding]]:
    """Read a net-conf.json into `plan.flannel`. The file is what flannel uses, so it wins for the
    data plane; `backend_flag` (the flannel-backend value K3s was given, if any) is compared."""
    findings: list[Finding] = []
    data = parse_json(text, source)
    if not isinstance(data, dict):
        raise InputError(f"{source}: a net-conf.json must be a JSON object {{...}}, "
                         f"not {type(data).__name__}")
    data = _normalize(data, TOP_KEYS, "", source, findings)
    _check_network(plan, data, source, findings)
    extra: dict[str, Any] = {k: v for k, v in data.items() if k not in NETWORK_KEYS and k != "Backend"}
    values: dict[str, Any] = {"direct_routing": False, "mtu": None, "vni": None, "port": None}
    backend = data.get("Backend")
    file_type: str | None = None
    if not isinstance(backend, dict):
        what = "has no Backend" if backend is None else "has a Backend that is not an object"
        findings.append(error(
            "NETCONF002", "Backend", f"{source} {what}; flannel then falls back to udp, "
            "not vxlan", hint='add "Backend": {"Type": "vxlan"}'))
        if backend is not None:
            extra["Backend"] = backend
    else:
        backend = _normalize(backend, BACKEND_KEYS, "Backend.", source, findings)
        for key, value in backend.items():
            path = f"Backend.{key}"
            if key in _MODELLED and value is not None:
                value = _typed(path, value, _MODELLED[key], source, findings)
                if value is None:
                    continue
                if key == "Type":
                    file_type = value
                else:
                    values[_FIELD[key]] = value
            elif key not in _MODELLED:
                extra[path] = value
        if file_type is None:
            findings.append(error(
                "NETCONF002", "Backend.Type", f"{source}: Backend has no Type; flannel then "
                "falls back to udp", hint='add "Type": "vxlan" to Backend'))
    flannel = replace(plan.flannel, netconf_extra=extra, **values)
    if file_type is not None:
        flannel = _apply_type(flannel, file_type, backend_flag, source, findings)
    return replace(plan, flannel=flannel), findings


def _apply_type(flannel: Flannel, file_type: str, backend_flag: str | None, source: str,
                findings: list[Finding]) -> Flannel:
    mapped = TYPE_TO_BACKEND.get(file_type)
    if mapped is None:
        if file_type not in KNOWN_TYPES:
            findings.append(warning(
                "NETCONF005", "Backend.Type", f"{source}: flannel has no backend {file_type!r}."
                + did_you_mean(file_type, list(KNOWN_TYPES)), hint="use vxlan, host-gw or wireguard"))
        extra = {**flannel.netconf_extra, "Backend.Type": file_type}
        flannel = replace(flannel, netconf_extra=extra)
    if backend_flag is None:
        return flannel if mapped is None else replace(flannel, backend=mapped)
    if backend_flag == "none":
        findings.append(warning(
            "NETCONF006", "Backend.Type", f"{source} sets Backend.Type {file_type!r}, but "
            "flannel-backend is none: flannel does not run and the file is not used",
            hint="drop flannel-conf, or set flannel-backend to the file's backend"))
        return flannel
    same = mapped == backend_flag or (mapped == "wireguard-native" and backend_flag == "wireguard")
    if not same:
        findings.append(warning(
            "NETCONF006", "Backend.Type", f"{source} sets Backend.Type {file_type!r} but "
            f"flannel-backend is {backend_flag!r}; the file decides the data plane",
            hint=f"set flannel-backend to {mapped or file_type!r} so both say the same"))
    if mapped is not None and backend_flag != "wireguard":
        flannel = replace(flannel, backend=mapped)
    return flannel


def _check_network(plan: Plan, data: dict[str, Any], source: str, findings: list[Finding]) -> None:
    """Network / IPv6Network / EnableIPv4 / EnableIPv6 must say what cluster-cidr says."""
    want: dict[int, Any] = {4: None, 6: None}
    for text in effective_cluster_cidr(plan):
        try:
            net = ipaddress.ip_network(text.strip(), strict=False)
        except ValueError:
            return  # the CIDR rule reports it; comparing against garbage helps nobody
        want[net.version] = want[net.version] or net
    for version, key, enable, default in ((4, "Network", "EnableIPv4", True),
                                          (6, "IPv6Network", "EnableIPv6", False)):
        on = data.get(enable, default)
        if on is None:
            on = default
        on = _typed(enable, on, bool, source, findings)
        if on is None:
            continue
        if not on:
            if want[version] is not None:
                findings.append(error(
                    "NETCONF003", enable, f"{source}: {enable} is false but cluster-cidr has "
                    f"IPv{version} {want[version]}", hint=f'set "{enable}": true and "{key}": '
                    f'"{want[version]}"'))
            continue
        value = data.get(key)
        if want[version] is None:
            findings.append(error(
                "NETCONF003", enable, f"{source}: IPv{version} is enabled but cluster-cidr has no "
                f"IPv{version} CIDR", hint=f'set "{enable}": {str(version == 4).lower()} or add an '
                f"IPv{version} CIDR to cluster-cidr"))
            continue
        if value is None:
            findings.append(error(
                "NETCONF003", key, f"{source}: {key} is missing; flannel needs it when {enable} is "
                "true", hint=f'add "{key}": "{want[version]}"'))
            continue
        if _typed(key, value, str, source, findings) is None:
            continue
        try:
            got = ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            got = None
        if got != want[version]:
            findings.append(error(
                "NETCONF003", key, f"{source}: {key} is {value!r} but cluster-cidr says "
                f"{want[version]}; flannel and K3s must agree", hint=f'set "{key}": "{want[version]}"'))
