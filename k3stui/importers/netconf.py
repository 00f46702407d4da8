"""A flannel net-conf.json (`--flannel-conf`) -> the plan's Flannel fields, with findings.

Keys and spellings: flannel Documentation/configuration.md, backends.md, pkg/subnet/config.go
(`../shared/reference/k3s-network.md` §4). Go's encoding/json matches keys case-insensitively, so a
differently-cased key works but is normalized (NETCONF004). Pure.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from k3stui.findings import Finding, InputError, did_you_mean
from k3stui.plan import Flannel, Plan, effective_cluster_cidr
from k3stui.records import replace
from k3stui.rules.registry import emit

if TYPE_CHECKING:
    import json  # imported where a net-conf.json is read: `check --exec` reads none

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
# net-conf Backend.Type (lower case: flannel matches it case-insensitively) -> K3s flannel-backend
# value. K3s links exactly these backends (k3s pkg/agent/flannel/flannel.go imports); any other
# type, udp and ipip included, is fatal: "unknown backend type".
TYPE_TO_BACKEND = {"vxlan": "vxlan", "host-gw": "host-gw", "wireguard": "wireguard-native", "ipsec": "ipsec",
                   "extension": None}
LINKED_TYPES = tuple(TYPE_TO_BACKEND)
_FIELD = {"DirectRouting": "direct_routing", "MTU": "mtu", "VNI": "vni", "Port": "port"}
# What flannel decodes, with Go's types (flannel pkg/subnet/config.go and each backend's config
# struct). "uint" is a non-negative whole number; "ip4"/"ip6" a string holding such an address.
_TOP_TYPES = {"EnableIPv4": bool, "EnableIPv6": bool, "EnableNFTables": bool, "Network": str,
              "IPv6Network": str, "SubnetLen": "uint", "IPv6SubnetLen": "uint", "SubnetMin": "ip4",
              "SubnetMax": "ip4", "IPv6SubnetMin": "ip6", "IPv6SubnetMax": "ip6"}
_BACKEND_TYPES: dict[str, dict[str, Any]] = {
    "vxlan": {"VNI": int, "Port": int, "MTU": int, "GBP": bool, "Learning": bool, "DirectRouting": bool},
    "wireguard": {"ListenPort": int, "ListenPortV6": int, "MTU": int, "PSK": str,
                  "PersistentKeepaliveInterval": int, "Mode": str},
    "ipsec": {"UDPEncap": bool, "ESPProposal": str, "PSK": str},
    "extension": {"PreStartupCommand": str, "PostStartupCommand": str, "SubnetAddCommand": str,
                  "SubnetRemoveCommand": str},
    "host-gw": {},
}
WIREGUARD_MODES = ("separate", "auto", "ipv4", "ipv6")


def parse_json(text: str, source: str) -> Any:
    """json.loads with `source:line:col` errors; a missing comma is placed where it belongs."""
    import json

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
    comma = _trailing_comma(text, pos, prev)
    if comma is not None:
        closer = text[comma + 1:].lstrip()[0]
        return f"{source}:{_line_col(text, comma)}: trailing ',' before '{closer}' (JSON allows none)"
    if exc.msg.startswith("Expecting ',' delimiter") and prev > 0:
        return (f"{source}:{_line_col(text, prev)}: a ',' is missing here, before the next item at "
                f"{exc.lineno}:{exc.colno}")
    return f"{source}:{exc.lineno}:{exc.colno}: {exc.msg}"


def _trailing_comma(text: str, pos: int, prev: int) -> int | None:
    """Where a ',' right before a '}' or ']' is, found in the text, not in the decoder's message:
    Python 3.11 and 3.12 point after it ("Expecting property name", "Expecting value"), 3.13 at
    it ("Illegal trailing comma before end of object")."""
    for at in (prev - 1, pos):
        if 0 <= at < len(text) and text[at] == "," and text[at + 1:].lstrip()[:1] in ("}", "]"):
            return at
    return None


def _line_col(text: str, at: int) -> str:
    """1-based line:column of the character at index `at`."""
    line_start = text.rfind("\n", 0, at) + 1
    line = text.count("\n", 0, at) + 1
    return f"{line}:{at - line_start + 1}"


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
            findings.append(emit(
                "NETCONF004", f"{source}: {path} is spelled {proper!r} in flannel's "
                "documentation; flannel accepts it, k3stui uses the documented spelling",
                f"write {proper!r}", key=f"{prefix}{proper}"))
            out[proper] = value
            continue
        findings.append(emit(
            "NETCONF005", f"{source}: flannel does not know {path!r} and ignores it."
            + did_you_mean(key, list(known)), "fix the spelling or delete the key", key=path))
        out[key] = value
    return out


def _typed(key: str, value: Any, want: Any, source: str, findings: list[Finding]) -> Any:
    """`value` if Go decodes it into `want`, else None with a NETCONF007/NETCONF009 finding."""
    import json

    base = {"uint": int, "ip4": str, "ip6": str}.get(want, want)
    ok = isinstance(value, base) and not (base is int and isinstance(value, bool))
    if not ok:
        name = {bool: "true or false", int: "a whole number", str: "a string"}[base]
        shown = "'********'" if key.endswith("PSK") else json.dumps(value)  # a pre-shared key is a secret
        findings.append(emit(
            "NETCONF007", f"{source}: {key} must be {name}, not {shown}; flannel fails to "
            "parse the file (cannot unmarshal)", f"write {key} as {name}", key=key))
        return None
    problem = _value_problem(want, value)
    if problem:
        findings.append(emit("NETCONF009", f"{source}: {key} {json.dumps(value)} {problem}; flannel refuses "
                             "the file", f"write {key} as flannel expects it", key=key))
        return None
    return value


def _value_problem(want: Any, value: Any) -> str:
    if want == "uint" and value < 0:
        return "is negative (flannel reads an unsigned number)"
    if want in ("ip4", "ip6"):
        try:
            addr = ipaddress.ip_address(value)
        except ValueError:
            return "is not an IP address"
        if addr.version != (4 if want == "ip4" else 6):
            return f"is not an IPv{4 if want == 'ip4' else 6} address"
    return ""


def apply_netconf(plan: Plan, text: str, source: str, *,
                  backend_flag: str | None = None) -> tuple[Plan, list[Finding]]:
    """Read a net-conf.json into `plan.flannel`. The file is what flannel uses, so it wins for the
    data plane; `backend_flag` (the flannel-backend value K3s was given, if any) is compared.
    Every key flannel decodes is type-checked as Go decodes it, per backend."""
    findings: list[Finding] = []
    data = parse_json(text, source)
    if not isinstance(data, dict):
        raise InputError(f"{source}: a net-conf.json must be a JSON object {{...}}, "
                         f"not {type(data).__name__}")
    data = _normalize(data, TOP_KEYS, "", source, findings)
    for key in ("EnableNFTables", "SubnetLen", "IPv6SubnetLen", "SubnetMin", "SubnetMax", "IPv6SubnetMin",
                "IPv6SubnetMax"):
        if data.get(key) is not None:
            _typed(key, data[key], _TOP_TYPES[key], source, findings)
    _check_network(plan, data, source, findings)
    extra: dict[str, Any] = {k: v for k, v in data.items() if k not in NETWORK_KEYS and k != "Backend"}
    values: dict[str, Any] = {"direct_routing": False, "mtu": None, "vni": None, "port": None}
    backend = data.get("Backend")
    if not isinstance(backend, dict):
        what = "has no Backend" if backend is None else "has a Backend that is not an object"
        findings.append(emit(
            "NETCONF002", f"{source} {what}; flannel then falls back to udp, which K3s does not link "
            "(unknown backend type)", 'add "Backend": {"Type": "vxlan"}', key="Backend"))
        if backend is not None:
            extra["Backend"] = backend
        return replace(plan, flannel=replace(plan.flannel, netconf_extra=extra, **values)), findings
    backend = _normalize(backend, BACKEND_KEYS, "Backend.", source, findings)
    raw_type = backend.get("Type")
    file_type = _typed("Backend.Type", raw_type, str, source, findings) if raw_type is not None else None
    if raw_type is None:
        findings.append(emit(
            "NETCONF002", f"{source}: Backend has no Type; flannel then falls back to udp, which K3s "
            "does not link", 'add "Type": "vxlan" to Backend', key="Backend.Type"))
    lower = file_type.lower() if file_type is not None else None
    decoded = _BACKEND_TYPES.get(lower or "", {})
    for key, value in backend.items():
        if key == "Type":
            continue
        path = f"Backend.{key}"
        if key in decoded and value is not None:
            value = _typed(path, value, decoded[key], source, findings)
            if value is None:
                continue
            if key == "Mode" and value not in WIREGUARD_MODES:
                findings.append(emit(
                    "NETCONF009", f"{source}: {path} {value!r} is not one of {', '.join(WIREGUARD_MODES)}; "
                    "flannel stops (no valid Mode configured)", 'write "Mode": "separate" (the default)',
                    key=path))
                continue
        if key in _FIELD and (isinstance(value, bool) == (key == "DirectRouting")) and isinstance(value, int):
            values[_FIELD[key]] = value  # bool is an int subclass: DirectRouting a bool, the rest ints
        else:
            extra[path] = value
    flannel = replace(plan.flannel, netconf_extra=extra, **values)
    if file_type is not None:
        flannel = _apply_type(flannel, file_type, backend_flag, source, findings)
    return replace(plan, flannel=flannel), findings


def _apply_type(flannel: Flannel, file_type: str, backend_flag: str | None, source: str,
                findings: list[Finding]) -> Flannel:
    lower = file_type.lower()
    mapped = TYPE_TO_BACKEND.get(lower)
    if lower not in TYPE_TO_BACKEND:
        findings.append(emit(
            "NETCONF008", f"{source}: Backend.Type {file_type!r} is not a backend K3s links; flannel "
            f"stops (unknown backend type: {file_type})." + did_you_mean(lower, LINKED_TYPES),
            "use vxlan, host-gw or wireguard", key="Backend.Type"))
    if mapped is None:
        extra = {**flannel.netconf_extra, "Backend.Type": file_type}
        flannel = replace(flannel, netconf_extra=extra)
    if backend_flag is None:
        return flannel if mapped is None else replace(flannel, backend=mapped)
    if backend_flag == "none":
        findings.append(emit(
            "NETCONF006", f"{source} sets Backend.Type {file_type!r}, but flannel-backend is none: "
            "flannel does not run and the file is not used",
            "drop flannel-conf, or set flannel-backend to the file's backend", key="Backend.Type"))
        return flannel
    same = mapped == backend_flag or (mapped == "wireguard-native" and backend_flag == "wireguard")
    if not same:
        findings.append(emit(
            "NETCONF006", f"{source} sets Backend.Type {file_type!r} but flannel-backend is "
            f"{backend_flag!r}; the file decides the data plane",
            f"set flannel-backend to {mapped or file_type!r} so both say the same", key="Backend.Type"))
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
    nets = {key: _network(key, version, data.get(key), source, findings)
            for version, key in ((4, "Network"), (6, "IPv6Network")) if data.get(key) is not None}
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
                findings.append(emit(
                    "NETCONF003", f"{source}: {enable} is false but cluster-cidr has "
                    f"IPv{version} {want[version]}", f'set "{enable}": true and "{key}": '
                    f'"{want[version]}"', key=enable))
            continue
        if want[version] is None:
            findings.append(emit(
                "NETCONF003", f"{source}: IPv{version} is enabled but cluster-cidr has no "
                f"IPv{version} CIDR", f'set "{enable}": {str(version == 4).lower()} or add an '
                f"IPv{version} CIDR to cluster-cidr", key=enable))
            continue
        if key not in nets:
            findings.append(emit(
                "NETCONF003", f"{source}: {key} is missing; flannel needs it when {enable} is "
                "true", f'add "{key}": "{want[version]}"', key=key))
            continue
        got = nets[key]
        if got is not None and got != want[version]:
            findings.append(emit(
                "NETCONF003", f"{source}: {key} is {data[key]!r} but cluster-cidr says "
                f"{want[version]}; flannel itself would start, but its node subnets would not be the "
                "controller manager's and pod routes break", f'set "{key}": "{want[version]}"', key=key))


def _network(key: str, version: int, value: Any, source: str, findings: list[Finding]) -> Any:
    """The network flannel parses from `key` (no trimming, like Go's net.ParseCIDR), else None."""
    if _typed(key, value, str, source, findings) is None:
        return None
    try:
        net = ipaddress.ip_network(value, strict=False)
    except ValueError:
        spaced = value != "".join(value.split())
        findings.append(emit(
            "NETCONF009", f"{source}: {key} {value!r} is not a CIDR"
            + (" (flannel does not trim spaces)" if spaced else "") + "; flannel refuses the file "
            "(invalid CIDR address)", f'write "{key}": "{value.strip() or "10.42.0.0/16"}"', key=key))
        return None
    if net.version != version:
        findings.append(emit(
            "NETCONF009", f"{source}: {key} {value!r} is an IPv{net.version} CIDR; flannel "
            + ("panics (Address is not an IPv4 address)" if version == 4 else "refuses it"),
            f'put it in "{"IPv6Network" if version == 4 else "Network"}" instead', key=key))
        return None
    return net
