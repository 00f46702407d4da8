"""flannel net-conf.json rendering: K3s's template shape, Backend always present."""

from __future__ import annotations

import json

from k3stui.plan import Cni, Flannel, Plan
from k3stui.render.netconf import netconf, netconf_json


def test_plain_plans_need_no_netconf() -> None:
    assert netconf(Plan()) is None
    assert netconf(Plan(flannel=Flannel(backend="host-gw"))) is None
    assert netconf(Plan(cni=Cni(kind="calico"), flannel=Flannel(mtu=1400))) is None


def test_direct_routing_has_k3s_shape_and_backend() -> None:
    conf = netconf(Plan(flannel=Flannel(direct_routing=True)))
    assert conf == {
        "Network": "10.42.0.0/16", "EnableIPv6": False, "EnableIPv4": True, "IPv6Network": "::/0",
        "Backend": {"Type": "vxlan", "DirectRouting": True},
    }
    assert list(conf) == ["Network", "EnableIPv6", "EnableIPv4", "IPv6Network", "Backend"]


def test_vxlan_options_use_flannel_spelling() -> None:
    conf = netconf(Plan(flannel=Flannel(mtu=1400, vni=4096, port=4789)))
    assert conf["Backend"] == {"Type": "vxlan", "VNI": 4096, "Port": 4789, "MTU": 1400}


def test_wireguard_native_maps_to_flannel_wireguard_with_keepalive() -> None:
    conf = netconf(Plan(flannel=Flannel(backend="wireguard-native", mtu=1380, port=51000)))
    assert conf["Backend"] == {"Type": "wireguard", "PersistentKeepaliveInterval": 25,
                               "ListenPort": 51000, "MTU": 1380}


def test_ipv6_only_and_dual_stack_networks() -> None:
    v6 = netconf(Plan(cluster_cidr=("fd00:42::/56",), flannel=Flannel(mtu=1400)))
    assert (v6["Network"], v6["EnableIPv4"], v6["EnableIPv6"], v6["IPv6Network"]) == (
        "0.0.0.0/0", False, True, "fd00:42::/56")
    dual = netconf(Plan(cluster_cidr=("10.42.0.0/16", "fd00:42::/56"), flannel=Flannel(mtu=1400)))
    assert (dual["Network"], dual["EnableIPv4"], dual["EnableIPv6"], dual["IPv6Network"]) == (
        "10.42.0.0/16", True, True, "fd00:42::/56")


def test_netconf_extra_goes_top_level_or_inside_backend() -> None:
    conf = netconf(Plan(flannel=Flannel(netconf_extra={"EnableNFTables": True, "Backend.GBP": True})))
    assert conf["EnableNFTables"] is True
    assert conf["Backend"] == {"Type": "vxlan", "GBP": True}


def test_json_text_is_valid_and_ends_with_newline() -> None:
    text = netconf_json(netconf(Plan(flannel=Flannel(direct_routing=True))))
    assert text.endswith("\n")
    assert json.loads(text)["Backend"]["Type"] == "vxlan"
