"""The pre-install host network checks (PRE0xx): each fires on the host it is about and not on
the fixed one, through the adapter the installer's context goes through."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import SimpleNamespace

import pytest

from k3stui.doctor.preflight_checks import NETWORK_CHECKS, NetworkFacts, facts_from, run_network_checks
from k3stui.install.hostinfo import Address, FileState, HostInfo, Route
from k3stui.plan import Flannel, Plan
from k3stui.rules.registry import HOST_CHECKS

V4 = (Address("lo", "127.0.0.1", 8, 4), Address("eth0", "10.0.0.30", 24, 4))
TWO_NICS = (*V4, Address("eth1", "192.168.56.10", 24, 4))
ROUTES = (Route("default", "eth0", "dhcp", "10.0.0.1", 4), Route("10.0.0.0/24", "eth0", "kernel", None, 4))
DUAL = Plan(cluster_cidr=("10.42.0.0/16", "fd00:42::/56"), service_cidr=("10.43.0.0/16", "fd00:43::/112"))
PLAIN = Plan()
V6 = Plan(cluster_cidr=("fd00:42::/56",), service_cidr=("fd00:43::/112",), node_ip=("2001:db8::30",))


def codes(f: NetworkFacts) -> list[str]:
    return [x.code for x in run_network_checks(f)]


def facts(plan: Plan = PLAIN, **kw: object) -> NetworkFacts:
    base = NetworkFacts(
        plan=plan, addresses=V4, routes=ROUTES, link_mtus={"eth0": 1500}, nameservers=("10.0.0.1",)
    )
    return replace(base, **kw)


@dataclass
class Case:
    code: str
    bad: NetworkFacts
    good: NetworkFacts
    note: str = ""


PROXY = {"HTTPS_PROXY": "http://proxy:3128"}
AGENT = Plan(role="agent", server="https://10.0.0.30:6443")
CASES = [
    Case("PRE001", facts(addresses=TWO_NICS), facts(Plan(node_ip=("192.168.56.10",)), addresses=TWO_NICS)),
    Case("PRE001", facts(addresses=TWO_NICS), facts(Plan(flannel=Flannel(iface="eth1")), addresses=TWO_NICS)),
    Case("PRE002", facts(Plan(node_ip=("10.0.0.99",))), facts(Plan(node_ip=("10.0.0.30",)))),
    Case(
        "PRE003",
        facts(V6, addresses=(*V4, Address("eth0", "2001:db8::30", 64, 6))),
        facts(V6, addresses=(*V4, Address("eth0", "2001:db8::30", 64, 6)), nameservers=("2001:db8::53",)),
    ),
    Case("PRE004", facts(DUAL), facts(DUAL, addresses=(*V4, Address("eth0", "2001:db8::30", 64, 6)))),
    Case(
        "PRE004",
        facts(DUAL, addresses=(*V4, Address("eth0", "fe80::1", 64, 6))),
        facts(DUAL, addresses=(*V4, Address("eth0", "2001:db8::30", 64, 6))),
    ),
    Case(
        "PRE005",
        facts(environ=PROXY),
        facts(environ={**PROXY, "NO_PROXY": "127.0.0.1,localhost,10.42.0.0/16,10.43.0.0/16"}),
    ),
    Case(
        "PRE005",
        facts(AGENT, role="agent", environ={**PROXY, "no_proxy": "127.0.0.0/8,10.42.0.0/15"}),
        facts(AGENT, role="agent", environ={**PROXY, "no_proxy": "127.0.0.0/8,10.42.0.0/15,10.0.0.0/24"}),
    ),
    Case("PRE006", facts(Plan(flannel=Flannel(mtu=1500))), facts(Plan(flannel=Flannel(mtu=1450)))),
    Case(
        "PRE006",
        facts(Plan(flannel=Flannel(backend="wireguard-native")), link_mtus={"eth0": 600}),
        facts(Plan(flannel=Flannel(backend="host-gw")), link_mtus={"eth0": 600}),
    ),
    Case(
        "PRE007",
        facts(AGENT, role="agent", cacerts=(False, "connection refused")),
        facts(AGENT, role="agent", cacerts=(True, "HTTP 200")),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.code}-{i}" for i, c in enumerate(CASES)])
def test_fires_on_bad_host_only(case: Case) -> None:
    assert case.code in codes(case.bad)
    assert case.code not in codes(case.good)


def test_a_plain_host_says_nothing() -> None:
    assert codes(facts()) == []


def test_pre001_names_the_interface_k3s_picks() -> None:
    (finding,) = [f for f in run_network_checks(facts(addresses=TWO_NICS)) if f.code == "PRE001"]
    assert "K3s will use eth0 (10.0.0.30)" in finding.message and "node-ip" in finding.hint


@dataclass
class InstallerLikeContext:
    """The attributes facts_from documents, as the installer's PreflightContext may carry them."""

    plan: Plan
    role: str
    host: HostInfo
    environ: dict[str, str] = field(default_factory=dict)


def test_adapter_reads_an_installer_context() -> None:
    host = HostInfo(
        addresses=TWO_NICS,
        routes=ROUTES,
        files={"/etc/resolv.conf": FileState(True, b"nameserver 10.0.0.1\nnameserver 2001:db8::53\n")},
    )
    f = facts_from(InstallerLikeContext(V6, "server", host, {"HTTPS_PROXY": "http://p:1", "PATH": "/bin"}))
    assert f.nameservers == ("10.0.0.1", "2001:db8::53")
    assert f.addresses == TWO_NICS and f.role == "server"
    assert set(f.environ) == {"HTTPS_PROXY"}
    assert f.link_mtus is None  # not in this context: PRE006 stays quiet
    ns = SimpleNamespace(
        plan=Plan(), role=None, host=SimpleNamespace(addresses=None, routes=None), link_mtus={"eth0": 1400}
    )
    assert facts_from(ns).link_mtus == {"eth0": 1400} and facts_from(ns).role == "server"


def test_network_checks_are_registered_preflight_checks() -> None:
    assert set(NETWORK_CHECKS) <= set(HOST_CHECKS["preflight"])
