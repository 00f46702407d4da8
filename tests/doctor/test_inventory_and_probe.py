"""--inventory (a k3s-ansible inventory.yml gives the nodes and the kubeconfig context) and
--all-nodes (the node checks on every node through the probe DaemonSet, read via kubectl exec)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from doctorkit import doctor_json, statuses

from k3stui.doctor.inventory import parse_inventory
from k3stui.doctor.kubectl import Kubectl
from k3stui.doctor.observations import ClusterObservation
from k3stui.doctor.session import Request, probe_nodes
from k3stui.errors import InputError
from k3stui.install.hostinfo import CommandFailed
from k3stui.plan import Flannel, Node, Plan

INVENTORY = """\
k3s_cluster:
  children:
    server:
      hosts:
        k3s-server:
          ansible_host: 10.0.0.30
    agent:
      hosts:
        k3s-agent:
          ansible_host: 10.0.0.31
  vars:
    k3s_version: v1.34.3+k3s1
    api_endpoint: "{{ hostvars[groups['server'][0]]['ansible_host'] }}"
"""


def test_parse_inventory() -> None:
    import yaml

    inv = parse_inventory(yaml.safe_load(INVENTORY), "inventory.yml")
    assert inv.nodes == (Node("k3s-server", "10.0.0.30", "server"), Node("k3s-agent", "10.0.0.31", "agent"))
    assert inv.context == "k3s-ansible" and inv.k3s_version == "v1.34.3+k3s1"
    with pytest.raises(InputError, match="k3s_cluster"):
        parse_inventory({"all": {"hosts": {}}}, "inventory.yml")


def test_inventory_gives_nodes_and_context(cluster, capsys, tmp_path) -> None:
    _, kubeconfig = cluster("broken-internal-ip")  # its kubeconfig has a context named k3s-ansible
    conf = json.loads(kubeconfig.read_text())
    conf["current-context"] = "nowhere"  # only --context k3s-ansible (from the inventory) reaches the stub
    conf["contexts"].append({"name": "nowhere", "context": {"cluster": "gone", "user": "stub"}})
    conf["clusters"].append({"name": "gone", "cluster": {"server": "http://127.0.0.1:9"}})
    kubeconfig.write_text(json.dumps(conf))
    inv = tmp_path / "inventory.yml"
    inv.write_text(INVENTORY)
    rc, data = doctor_json(capsys, "--inventory", str(inv), "--kubeconfig", str(kubeconfig))
    assert rc == 1
    assert statuses(data, "DOC101") == {"PASS", "FAIL"}  # the plan's nodes came from the inventory
    assert statuses(data, "DOC130") == {"PASS"}  # and its k3s_version


def test_bad_inventory_is_exit_2(tmp_path, capsys) -> None:
    from k3stui.cli import main

    inv = tmp_path / "inventory.yml"
    inv.write_text("all:\n  hosts: {}\n")
    assert main(["doctor", "--inventory", str(inv)]) == 2
    assert "not a k3s-ansible inventory" in capsys.readouterr().err


ADDR = [{"ifname": "eth0", "addr_info": [{"family": "inet", "local": "10.0.0.31", "prefixlen": 24}]}]
LINKS = [{"ifname": "eth0", "mtu": 1500, "linkinfo": {"info_kind": "veth"}}]


@dataclass
class ProbeKubectl(Kubectl):
    """A probe pod on k3s-agent whose node has the host-gw route to k3s-server, or not."""

    route: bool = True

    def run(self, *args: str, stdin: str | None = None, timeout: float = 60) -> str:
        self.calls.append(tuple(args))
        if args[0] in ("apply", "delete") or "rollout" in args:
            return "ok"
        if "exec" in args:
            cmd = args[args.index("--") + 1 :]
            if cmd[:2] == ("ip", "-j"):
                rest = cmd[2:]
                if rest == ("addr",):
                    return json.dumps(ADDR)
                if rest == ("-d", "link"):
                    return json.dumps(LINKS)
                if rest == ("-4", "route"):
                    routes = [{"dst": "10.0.0.0/24", "dev": "eth0"}]
                    if self.route:
                        routes.append({"dst": "10.42.0.0/24", "gateway": "10.0.0.30", "dev": "eth0"})
                    return json.dumps(routes)
                return "[]"
            if cmd[:2] == ("bridge", "-j"):
                return "[]"
            if cmd[0] == "cat" and cmd[1] == "/host/run/flannel/subnet.env":
                return "FLANNEL_SUBNET=10.42.1.1/24\nFLANNEL_MTU=1500\n"
            raise CommandFailed(f"{cmd}: No such file or directory")
        if "pods" in args:
            return json.dumps(
                {
                    "items": [
                        {
                            "metadata": {"name": "probe-x"},
                            "spec": {"nodeName": "k3s-agent"},
                            "status": {"phase": "Running"},
                        }
                    ]
                }
            )
        raise AssertionError(args)


def _cluster() -> ClusterObservation:
    def node(name: str, ip: str, cidr: str) -> dict:
        return {
            "metadata": {"name": name},
            "spec": {"podCIDRs": [cidr]},
            "status": {"addresses": [{"type": "InternalIP", "address": ip}]},
        }

    return ClusterObservation(
        nodes=(
            node("k3s-server", "10.0.0.30", "10.42.0.0/24"),
            node("k3s-agent", "10.0.0.31", "10.42.1.0/24"),
        )
    )


@pytest.mark.parametrize(("route", "status"), [(True, "PASS"), (False, "FAIL")])
def test_probe_reads_every_node_through_kubectl_exec(route: bool, status: str) -> None:
    from k3stui.doctor.checks import run
    from k3stui.doctor.observations import DoctorContext

    plan = Plan(
        flannel=Flannel(backend="host-gw"),
        nodes=(Node("k3s-server", "10.0.0.30", "server"), Node("k3s-agent", "10.0.0.31", "agent")),
    )
    k = ProbeKubectl(route=route)
    notes: list[str] = []
    (obs,) = probe_nodes(Request(plan=plan, kubectl=k), plan, _cluster(), notes)
    assert obs.name == "k3s-agent" and obs.pod_cidrs == ("10.42.1.0/24",) and obs.peers_from == "api"
    routes = [r for r in run(DoctorContext(plan, node=obs)) if r.code == "DOC020"]
    assert [r.status for r in routes] == [status]
    assert routes[0].subject == "k3s-agent route 10.42.0.0/24 (k3s-server)"
    subnet = [r for r in run(DoctorContext(plan, node=obs)) if r.code == "DOC011"]
    assert [r.status for r in subnet] == ["PASS"]
    assert ("delete", "namespace", "k3stui-doctor", "--wait=false", "--ignore-not-found") in k.calls


ADDR_TEXT = """\
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN qlen 1000
    inet 127.0.0.1/8 scope host lo
