"""flannel net-conf.json import: syntax positions, spellings, backend mapping, network keys."""

from __future__ import annotations

import json

import pytest

from k3stui.findings import InputError, Severity
from k3stui.importers.netconf import apply_netconf
from k3stui.plan import Flannel, Plan
from k3stui.rules import validate

# The seed tutorial's custom net-conf.json: the comma after "vxlan" is missing (line 4).
TUTORIAL = """{
  "Network": "10.42.0.0/16",
  "Backend": {
    "Type": "vxlan"
    "DirectRouting": true
  }
}
"""


def codes(findings: list) -> list[tuple[str, str]]:
    return [(f.code, f.key) for f in findings]


def test_tutorial_missing_comma_points_at_the_line_that_needs_it() -> None:
    with pytest.raises(InputError) as exc:
        apply_netconf(Plan(), TUTORIAL, "/etc/net-conf.json")
    assert str(exc.value).startswith("/etc/net-conf.json:4:20: a ',' is missing")
    assert "5:5" in str(exc.value)


def test_fixed_tutorial_file_reads_as_vxlan_direct_routing() -> None:
    fixed = TUTORIAL.replace('"vxlan"\n', '"vxlan",\n')
    plan, findings = apply_netconf(Plan(), fixed, "/etc/net-conf.json")
    assert findings == []
    assert plan.flannel == Flannel(backend="vxlan", direct_routing=True)


def test_trailing_comma_and_other_syntax_errors_have_positions() -> None:
    with pytest.raises(InputError, match=r"^n\.json:1:30: trailing ','"):
        apply_netconf(Plan(), '{"Backend": {"Type": "vxlan"},}', "n.json")
    with pytest.raises(InputError, match=r"^n\.json:1:1: "):
        apply_netconf(Plan(), "", "n.json")
    with pytest.raises(InputError, match="must be a JSON object"):
        apply_netconf(Plan(), "[1]", "n.json")


@pytest.mark.parametrize(("text", "said"), [
    # found in the text, so every Python says the same (3.13's decoder words and places these
    # differently from 3.11's: "Illegal trailing comma", at the comma rather than after it)
    ('{"Backend": {"Type": "vxlan"},}', "1:30: trailing ',' before '}'"),
    ('{"Backend": {"Type": "vxlan"}, "Hosts": [1,\n  2 ,\n ]}', "2:5: trailing ',' before ']'"),
    ('{"Network": "10.42.0.0/16" "Backend": {}}',
     "1:27: a ',' is missing here, before the next item at 1:28"),
])
def test_json_mistakes_are_placed_where_the_user_fixes_them(text: str, said: str) -> None:
    with pytest.raises(InputError) as caught:
        apply_netconf(Plan(), text, "n.json")
    assert str(caught.value).startswith(f"n.json:{said}")


def test_missing_backend_is_an_error_saying_udp() -> None:
    _, findings = apply_netconf(Plan(), '{"Network": "10.42.0.0/16"}', "n.json")
    assert codes(findings) == [("NETCONF002", "Backend")]
    assert findings[0].severity is Severity.ERROR
    assert "udp" in findings[0].message and findings[0].hint


def test_missing_backend_type_is_an_error() -> None:
    _, findings = apply_netconf(
        Plan(), '{"Network": "10.42.0.0/16", "Backend": {"DirectRouting": true}}', "n.json"
    )
    assert codes(findings) == [("NETCONF002", "Backend.Type")]


def test_case_variants_are_normalized_with_a_warning() -> None:
    text = json.dumps(
        {
            "network": "10.42.0.0/16",
            "backend": {"type": "vxlan", "directRouting": True, "mtu": 1400, "vni": 4096},
        }
    )
    plan, findings = apply_netconf(Plan(), text, "n.json")
    assert plan.flannel.direct_routing is True
    assert (plan.flannel.mtu, plan.flannel.vni) == (1400, 4096)
    assert codes(findings) == [
        ("NETCONF004", "Network"),
        ("NETCONF004", "Backend"),
        ("NETCONF004", "Backend.Type"),
        ("NETCONF004", "Backend.DirectRouting"),
        ("NETCONF004", "Backend.MTU"),
        ("NETCONF004", "Backend.VNI"),
    ]
    assert all(f.severity is Severity.WARNING for f in findings)


