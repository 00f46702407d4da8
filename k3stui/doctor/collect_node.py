"""Shell: read one node's network state (`ip -j ...`, `bridge -j fdb`, `wg show`, files, sysctls,
modules) into `NodeFacts`. Pure parsers below the readers.

A `NodeSource` says how to reach the node: this host with files under `--root` (and, for tests, a
network namespace: `ip netns exec NS` in front of every command and /proc read), or a pod of the
probe DaemonSet through `kubectl exec` (host paths mounted under /host).
"""

from __future__ import annotations

import ipaddress
import json
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from k3stui import plan as p
from k3stui.doctor import expected as x
from k3stui.doctor.node_checks import CONFLISTS, cni_conf_dir, sysctl_expectations
from k3stui.doctor.observations import FdbEntry, IpRoute, Link, Neighbour, NodeFacts
from k3stui.install.hostinfo import Address, CommandFailed, ModuleState

Run = Callable[[Sequence[str]], str]


@dataclass
class NodeSource:
    """How to run a command on the node and read one of its files."""

    run_fn: Run
    root: Path = Path("/")
    prefix: tuple[str, ...] = ()  # e.g. ("ip", "netns", "exec", "ns1")
    files_by_run: bool = False  # read files with `cat` through run (kubectl exec), not from root
    file_prefix: str = ""  # where the node's files are mounted in the probe pod ("/host")

    def run(self, *argv: str) -> str:
        return self.run_fn([*self.prefix, *argv])

    def read(self, node_path: str) -> str | None:
        if self.files_by_run:
            try:
                return self.run("cat", self.file_prefix + node_path)
            except CommandFailed:
                return None
        try:
            return (self.root / node_path.lstrip("/")).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    def read_proc(self, node_path: str) -> str | None:
        """/proc belongs to the network namespace the commands run in: read it there."""
        if self.prefix or self.files_by_run:
            try:
                return self.run("cat", node_path)
            except CommandFailed:
                return None
        return self.read(node_path)

    def list_kernel(self, node_path: str) -> tuple[str, ...] | None:
        """A folder of /proc or /sys, as the commands' namespace sees it."""
        if self.prefix or self.files_by_run:
            try:
                return tuple(sorted(n for n in self.run("ls", "-1", node_path).split() if n))
            except CommandFailed:
                return None
        return self.listdir(node_path)

    def listdir(self, node_path: str) -> tuple[str, ...] | None:
        if self.files_by_run:
            try:
                return tuple(
                    sorted(n for n in self.run("ls", "-1", self.file_prefix + node_path).split() if n)
                )
            except CommandFailed:
                return None
        folder = self.root / node_path.lstrip("/")
        if not folder.is_dir():
            return None
        return tuple(sorted(e.name for e in folder.iterdir()))


def ip_json(src: NodeSource, notes: list[str], *args: str, tool: str = "ip") -> list[dict[str, Any]] | None:
    """`ip -j ARGS` as a list of objects. Where `-j` is missing (busybox, the probe's image), the
    plain `ip addr|route|neigh` text is read into the same shape (no VXLAN details, no fdb)."""
    try:
        out = src.run(tool, "-j", *args)
        data = json.loads(out or "[]")
        return [d for d in data if isinstance(d, dict)] if isinstance(data, list) else None
    except (CommandFailed, json.JSONDecodeError) as exc:
        first = str(exc) if isinstance(exc, CommandFailed) else "no JSON"
    text_form = _TEXT_FORMS.get(args[-1]) if tool == "ip" else None
    if text_form is not None:
        plain = [a for a in args if a != "-d"]
        try:
            return text_form(src.run(tool, *plain))
        except CommandFailed:
            pass
    notes.append(f"{tool} -j {' '.join(args)}: {first}")
    return None


def _words(line: str) -> dict[str, str]:
    """`key value` pairs after the destination of an `ip route` / `ip neigh` line."""
    w = line.split()
    return {w[i]: w[i + 1] for i in range(1, len(w) - 1)}