3: eth0@if7: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP qlen 1000
    link/ether 32:1c:7a:c0:1b:11 brd ff:ff:ff:ff:ff:ff
    inet 10.0.0.31/24 scope global eth0
       valid_lft forever preferred_lft forever
    inet6 2001:db8::31/64 scope global nodad
"""
ROUTE_TEXT = """\
default via 10.0.0.1 dev eth0
10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.31
10.42.0.0/24 via 10.0.0.30 dev eth0
10.42.2.0/24 via 10.42.2.0 dev flannel.1 onlink
"""


def test_plain_ip_text_reads_like_json() -> None:
    from k3stui.doctor.collect_node import parse_addresses, parse_links, parse_routes, text_links, text_routes

    addrs = parse_addresses(text_links(ADDR_TEXT))
    assert [(a.ifname, a.cidr) for a in addrs] == [
        ("lo", "127.0.0.1/8"),
        ("eth0", "10.0.0.31/24"),
        ("eth0", "2001:db8::31/64"),
    ]
    assert parse_links(text_links(ADDR_TEXT))["eth0"].mtu == 1500
    routes = parse_routes(text_routes(ROUTE_TEXT), 4)
    assert routes[0].dst == "default" and routes[0].gateway == "10.0.0.1"
    assert routes[3].onlink and routes[3].dev == "flannel.1" and not routes[2].onlink


@dataclass
class BusyboxKubectl(ProbeKubectl):
    """The default probe image: busybox `ip` has no -j."""

    def run(self, *args: str, stdin: str | None = None, timeout: float = 60) -> str:
        if "exec" in args:
            cmd = args[args.index("--") + 1 :]
            if cmd[:2] == ("ip", "-j") or cmd[0] == "bridge":
                raise CommandFailed("ip: invalid option -- 'j'")
            if cmd == ("ip", "addr"):
                return ADDR_TEXT
            if cmd == ("ip", "-4", "route"):
                return (
                    ROUTE_TEXT
                    if self.route
                    else ROUTE_TEXT.replace("10.42.0.0/24 via 10.0.0.30 dev eth0\n", "")
                )
            if cmd[0] == "ip":
                return ""
        return super().run(*args, stdin=stdin, timeout=timeout)


@pytest.mark.parametrize(("route", "status"), [(True, "PASS"), (False, "FAIL")])
def test_probe_with_busybox_ip_still_checks_routes(route: bool, status: str) -> None:
    from k3stui.doctor.checks import run
    from k3stui.doctor.observations import DoctorContext

    plan = Plan(
        flannel=Flannel(backend="host-gw"),
        nodes=(Node("k3s-server", "10.0.0.30", "server"), Node("k3s-agent", "10.0.0.31", "agent")),
    )
    (obs,) = probe_nodes(Request(plan=plan, kubectl=BusyboxKubectl(route=route)), plan, _cluster(), [])
    results = {r.code: r.status for r in run(DoctorContext(plan, node=obs))}
    assert results["DOC020"] == status and results["DOC001"] == "PASS"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--wait", "soon"], "not a duration"),
        (["--kubeconfig", "/nonexistent/kubeconfig"], "no such file"),
        (["--root", "/nonexistent/root", "--node"], "not a folder"),
    ],
)
def test_bad_arguments_exit_2_with_the_fix(capsys, args: list[str], message: str) -> None:
    from k3stui.cli import main

    assert main(["doctor", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_parse_duration() -> None:
    from k3stui.commands.doctor import parse_duration

    assert [parse_duration(t) for t in ("90s", "2m", "1h", "500ms", "3")] == [90, 120, 3600, 0.5, 3]