def test_unknown_keys_warn_with_did_you_mean_and_are_kept() -> None:
    text = json.dumps(
        {"Network": "10.42.0.0/16", "EnableNFTable": True, "Backend": {"Type": "vxlan", "DirectRoute": True}}
    )
    plan, findings = apply_netconf(Plan(), text, "n.json")
    assert codes(findings) == [("NETCONF005", "EnableNFTable"), ("NETCONF005", "Backend.DirectRoute")]
    assert 'Did you mean "EnableNFTables"?' in findings[0].message
    assert 'Did you mean "DirectRouting"?' in findings[1].message
    assert plan.flannel.netconf_extra == {"EnableNFTable": True, "Backend.DirectRoute": True}


def test_wireguard_maps_to_wireguard_native_and_keeps_keepalive() -> None:
    text = json.dumps(
        {
            "Network": "10.42.0.0/16",
            "EnableIPv4": True,
            "EnableIPv6": False,
            "IPv6Network": "::/0",
            "Backend": {"Type": "wireguard", "PersistentKeepaliveInterval": 25},
        }
    )
    plan, findings = apply_netconf(Plan(), text, "n.json", backend_flag="wireguard-native")
    assert findings == []
    assert plan.flannel.backend == "wireguard-native"
    assert plan.flannel.netconf_extra == {"Backend.PersistentKeepaliveInterval": 25}


def test_type_disagreeing_with_flag_warns_and_file_wins() -> None:
    plan, findings = apply_netconf(
        Plan(), '{"Network": "10.42.0.0/16", "Backend": {"Type": "host-gw"}}', "n.json", backend_flag="vxlan"
    )
    assert codes(findings) == [("NETCONF006", "Backend.Type")]
    assert plan.flannel.backend == "host-gw"


@pytest.mark.parametrize("kind", ["udp", "ipip", "alloc", "gce"])
def test_a_backend_k3s_does_not_link_is_fatal_and_stays_in_extra(kind: str) -> None:
    # k3s-oracle netconf: "unknown backend type: udp"
    plan, findings = apply_netconf(
        Plan(), f'{{"Network": "10.42.0.0/16", "Backend": {{"Type": "{kind}", "Port": 8285}}}}', "n.json"
    )
    assert [(f.code, f.severity) for f in findings] == [("NETCONF008", Severity.ERROR)]
    assert plan.flannel.backend == "vxlan"
    assert plan.flannel.netconf_extra == {"Backend.Type": kind}
    assert plan.flannel.port == 8285


def test_backend_type_is_case_insensitive() -> None:
    # k3s-oracle netconf: "Host-GW" -> BackendTypeLower host-gw, ok
    plan, findings = apply_netconf(Plan(), '{"Network": "10.42.0.0/16", "Backend": {"Type": "Host-GW"}}', "n")
    assert findings == []
    assert plan.flannel.backend == "host-gw"
    assert "FLANNEL009" in {f.code for f in validate(plan)}


@pytest.mark.parametrize(("backend", "code", "key"), [
    ('{"Type": "wireguard", "Mode": "foo"}', "NETCONF009", "Backend.Mode"),
    ('{"Type": "wireguard", "PersistentKeepaliveInterval": "25"}', "NETCONF007",
     "Backend.PersistentKeepaliveInterval"),
    ('{"Type": "wireguard", "ListenPort": "51820"}', "NETCONF007", "Backend.ListenPort"),
    ('{"Type": "vxlan", "VNI": "1"}', "NETCONF007", "Backend.VNI"),
    ('{"Type": "vxlan", "GBP": "yes"}', "NETCONF007", "Backend.GBP"),
    ('{"Type": "vxlan", "MTU": 1.5}', "NETCONF007", "Backend.MTU"),
    ('{"Type": "ipsec", "UDPEncap": "true"}', "NETCONF007", "Backend.UDPEncap"),
    ('{"Type": "extension", "PreStartupCommand": 5}', "NETCONF007", "Backend.PreStartupCommand"),
])
def test_backend_values_go_cannot_decode_are_fatal(backend: str, code: str, key: str) -> None:
    _, findings = apply_netconf(Plan(), f'{{"Network": "10.42.0.0/16", "Backend": {backend}}}', "n.json")
    assert [(f.code, f.key, f.severity) for f in findings] == [(code, key, Severity.ERROR)]


def test_keys_a_backend_does_not_decode_are_not_type_checked() -> None:
    # k3s-oracle netconf: host-gw with "VNI": "x" -> ok (host-gw decodes no backend keys)
    plan, findings = apply_netconf(Plan(), '{"Network": "10.42.0.0/16", "Backend": {"Type": "host-gw", '
                                           '"VNI": "x"}}', "n.json")
    assert findings == []
    assert plan.flannel.netconf_extra == {"Backend.VNI": "x"}


