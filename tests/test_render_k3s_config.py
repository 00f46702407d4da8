"""K3s config drop-in rendering, and the round trip through the colleague's importer."""

from __future__ import annotations

import dataclasses

import pytest
import yaml

from k3stui import flags
from k3stui.plan import Cilium, Cni, Flannel, Node, Plan, Secret
from k3stui.render.k3s_config import (
    AGENT_TOKEN_FILE,
    NETCONF_NODE_PATH,
    config_yaml,
    k3s_args,
    managed_keys,
)
from k3stui.render.netconf import netconf, netconf_json


def _importers():
    from k3stui.importers.k3s_config import parse_config
    from k3stui.importers.netconf import apply_netconf
    from k3stui.importers.to_plan import plan_from_args

    return plan_from_args, parse_config, apply_netconf


def _import(plan: Plan, role: str) -> Plan:
    """Render `role`'s drop-in as text and read it back the way `k3stui check -c` would."""
    plan_from_args, parse_config, apply_netconf = _importers()
    text = config_yaml(k3s_args(plan, role), role=role)
    data, found = parse_config(text, "drop-in")
    assert not found, found
    back, found = plan_from_args(data, role=role, base=Plan())
    assert not [f for f in found if f.severity.value == "error"], found
    conf = netconf(plan)
    if conf is not None:
        back, found = apply_netconf(back, netconf_json(conf), "net-conf.json",
                                    backend_flag=data.get("flannel-backend"))
        assert not [f for f in found if f.severity.value == "error"], found
    return back


ROUND_TRIP = {
    "defaults": Plan(),
    "host-gw server": Plan(
        flannel=Flannel(backend="host-gw", iface="ens33"), node_ip=("10.0.0.30",),
        cluster_cidr=("10.52.0.0/16",), service_cidr=("10.53.0.0/16",), cluster_dns=("10.53.0.10",),
        cluster_domain="k.example", service_node_port_range="30000-30100",
        node_cidr_mask_size_ipv4=25, token=Secret("s3cret"), egress_selector_mode="pod",
        extra={"disable": ["traefik"], "write-kubeconfig-mode": "0644",
               "kube-controller-manager-arg": ["bind-address=0.0.0.0"]},
    ),
    "dual-stack": Plan(
        cluster_cidr=("10.42.0.0/16", "2001:db8:42::/56"), service_cidr=("10.43.0.0/16", "2001:db8:43::/112"),
        flannel=Flannel(ipv6_masq=True), node_ip=("192.0.2.10", "2001:db8::10"),
        node_cidr_mask_size_ipv4=24, node_cidr_mask_size_ipv6=64,
    ),
    "joining server": Plan(server="https://10.0.0.30:6443", token_file="/etc/rancher/k3s/token"),
    "agent": Plan(role="agent", server="https://10.0.0.30:6443", token_file="/root/token",
                  node_ip=("10.0.0.31",), flannel=Flannel(iface="ens33"), extra={"node-label": ["a=b"]}),
    "direct routing": Plan(flannel=Flannel(direct_routing=True, mtu=1400, vni=4096, port=4789,
                                           conf="/etc/net-conf.json")),
    "direct routing, k3stui's default path": Plan(flannel=Flannel(direct_routing=True)),
    "wireguard-native": Plan(flannel=Flannel(backend="wireguard-native", external_ip=True)),
    "byo cni": Plan(flannel=Flannel(backend="none"), cni=Cni(kind="none"), disable_network_policy=True),
}


@pytest.mark.parametrize("name", list(ROUND_TRIP))
def test_import_of_render_gives_the_plan_back(name: str) -> None:
    """... its network part: keys that are not network settings are not written (they stay in the
    user's files), except the kube-controller-manager arguments the node masks ride in."""
    plan = ROUND_TRIP[name]
    written = k3s_args(plan, plan.role)
    network_part = dataclasses.replace(plan, extra={k: v for k, v in plan.extra.items() if k in written})
    assert _import(plan, plan.role) == network_part


