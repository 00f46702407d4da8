"""The node layer end to end in network namespaces this test creates: veth, a cni0 bridge and the
routes, VXLAN device, neighbour and fdb entries flannel installs for host-gw, vxlan and
vxlan+DirectRouting, with the node's files in a fake root. Each backend passes as built and fails
DOC020 with one route removed. Skips without root or iproute2; removes every namespace it makes.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from k3stui.doctor.session import Request, run_once
from k3stui.plan import Flannel, Node, Plan

pytestmark = pytest.mark.netns

SERVER, AGENT, FAR = "10.0.0.30", "10.0.0.31", "10.1.0.32"
PEER_MAC, FAR_MAC = "aa:bb:cc:00:00:31", "aa:bb:cc:00:00:32"


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


def _why_not() -> str | None:
    if os.geteuid() != 0:
        return "needs root to create network namespaces"
    if shutil.which("ip") is None or shutil.which("bridge") is None:
        return "needs iproute2 (ip, bridge)"
    return None


@pytest.fixture
def netns() -> Iterator[str]:
    why = _why_not()
    if why:
        pytest.skip(why)
    name = f"k3stui-doc-{secrets.token_hex(4)}"
    _ip("netns", "add", name)
    try:
        n = ["-n", name]
        _ip(*n, "link", "set", "lo", "up")
        _ip(*n, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0-peer")
        _ip(*n, "addr", "add", f"{SERVER}/24", "dev", "eth0")
        for dev in ("eth0", "eth0-peer"):
            _ip(*n, "link", "set", dev, "up")
        _ip(*n, "route", "add", "default", "via", "10.0.0.1", "dev", "eth0")
        _ip(*n, "link", "add", "cni0", "type", "bridge")
        _ip(*n, "addr", "add", "10.42.0.1/24", "dev", "cni0")
        _ip(*n, "link", "set", "cni0", "up")
        _sysctl(name, "net.ipv4.ip_forward", "1")
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=10)
    assert name not in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout


def _sysctl(ns: str, key: str, value: str) -> None:
    subprocess.run(
        ["ip", "netns", "exec", ns, "sysctl", "-qw", f"{key}={value}"], capture_output=True, timeout=10
    )


def _vxlan(ns: str, peers: list[tuple[str, str, str]]) -> None:
    """flannel.1 as flannel's vxlan backend makes it, and per peer (podCIDR, node IP, VTEP MAC) the
    onlink route, the permanent neighbour and the fdb entry."""
    n = ["-n", ns]
    _ip(
        *n,
        "link",
        "add",
        "flannel.1",
        "type",
        "vxlan",
        "id",
        "1",
        "local",
        SERVER,
        "dev",
        "eth0",
        "dstport",
        "8472",
        "nolearning",
    )
    _ip(*n, "link", "set", "flannel.1", "mtu", "1450", "up")
    _ip(*n, "addr", "add", "10.42.0.0/32", "dev", "flannel.1")
    for cidr, node_ip, mac in peers:
        gw = cidr.split("/")[0]
        _ip(*n, "route", "add", cidr, "via", gw, "dev", "flannel.1", "onlink")
        _ip(*n, "neigh", "add", gw, "lladdr", mac, "dev", "flannel.1", "nud", "permanent")
        subprocess.run(
            [
                "bridge",
                "-n",
                ns,
                "fdb",
                "append",
                mac,
                "dev",
                "flannel.1",
                "dst",
                node_ip,
                "self",
                "permanent",
            ],
            check=True,
            capture_output=True,
            timeout=10,
        )


def _root(tmp_path: Path, netconf_path: str, netconf: dict, mtu: int) -> Path:
    root = tmp_path / "root"
    files = {
        netconf_path: json.dumps(netconf),
        "/run/flannel/subnet.env": f"FLANNEL_NETWORK=10.42.0.0/16\nFLANNEL_SUBNET=10.42.0.1/24\n"
        f"FLANNEL_MTU={mtu}\nFLANNEL_IPMASQ=true\n",
        "/var/lib/rancher/k3s/agent/etc/cni/net.d/10-flannel.conflist": json.dumps(
            {"name": "cbr0", "cniVersion": "1.0.0", "plugins": [{"type": "flannel"}]}
        ),
    }
    for path, text in files.items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return root


K3S_NETCONF = "/var/lib/rancher/k3s/agent/etc/flannel/net-conf.json"


def _netconf(backend: dict) -> dict:
    return {
        "Network": "10.42.0.0/16",
        "EnableIPv6": False,
        "EnableIPv4": True,
        "IPv6Network": "::/0",
        "Backend": backend,
    }


def _run(plan: Plan, ns: str, root: Path) -> dict[str, set[str]]:
    report = run_once(Request(plan=plan, node=True, cluster=False, netns=ns, root=str(root)))
    out: dict[str, set[str]] = {}
    for r in report.results:
        out.setdefault(r.code, set()).add(r.status)
    return out


def _nodes(*extra: Node) -> tuple[Node, ...]:
    return (Node("k3s-server", SERVER, "server"), Node("k3s-agent", AGENT, "agent"), *extra)


def test_host_gw_node(netns: str, tmp_path: Path) -> None:
    plan = Plan(flannel=Flannel(backend="host-gw"), nodes=_nodes())
    _ip("-n", netns, "route", "add", "10.42.1.0/24", "via", AGENT, "dev", "eth0")
    root = _root(tmp_path, K3S_NETCONF, _netconf({"Type": "host-gw"}), 1500)
    got = _run(plan, netns, root)
    for code in ("DOC001", "DOC010", "DOC011", "DOC020", "DOC030", "DOC040", "DOC060"):
        assert got.get(code) == {"PASS"}, (code, got)
    _ip("-n", netns, "route", "del", "10.42.1.0/24")
    assert _run(plan, netns, root)["DOC020"] == {"FAIL"}


def test_vxlan_node(netns: str, tmp_path: Path) -> None:
    plan = Plan(flannel=Flannel(backend="vxlan"), nodes=_nodes())
    _vxlan(netns, [("10.42.1.0/24", AGENT, PEER_MAC)])
    root = _root(tmp_path, K3S_NETCONF, _netconf({"Type": "vxlan"}), 1450)
    got = _run(plan, netns, root)
    for code in ("DOC001", "DOC010", "DOC011", "DOC020", "DOC021", "DOC022", "DOC050", "DOC060"):
        assert got.get(code) == {"PASS"}, (code, got)
    _ip("-n", netns, "route", "del", "10.42.1.0/24")
    assert _run(plan, netns, root)["DOC020"] == {"FAIL"}


def test_vxlan_fdb_missing_and_learning_on(netns: str, tmp_path: Path) -> None:
    plan = Plan(flannel=Flannel(backend="vxlan"), nodes=_nodes())
    _vxlan(netns, [("10.42.1.0/24", AGENT, PEER_MAC)])
    subprocess.run(
        ["bridge", "-n", netns, "fdb", "del", PEER_MAC, "dev", "flannel.1", "dst", AGENT, "self"],
        check=True,
        capture_output=True,
        timeout=10,
    )
    _ip("-n", netns, "link", "set", "flannel.1", "type", "vxlan", "learning")
    root = _root(tmp_path, K3S_NETCONF, _netconf({"Type": "vxlan"}), 1450)
    got = _run(plan, netns, root)
    assert got["DOC022"] == {"FAIL"}
    assert got["DOC021"] == {"FAIL"}


def test_vxlan_direct_routing_node(netns: str, tmp_path: Path) -> None:
    """DirectRouting: the peer on the same subnet is routed host-gw style, the far one through VXLAN."""
    plan = Plan(
        flannel=Flannel(backend="vxlan", direct_routing=True), nodes=_nodes(Node("far", FAR, "agent"))
    )
    _vxlan(netns, [("10.42.2.0/24", FAR, FAR_MAC)])
    _ip("-n", netns, "route", "add", "10.42.1.0/24", "via", AGENT, "dev", "eth0")
    root = _root(
        tmp_path,
        "/etc/rancher/k3s/flannel-net-conf.json",
        _netconf({"Type": "vxlan", "DirectRouting": True}),
        1450,
    )
    got = _run(plan, netns, root)
    for code in ("DOC010", "DOC020", "DOC021", "DOC022"):
        assert got.get(code) == {"PASS"}, (code, got)
    _ip("-n", netns, "route", "del", "10.42.1.0/24")
    report = run_once(Request(plan=plan, node=True, cluster=False, netns=netns, root=str(root)))
    failing = {r.subject for r in report.results if r.status == "FAIL"}
    assert failing == {"k3s-server route 10.42.1.0/24 (k3s-agent)"}


def test_preflight_facts_read_from_a_namespace(netns: str, tmp_path: Path) -> None:
    """`doctor --preflight` reads addresses, routes, MTUs and resolv.conf; PRE001 names eth0."""
    from k3stui.doctor.collect_host import read_facts
    from k3stui.doctor.preflight_checks import run_network_checks

    _ip("-n", netns, "addr", "add", "192.168.56.10/24", "dev", "eth0-peer")
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "resolv.conf").write_text("nameserver 10.0.0.1\n")
    facts = read_facts(Plan(), "server", {"PATH": "/bin"}, root=str(tmp_path), netns=netns)
    assert facts.link_mtus and facts.link_mtus["eth0"] == 1500
    assert facts.nameservers == ("10.0.0.1",) and facts.environ == {}
    found = run_network_checks(facts)
    assert [f.code for f in found] == ["PRE001"]
    assert "K3s will use eth0 (10.0.0.30)" in found[0].message
    fixed = read_facts(Plan(node_ip=("192.168.56.10",)), "server", {}, root=str(tmp_path), netns=netns)
    assert run_network_checks(fixed) == []