def text_routes(text: str) -> list[dict[str, Any]]:
    out = []
    for line in text.splitlines():
        w = line.split()
        if not w or w[0] in ("broadcast", "local", "unreachable", "blackhole", "prohibit", "multicast"):
            continue
        kv = _words(line)
        out.append(
            {
                "dst": w[0],
                "gateway": kv.get("via"),
                "dev": kv.get("dev"),
                "protocol": kv.get("proto"),
                "flags": ["onlink"] if "onlink" in w else [],
            }
        )
    return out


def text_neighbours(text: str) -> list[dict[str, Any]]:
    return [
        {"dst": line.split()[0], "dev": _words(line).get("dev", ""), "lladdr": _words(line).get("lladdr")}
        for line in text.splitlines()
        if line.split()
    ]


def text_links(text: str) -> list[dict[str, Any]]:
    """`ip addr`: `2: eth0@if5: <...> mtu 1500 ...` headers, `inet[6] ADDR/LEN ...` lines."""
    out: list[dict[str, Any]] = []
    for line in text.splitlines():
        w = line.split()
        if len(w) > 2 and w[0].rstrip(":").isdigit() and w[1].endswith(":"):
            mtu = w[w.index("mtu") + 1] if "mtu" in w[:-1] else None
            out.append(
                {
                    "ifname": w[1].rstrip(":").split("@")[0],
                    "mtu": int(mtu) if mtu and mtu.isdigit() else None,
                    "addr_info": [],
                }
            )
        elif out and w and w[0] in ("inet", "inet6") and "/" in w[1]:
            address, _, length = w[1].partition("/")
            out[-1]["addr_info"].append({"family": w[0], "local": address, "prefixlen": int(length)})
    return out


_TEXT_FORMS = {"addr": text_links, "link": text_links, "route": text_routes, "neigh": text_neighbours}


def parse_addresses(data: Iterable[dict[str, Any]]) -> tuple[Address, ...]:
    out = []
    for link in data:
        for a in link.get("addr_info") or []:
            fam = {"inet": 4, "inet6": 6}.get(a.get("family"))
            if fam and a.get("local"):
                out.append(
                    Address(str(link.get("ifname", "")), str(a["local"]), int(a.get("prefixlen", 0)), fam)
                )
    return tuple(out)


def parse_links(data: Iterable[dict[str, Any]]) -> dict[str, Link]:
    out = {}
    for d in data:
        info = d.get("linkinfo") or {}
        name = str(d.get("ifname", ""))
        out[name] = Link(name, d.get("mtu"), info.get("info_kind"), dict(info.get("info_data") or {}))
    return out


def parse_routes(data: Iterable[dict[str, Any]], family: int) -> tuple[IpRoute, ...]:
    return tuple(
        IpRoute(
            str(r.get("dst", "")),
            r.get("dev"),
            r.get("gateway"),
            family,
            "onlink" in (r.get("flags") or []),
            r.get("protocol"),
        )
        for r in data
        if r.get("type", "unicast") == "unicast"
    )


def parse_neighbours(data: Iterable[dict[str, Any]]) -> tuple[Neighbour, ...]:
    return tuple(Neighbour(str(n.get("dev", "")), str(n.get("dst", "")), n.get("lladdr")) for n in data)


def parse_fdb(data: Iterable[dict[str, Any]]) -> tuple[FdbEntry, ...]:
    return tuple(FdbEntry(str(f.get("ifname", "")), str(f.get("mac", "")), f.get("dst")) for f in data)


def parse_modules(
    proc_modules: str | None, sys_module: tuple[str, ...] | None, names: Iterable[str]
) -> dict[str, ModuleState]:
    """Loaded: listed in /proc/modules; built in: /sys/module/<m> without a /proc/modules line (a
    kernel without loadable modules has no /proc/modules at all)."""
    if proc_modules is None and sys_module is None:
        return {}
    loaded = {line.split()[0] for line in (proc_modules or "").splitlines() if line.strip()}
    present = set(sys_module or ())
    out = {}
    for m in names:
        mod = m.replace("-", "_")
        is_loaded = mod in loaded
        builtin = (mod in present and not is_loaded) if sys_module is not None else None
        out[m] = ModuleState(m, is_loaded if proc_modules is not None else None, builtin, None)
    return out