def test_the_drop_in_carries_network_keys_only() -> None:
    """A drop-in sorts after the user's config.yaml: a copied tls-san or node-label would override
    the user's own from then on (node-label+: would become a replace)."""
    from k3stui.render.k3s_config import not_written

    plan = Plan(flannel=Flannel(backend="host-gw"), extra={
        "tls-san": ["k3s.example.net"], "node-label+": ["a=b"], "write-kubeconfig-mode": "0644",
        "kube-controller-manager-arg": ["bind-address=0.0.0.0"], "data-dir": "/srv/k3s"})
    for role in ("server", "agent"):
        args = k3s_args(plan, role)
        assert args.get("flannel-backend", "host-gw") == "host-gw"
        others = {"tls-san", "node-label+", "write-kubeconfig-mode", "kube-controller-manager-arg"}
        assert others.isdisjoint(args)
        assert args["data-dir"] == "/srv/k3s"  # every rendered node path depends on it
        assert set(not_written(plan, role)) == others


@pytest.mark.parametrize("kind", ["calico", "cilium"])
def test_custom_cni_render_is_a_fixed_point(kind: str) -> None:
    # K3s flags cannot say which CNI runs, so the kind is lost; the flags must not be.
    plan = Plan(cni=Cni(kind=kind), cluster_cidr=("10.10.0.0/16",))
    back = _import(plan, "server")
    assert k3s_args(back, "server") == k3s_args(plan, "server")


def test_defaults_render_nothing_for_a_server() -> None:
    assert k3s_args(Plan(), "server") == {}


def test_only_changed_values_are_written_and_typed() -> None:
    plan = Plan(cluster_cidr=("10.52.0.0/16",), flannel=Flannel(backend="vxlan", ipv6_masq=True))
    assert k3s_args(plan, "server") == {"cluster-cidr": ["10.52.0.0/16"], "flannel-ipv6-masq": True}


def test_every_modeled_flag_is_rendered_from_the_table() -> None:
    # One non-default value per modeled field -> each flag name appears (table-driven, not by hand).
    values = {"list": ("x",), "bool": True, "int": 7, "str": "v"}
    plan = Plan()
    from k3stui.plan import with_value

    for flag in flags.FLAGS.values():
        if flag.field and not flag.secret and flag.name not in ("flannel-backend", "server"):
            plan = with_value(plan, flag.field, values[flag.kind])
    plan = dataclasses.replace(plan, server="https://s:6443", flannel=dataclasses.replace(plan.flannel,
                                                                                         backend="host-gw"))
    args = k3s_args(plan, "server")
    for flag in flags.FLAGS.values():
        if flag.field and not flag.secret:
            assert flag.name in args, flag.name


def test_server_only_keys_never_reach_the_agent() -> None:
    plan = Plan(cluster_cidr=("10.52.0.0/16",), flannel=Flannel(backend="host-gw", iface="eth1"),
                disable_network_policy=True, server="https://s:6443",
                extra={"disable": ["traefik"], "node-label": ["x=y"]})
    agent = k3s_args(plan, "agent")
    for key in agent:
        flag = flags.lookup(key)
        assert flag is None or flag.scope == "agent", key
    assert agent["flannel-iface"] == "eth1"
    assert "node-label" not in agent  # not a network setting: it stays in the user's files
    assert "disable" not in agent


def test_agent_gets_server_and_token_file_not_a_token() -> None:
    plan = Plan(server="https://10.0.0.30:6443", token=Secret("abc"), token_file="/etc/tok")
    agent = k3s_args(plan, "agent")
    assert agent["server"] == "https://10.0.0.30:6443"
    assert agent["token-file"] == "/etc/tok"
    assert "token" not in agent and "abc" not in config_yaml(agent, role="agent")


