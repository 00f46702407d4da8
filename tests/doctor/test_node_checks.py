"""Every node check passes on a node built as flannel builds it and fails on one thing broken.
Pure: observations are constructed here (the netns tests read real ones)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import NamedTuple

import pytest

from k3stui import plan as p
from k3stui.doctor.checks import run
from k3stui.doctor.observations import (
    DoctorContext,
    FdbEntry,
    IpRoute,
    Link,
    Neighbour,
    NodeFacts,
    NodeObservation,
    Peer,
)
from k3stui.install.hostinfo import Address, ModuleState
from k3stui.plan import Calico, Cni, Flannel, Plan

NETCONF = "/var/lib/rancher/k3s/agent/etc/flannel/net-conf.json"
CNI_DIR = "/var/lib/rancher/k3s/agent/etc/cni/net.d"
VXLAN = Plan(
    flannel=Flannel(backend="vxlan"),
    accept_ra=2,
    cluster_cidr=("10.42.0.0/16", "fd00:42::/56"),
    service_cidr=("10.43.0.0/16", "fd00:43::/112"),
)


def _netconf(plan: Plan) -> str:
    from k3stui.doctor.expected import netconf

    return json.dumps(netconf(plan))


def good_node(plan: Plan = VXLAN) -> NodeObservation:
    backend = plan.flannel.backend
    routes = [
        IpRoute("default", "eth0", "10.0.0.1", 4),
        IpRoute("10.0.0.0/24", "eth0", None, 4),
        IpRoute("10.42.0.0/24", "cni0", None, 4),
    ]
    if backend == "vxlan":
        routes.append(IpRoute("10.42.1.0/24", "flannel.1", "10.42.1.0", 4, onlink=True))
        routes.append(IpRoute("fd00:42:0:1::/64", "flannel-v6.1", "fd00:42:0:1::", 6, onlink=True))
    elif backend == "host-gw":
        routes.append(IpRoute("10.42.1.0/24", "eth0", "10.0.0.31", 4))
    elif backend == "wireguard-native":
        routes.append(IpRoute("10.42.0.0/16", "flannel-wg", None, 4))
    links = {
        "eth0": Link("eth0", 1500, "veth"),
        "cni0": Link("cni0", 1450, "bridge"),
        "flannel.1": Link(
            "flannel.1", 1450, "vxlan", {"id": 1, "port": 8472, "local": "10.0.0.30", "learning": False}
        ),
        "flannel-v6.1": Link(
            "flannel-v6.1",
            1450,
            "vxlan",
            {"id": 1, "port": 8472, "local6": "2001:db8::30", "learning": False},
        ),
    }
    mtu = 1450 if backend == "vxlan" else 1420 if backend == "wireguard-native" else 1500
    facts = NodeFacts(
        addresses=(Address("eth0", "10.0.0.30", 24, 4), Address("eth0", "2001:db8::30", 64, 6)),
        links=links,
        routes=tuple(routes),
        neighbours=(
            Neighbour("flannel.1", "10.42.1.0", "aa:bb:cc:00:00:31"),
            Neighbour("flannel-v6.1", "fd00:42:0:1::", "aa:bb:cc:00:00:61"),
        ),
        fdb=(
            FdbEntry("flannel.1", "aa:bb:cc:00:00:31", "10.0.0.31"),
            FdbEntry("flannel-v6.1", "aa:bb:cc:00:00:61", "2001:db8::31"),
        ),
        files={
            NETCONF: _netconf(plan),
            "/run/flannel/subnet.env": f"FLANNEL_NETWORK=10.42.0.0/16\nFLANNEL_SUBNET=10.42.0.1/24\n"
            f"FLANNEL_IPV6_SUBNET=fd00:42::1/64\nFLANNEL_MTU={mtu}\n",
            f"{CNI_DIR}/10-flannel.conflist": "{}",
        },
        dirs={CNI_DIR: ("10-flannel.conflist",)},
        sysctls={
            "net.ipv4.ip_forward": "1\n",
            "net.ipv6.conf.all.forwarding": "1\n",
            "net.bridge.bridge-nf-call-iptables": "1\n",
            "net.ipv6.conf.eth0.accept_ra": "2\n",
        },
        modules={
            "vxlan": ModuleState("vxlan", True, False, True),
            "wireguard": ModuleState("wireguard", True, False, True),
        },
        wg="flannel-wg\tPRIV\tPUB\t51820\toff\n"
        "flannel-wg\tPEERKEY\t(none)\t10.0.0.31:51820\t10.42.1.0/24\t0\t0\t0\t25\n",
    )
    dual = p.ip_family(plan) == "dual"  # the peer's subnets: one per cluster CIDR
    peer_cidrs = ("10.42.1.0/24", "fd00:42:0:1::/64") if dual else ("10.42.1.0/24",)
    own = ("10.42.0.0/24", "fd00:42::/64") if dual else ("10.42.0.0/24",)
    return NodeObservation(
        "k3s-server",
        ("10.0.0.30", "2001:db8::30"),
        own,
        (Peer("k3s-agent", ("10.0.0.31", "2001:db8::31"), peer_cidrs),),
        facts,
    )


def statuses(plan: Plan, obs: NodeObservation, code: str) -> set[str]:
    return {r.status for r in run(DoctorContext(plan, node=obs)) if r.code == code}


def facts(obs: NodeObservation, **kw: object) -> NodeObservation:
    return replace(obs, facts=replace(obs.facts, **kw))


class Case(NamedTuple):
    code: str
    plan: Plan
    breaks: Callable[[NodeObservation], NodeObservation]


HOST_GW = Plan(flannel=Flannel(backend="host-gw"))
WG = Plan(flannel=Flannel(backend="wireguard-native"))
CALICO = Plan(flannel=Flannel(backend="none"), cni=Cni(kind="calico", calico=Calico()))


def _calico_node(obs: NodeObservation, forwarding: bool) -> NodeObservation:
    conf = {"plugins": [{"type": "calico", "container_settings": {"allow_ip_forwarding": forwarding}}]}
    return facts(
        obs,
        dirs={"/etc/cni/net.d": ("10-calico.conflist",)},
        files={"/etc/cni/net.d/10-calico.conflist": json.dumps(conf)},
    )


CASES = [
    Case("DOC001", VXLAN, lambda o: replace(o, node_ips=("10.0.0.99",))),
    Case(
        "DOC001",
        replace(VXLAN, flannel=replace(VXLAN.flannel, iface="eth0")),
        lambda o: facts(o, addresses=(Address("eth1", "10.0.0.30", 24, 4),)),
    ),
    Case("DOC010", VXLAN, lambda o: facts(o, files={**o.facts.files, NETCONF: _netconf(HOST_GW)})),
    Case("DOC010", VXLAN, lambda o: facts(o, files={**o.facts.files, NETCONF: None})),
    Case(
        "DOC011",
        VXLAN,
        lambda o: facts(
            o,
            files={
                **o.facts.files,
                "/run/flannel/subnet.env": "FLANNEL_SUBNET=10.42.0.1/24\nFLANNEL_MTU=1500\n",
            },
        ),
    ),
    Case(
        "DOC011",
        VXLAN,
        lambda o: facts(
            o,
            files={
                **o.facts.files,
                "/run/flannel/subnet.env": "FLANNEL_SUBNET=10.42.7.1/24\nFLANNEL_MTU=1450\n",
            },
        ),
    ),
    Case("DOC020", VXLAN, lambda o: facts(o, routes=o.facts.routes[:-1])),
    Case(
        "DOC020",
        HOST_GW,
        lambda o: facts(o, routes=(*o.facts.routes[:-1], IpRoute("10.42.1.0/24", "eth0", "10.0.0.99", 4))),
    ),
    Case("DOC020", WG, lambda o: facts(o, routes=o.facts.routes[:-1])),
    Case(
        "DOC021",
        VXLAN,
        lambda o: facts(
            o,
            links={
                **o.facts.links,
                "flannel.1": replace(
                    o.facts.links["flannel.1"],
                    info={"id": 1, "port": 4789, "local": "10.0.0.30", "learning": False},
                ),
            },
        ),
    ),
    Case(
        "DOC021",
        VXLAN,
        lambda o: facts(o, links={k: v for k, v in o.facts.links.items() if k != "flannel.1"}),
    ),
    Case("DOC022", VXLAN, lambda o: facts(o, fdb=o.facts.fdb[1:])),
    Case(
        "DOC022",
        VXLAN,
        lambda o: facts(o, fdb=(FdbEntry("flannel.1", "aa:bb:cc:00:00:31", "10.9.9.9"), *o.facts.fdb[1:])),
    ),
    Case("DOC023", WG, lambda o: facts(o, wg="flannel-wg\tPRIV\tPUB\t51820\toff\n")),
    Case("DOC030", VXLAN, lambda o: facts(o, dirs={CNI_DIR: ("10-calico.conflist", "10-flannel.conflist")})),
    Case("DOC030", VXLAN, lambda o: facts(o, dirs={CNI_DIR: ()})),
    Case("DOC040", VXLAN, lambda o: facts(o, sysctls={**o.facts.sysctls, "net.ipv4.ip_forward": "0"})),
    Case(
        "DOC041", VXLAN, lambda o: facts(o, sysctls={**o.facts.sysctls, "net.ipv6.conf.eth0.accept_ra": "1"})
    ),
    Case(
        "DOC042",
        VXLAN,
        lambda o: facts(o, sysctls={**o.facts.sysctls, "net.bridge.bridge-nf-call-iptables": "0"}),
    ),
    Case("DOC050", VXLAN, lambda o: facts(o, modules={"vxlan": ModuleState("vxlan", False, False, None)})),
    Case(
        "DOC060",
        VXLAN,
        lambda o: facts(o, routes=(*o.facts.routes, IpRoute("10.43.5.0/24", "tun0", "172.16.0.1", 4))),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.code}-{i}" for i, c in enumerate(CASES)])
def test_check_passes_then_fails(case: Case) -> None:
    good = good_node(case.plan)
    assert statuses(case.plan, good, case.code) == {"PASS"}
    bad = statuses(case.plan, case.breaks(good), case.code)
    assert bad & {"FAIL", "WARN"}, bad


def test_calico_conflist_needs_allow_ip_forwarding() -> None:
    obs = good_node(HOST_GW)
    assert statuses(CALICO, _calico_node(obs, True), "DOC030") == {"PASS"}
    assert statuses(CALICO, _calico_node(obs, False), "DOC030") == {"FAIL"}


def test_vxlan_direct_routing_uses_host_gw_for_the_same_subnet() -> None:
    plan = Plan(flannel=Flannel(backend="vxlan", direct_routing=True))
    obs = good_node(plan)
    assert statuses(plan, obs, "DOC020") == {"FAIL"}  # the peer is on 10.0.0.0/24: it wants the direct route
    direct = facts(obs, routes=(*obs.facts.routes[:3], IpRoute("10.42.1.0/24", "eth0", "10.0.0.31", 4)))
    assert statuses(plan, direct, "DOC020") == {"PASS"}


def test_unreadable_facts_skip_with_the_reason() -> None:
    obs = facts(good_node(), routes=None, links=None, addresses=None, neighbours=None, sysctls={})
    results = [
        r for r in run(DoctorContext(VXLAN, node=obs)) if r.code in ("DOC001", "DOC020", "DOC021", "DOC040")
    ]
    assert {r.status for r in results} == {"SKIP"}
    assert all(r.observed for r in results)


def test_every_doctor_code_has_a_doc() -> None:
    from k3stui.rules.registry import INFOS

    doctor = [i for i in INFOS.values() if i.stage in ("doctor", "preflight")]
    assert len(doctor) >= 30
    assert all(i.doc and i.title and i.source and i.key for i in doctor)


def test_identify_this_node() -> None:
    from k3stui.doctor.collect_node import identify
    from k3stui.plan import Node

    addrs = (Address("eth1", "192.168.56.10", 24, 4), Address("eth0", "10.0.0.30", 24, 4))
    routes = (IpRoute("default", "eth0", "10.0.0.1", 4),)
    nodes = Plan(nodes=(Node("s", "10.0.0.30", "server"), Node("a", "10.0.0.31", "agent")))
    assert identify(nodes, addrs, None) == ("s", ("10.0.0.30",))
    assert identify(nodes, addrs, "a") == ("a", ("10.0.0.31",))
    assert identify(Plan(node_ip=("192.168.56.10",)), addrs, None) == ("", ("192.168.56.10",))
    assert identify(Plan(), addrs, None, routes) == ("", ("10.0.0.30",))  # K3s: the default route's


def test_dual_stack_node_matches_its_planned_ipv4_address() -> None:
    from k3stui.doctor.cluster_checks import same_per_family

    assert same_per_family(["10.0.0.30", "2001:db8::30"], ["10.0.0.30"])
    assert same_per_family(["10.0.0.30", "2001:db8::30"], ["10.0.0.30", "2001:db8::30"])
    assert not same_per_family(["10.0.0.31", "2001:db8::30"], ["10.0.0.30"])
    assert not same_per_family(["10.0.0.30"], ["10.0.0.30", "2001:db8::30"])
    assert not same_per_family([], ["10.0.0.30"])


def test_a_host_that_is_no_plan_node_fails_doc001() -> None:
    from k3stui.plan import Node

    plan = replace(VXLAN, nodes=(Node("k3s-server", "10.0.0.30", "server"), Node("k3s-agent", "10.0.0.31")))
    assert statuses(plan, good_node(plan), "DOC001") == {"PASS"}
    stranger = replace(good_node(plan), name="")
    (r,) = [r for r in run(DoctorContext(plan, node=stranger)) if r.code == "DOC001"]
    assert r.status == "FAIL" and "none of the plan's nodes" in r.observed and "--node-name" in r.fix