def _sysctl_path(key: str) -> str:
    return "/proc/sys/" + key.replace(".", "/")


def _sysctl_keys(plan: p.Plan, addresses: tuple[Address, ...] | None, node_ips: Sequence[str]) -> list[str]:
    dev = None
    for ip in node_ips:
        hit = x.address_on(addresses or (), ip)
        if hit:
            dev = hit.ifname
            break
    return [key for _, key, _, _ in sysctl_expectations(plan, plan.flannel.iface or dev)]


def read_node(src: NodeSource, plan: p.Plan, node_ips: Sequence[str]) -> NodeFacts:
    """Everything the node checks read, from one source."""
    from k3stui.install.preflight import required_modules

    notes: list[str] = []
    addr_data = ip_json(src, notes, "addr")
    link_data = ip_json(src, notes, "-d", "link")
    routes: tuple[IpRoute, ...] | None = ()
    for fam in (4, 6):
        data = ip_json(src, notes, f"-{fam}", "route")
        routes = None if data is None or routes is None else routes + parse_routes(data, fam)
    neigh = ip_json(src, notes, "neigh")
    fdb = ip_json(src, notes, "fdb", "show", tool="bridge")
    addresses = parse_addresses(addr_data) if addr_data is not None else None
    folder = cni_conf_dir(plan)
    files = {path: src.read(path) for path in (x.netconf_path(plan), x.SUBNET_ENV)}
    names = src.listdir(folder)
    for name in names or ():
        if name in CONFLISTS.values():
            files[f"{folder}/{name}"] = src.read(f"{folder}/{name}")
    sysctls = {key: src.read_proc(_sysctl_path(key)) for key in _sysctl_keys(plan, addresses, node_ips)}
    wanted = [m for m, _, required in required_modules(plan) if required]
    wg = None
    if plan.flannel.backend == "wireguard-native" and (src.files_by_run or shutil.which("wg")):
        try:
            wg = src.run("wg", "show", "all", "dump")
        except CommandFailed as exc:
            notes.append(f"wg show: {exc}")
    return NodeFacts(
        addresses=addresses,
        links=parse_links(link_data) if link_data is not None else None,
        routes=routes,
        neighbours=parse_neighbours(neigh) if neigh is not None else None,
        fdb=parse_fdb(fdb) if fdb is not None else None,
        files=files,
        dirs={folder: names},
        sysctls=sysctls,
        modules=parse_modules(src.read_proc("/proc/modules"), src.list_kernel("/sys/module"), wanted),
        wg=wg,
        notes=tuple(notes),
    )


def identify(
    plan: p.Plan,
    addresses: tuple[Address, ...] | None,
    name: str | None,
    routes: tuple[IpRoute, ...] | None = None,
) -> tuple[str, tuple[str, ...]]:
    """Which plan node this host is (by --node-name, else by address) and its node IP(s); without
    one, the plan's node-ip, else the default route interface's address (K3s's own choice)."""
    mine = {ipaddress.ip_address(a.address) for a in addresses or ()}
    for node in plan.nodes:
        if name is not None and node.name != name:
            continue
        try:
            hit = ipaddress.ip_address(node.address) in mine
        except ValueError:
            hit = False
        if name is not None or hit:
            own = getattr(node, "node_ip", None) or ()
            return node.name, tuple(own) or (node.address,)
    if plan.node_ip:
        return name or "", plan.node_ip
    dev = next((r.dev for r in routes or () if r.dst == "default" and r.dev), None)
    for a in addresses or ():
        ip = ipaddress.ip_address(a.address)
        if a.ifname == dev and not (ip.is_loopback or ip.is_link_local):
            return name or "", (a.address,)
    return name or "", ()