def test_literal_token_only_without_a_token_file() -> None:
    agent = k3s_args(Plan(server="https://s:6443", token=Secret("abc")), "agent")
    assert agent["token"] == "abc" and "token-file" not in agent


def test_agent_without_token_points_at_the_default_token_file() -> None:
    agent = k3s_args(Plan(server="https://s:6443"), "agent")
    assert agent["token-file"] == AGENT_TOKEN_FILE


def test_agent_server_url_from_the_first_server_node() -> None:
    plan = Plan(nodes=(Node("a", "10.0.0.31"), Node("s", "fd00::30", "server")))
    assert k3s_args(plan, "agent")["server"] == "https://[fd00::30]:6443"


def test_server_config_of_an_agent_plan_does_not_join_or_copy_its_addresses() -> None:
    plan = Plan(role="agent", server="https://s:6443", node_ip=("10.0.0.31",), token_file="/t")
    server = k3s_args(plan, "server")
    assert "server" not in server and "node-ip" not in server
    assert k3s_args(plan, "agent")["node-ip"] == ["10.0.0.31"]


def test_node_masks_merge_into_kube_controller_manager_arg() -> None:
    plan = Plan(node_cidr_mask_size_ipv4=24, node_cidr_mask_size_ipv6=64,
                extra={"kube-controller-manager-arg": ["bind-address=0.0.0.0",
                                                       "node-cidr-mask-size-ipv4=26"]})
    assert k3s_args(plan, "server")["kube-controller-manager-arg"] == [
        "bind-address=0.0.0.0", "node-cidr-mask-size-ipv4=24", "node-cidr-mask-size-ipv6=64"]
    assert "kube-controller-manager-arg" not in k3s_args(plan, "agent")


def test_flannel_conf_points_at_the_rendered_netconf() -> None:
    plan = Plan(flannel=Flannel(direct_routing=True))
    assert k3s_args(plan, "server")["flannel-conf"] == NETCONF_NODE_PATH
    assert k3s_args(plan, "agent")["flannel-conf"] == NETCONF_NODE_PATH
    custom = Plan(flannel=Flannel(direct_routing=True, conf="/etc/net-conf.json"))
    assert k3s_args(custom, "agent")["flannel-conf"] == "/etc/net-conf.json"
    assert "flannel-conf" not in k3s_args(Plan(), "agent")


@pytest.mark.parametrize("kind", ["calico", "cilium"])
def test_custom_cni_server_turns_flannel_and_policy_off(kind: str) -> None:
    args = k3s_args(Plan(cni=Cni(kind=kind)), "server")
    assert args["flannel-backend"] == "none"
    assert args["disable-network-policy"] is True
    assert ("disable-kube-proxy" in args) == (kind == "cilium")


def test_cilium_without_kube_proxy_replacement_keeps_kube_proxy() -> None:
    plan = Plan(cni=Cni(kind="cilium", cilium=Cilium(kube_proxy_replacement=False)))
    assert "disable-kube-proxy" not in k3s_args(plan, "server")


def test_yaml_is_dumped_and_hostile_values_stay_data() -> None:
    plan = Plan(node_ip=("10.0.0.1\nflannel-backend: host-gw",), flannel=Flannel(iface="$(rm -rf /)"))
    text = config_yaml(k3s_args(plan, "server"), role="server")
    assert yaml.safe_load(text) == {"node-ip": ["10.0.0.1\nflannel-backend: host-gw"],
                                    "flannel-iface": "$(rm -rf /)"}


def test_managed_keys_keep_secrets_and_other_hosts_identity() -> None:
    keys = managed_keys(Plan(role="server"), "agent")
    assert "token" not in keys and "node-ip" not in keys and "cluster-cidr" not in keys
    assert "flannel-iface" in keys


def test_bad_role_is_refused() -> None:
    with pytest.raises(ValueError):
        k3s_args(Plan(), "master")