@pytest.mark.parametrize(("top", "code", "key"), [
    ('"SubnetLen": "24"', "NETCONF007", "SubnetLen"),
    ('"SubnetLen": -1', "NETCONF009", "SubnetLen"),
    ('"SubnetMin": "10.42.0.x"', "NETCONF009", "SubnetMin"),
    ('"EnableNFTables": "true"', "NETCONF007", "EnableNFTables"),
])
def test_top_level_values_flannel_rejects(top: str, code: str, key: str) -> None:
    text = f'{{"Network": "10.42.0.0/16", {top}, "Backend": {{"Type": "vxlan"}}}}'
    _, findings = apply_netconf(Plan(), text, "n.json")
    assert [(f.code, f.key) for f in findings] == [(code, key)]


@pytest.mark.parametrize("network", ["10.42.0.0/16 ", "2001:db8:42::/56"])
def test_network_with_spaces_or_ipv6_is_refused(network: str) -> None:
    # k3s-oracle netconf: "invalid CIDR address: 10.42.0.0/16 " / panic "Address is not an IPv4 address"
    text = f'{{"Network": "{network}", "Backend": {{"Type": "vxlan"}}}}'
    _, findings = apply_netconf(Plan(), text, "n.json")
    assert ("NETCONF009", "Network") in [(f.code, f.key) for f in findings]


def test_network_disagreeing_with_cluster_cidr_is_an_error() -> None:
    plan = Plan(cluster_cidr=("10.1.0.0/16",))
    _, findings = apply_netconf(plan, '{"Network": "10.42.0.0/16", "Backend": {"Type": "vxlan"}}', "n.json")
    assert codes(findings) == [("NETCONF003", "Network")]
    assert findings[0].severity is Severity.ERROR
    assert "10.1.0.0/16" in findings[0].hint


def test_dual_stack_needs_ipv6_enabled() -> None:
    plan = Plan(cluster_cidr=("10.42.0.0/16", "fd00:42::/56"))
    ok = json.dumps(
        {
            "Network": "10.42.0.0/16",
            "EnableIPv6": True,
            "IPv6Network": "fd00:42::/56",
            "Backend": {"Type": "vxlan"},
        }
    )
    out, findings = apply_netconf(plan, ok, "n.json")
    assert findings == [] and out.flannel.netconf_extra == {}
    _, findings = apply_netconf(plan, '{"Network": "10.42.0.0/16", "Backend": {"Type": "vxlan"}}', "n.json")
    assert codes(findings) == [("NETCONF003", "EnableIPv6")]


def test_ipv6_only_file_as_k3s_writes_it() -> None:
    plan = Plan(cluster_cidr=("fd00:42::/56",))
    text = json.dumps(
        {
            "Network": "0.0.0.0/0",
            "EnableIPv4": False,
            "EnableIPv6": True,
            "IPv6Network": "fd00:42::/56",
            "Backend": {"Type": "vxlan"},
        }
    )
    assert apply_netconf(plan, text, "n.json")[1] == []


def test_wrong_json_types_are_errors() -> None:
    text = json.dumps({"EnableIPv4": "yes", "Backend": {"Type": "vxlan", "MTU": "1400", "DirectRouting": 1}})
    plan, findings = apply_netconf(Plan(), text, "n.json")
    assert sorted(codes(findings)) == [
        ("NETCONF007", "Backend.DirectRouting"),
        ("NETCONF007", "Backend.MTU"),
        ("NETCONF007", "EnableIPv4"),
    ]
    assert plan.flannel.mtu is None


def test_file_replaces_flannel_options_from_a_preset() -> None:
    base = Plan(flannel=Flannel(backend="vxlan", mtu=1300, netconf_extra={"EnableNFTables": True}))
    plan, _ = apply_netconf(base, '{"Backend": {"Type": "vxlan"}}', "n.json")
    assert plan.flannel.mtu is None and plan.flannel.netconf_extra == {}


def test_missing_network_is_an_error() -> None:
    _, findings = apply_netconf(Plan(), '{"Backend": {"Type": "vxlan"}}', "n.json")
    assert codes(findings) == [("NETCONF003", "Network")]


def test_a_mistyped_psk_is_never_echoed() -> None:
    _, findings = apply_netconf(Plan(), '{"Network": "10.42.0.0/16", "Backend": {"Type": "wireguard", '
                                        '"PSK": 123456789}}', "n.json")
    assert [(f.code, f.key) for f in findings] == [("NETCONF007", "Backend.PSK")]
    assert "123456789" not in findings[0].message
