"""INSTALL_K3S_EXEC strings and the flag-value -> Plan mapping."""

from __future__ import annotations

import pytest

from k3stui.findings import InputError, Severity
from k3stui.importers.exec_string import parse_exec
from k3stui.importers.to_plan import plan_from_args
from k3stui.plan import Calico, Cni, Flannel, MacvlanNetwork, Multus, Plan, Secret


def test_leading_role_word_and_equals_form() -> None:
    parsed = parse_exec("server --flannel-backend=host-gw --docker")
    assert parsed.role == "server"
    assert parsed.args == {"flannel-backend": "host-gw", "docker": True}
    assert parsed.findings == []


def test_space_form_equals_equals_form() -> None:
    assert parse_exec("--cluster-cidr 10.1.0.0/16").args == parse_exec("--cluster-cidr=10.1.0.0/16").args


def test_short_flags_both_forms() -> None:
    parsed = parse_exec("agent -i 10.0.0.5 -i=10.0.0.6 -s https://10.0.0.30:6443")
    assert parsed.role == "agent"
    assert parsed.args == {"node-ip": ["10.0.0.5", "10.0.0.6"], "server": "https://10.0.0.30:6443"}


def test_single_dash_long_flag_works_like_go() -> None:
    assert parse_exec("-cluster-domain=example.internal").args == {"cluster-domain": "example.internal"}


def test_repeated_list_flag_accumulates_and_comma_splits() -> None:
    parsed = parse_exec("--node-ip=10.0.0.5,fd00::5 --node-ip 10.0.0.6 --tls-san a,b")
    assert parsed.args["tls-san"] == ["a", "b"]
    plan, findings = plan_from_args(parsed.args, role=None, base=Plan())
    assert plan.node_ip == ("10.0.0.5", "fd00::5", "10.0.0.6")
    assert findings == []


def test_kubelet_arg_is_not_comma_split() -> None:
    assert parse_exec("--kubelet-arg=a=1,2").args == {"kubelet-arg": ["a=1,2"]}


def test_bool_flags_take_no_next_word_but_accept_equals() -> None:
    parsed = parse_exec("--disable-network-policy --flannel-ipv6-masq=false")
    assert parsed.args == {"disable-network-policy": True, "flannel-ipv6-masq": False}
    parsed = parse_exec("--disable-kube-proxy false")
    assert parsed.args == {"disable-kube-proxy": True}
    assert [f.code for f in parsed.findings] == ["IMPORT003"]


def test_repeated_plain_flag_last_wins_with_warning() -> None:
    parsed = parse_exec("--cluster-domain a --cluster-domain b")
    assert parsed.args == {"cluster-domain": "b"}
    assert [f.code for f in parsed.findings] == ["IMPORT006"]


def test_unknown_flag_kept_with_did_you_mean() -> None:
    parsed = parse_exec("--cluster-cdir=10.1.0.0/16 --frobnicate")
    assert parsed.args == {"cluster-cdir": "10.1.0.0/16", "frobnicate": True}
    first = parsed.findings[0]
    # urfave/cli: "flag provided but not defined" -> K3s exits (k3s-oracle stage "flags")
    assert (first.code, first.severity, first.key) == ("IMPORT010", Severity.ERROR, "cluster-cdir")
    assert 'Did you mean "cluster-cidr"?' in first.message


def test_unknown_flag_takes_a_following_value() -> None:
    assert parse_exec("--my-flag value --docker").args == {"my-flag": "value", "docker": True}


def test_missing_value_is_an_error_finding() -> None:
    parsed = parse_exec("--node-ip --docker")
    assert parsed.args == {"docker": True}
    assert [(f.code, f.severity) for f in parsed.findings] == [("IMPORT005", Severity.ERROR)]
    assert [f.code for f in parse_exec("--cluster-cidr").findings] == ["IMPORT005"]


def test_positional_garbage_warns_and_env_values_are_not_echoed() -> None:
    parsed = parse_exec("server K3S_TOKEN=s3cret stray --cluster-domain=x.local")
    # Go's flag parsing stops at the first positional word: the flag after it is not applied
    # (k3s-oracle: `server extra --cluster-domain=y.local` keeps the file's domain).
    assert [f.code for f in parsed.findings] == ["IMPORT003"]
    assert parsed.args == {}
    assert "--cluster-domain" in parsed.findings[0].message
    assert "s3cret" not in " ".join(f.message + f.hint for f in parsed.findings)


def test_unbalanced_quote_is_an_input_error_without_the_text() -> None:
    with pytest.raises(InputError, match="No closing quotation") as exc:
        parse_exec("--token 's3cret")
    assert "s3cret" not in str(exc.value)


# --- args -> plan ---------------------------------------------------------------------------


def test_list_values_split_and_keep_order() -> None:
    plan, findings = plan_from_args(
        {"cluster-cidr": "10.42.0.0/16,fd00:42::/56", "node-ip": ["10.0.0.5", "fd00::5"]},
        role=None,
        base=Plan(),
    )
    assert plan.cluster_cidr == ("10.42.0.0/16", "fd00:42::/56")
    assert plan.node_ip == ("10.0.0.5", "fd00::5")
    assert findings == []


@pytest.mark.parametrize("value", ["10.42.0.0/16, fd00:42::/56", "10.42.0.0/16,",
                                   "10.42.0.0/16,,fd00:42::/56", "", None])
def test_list_parts_are_not_trimmed_and_empty_is_fatal(value: object) -> None:
    # k3s-oracle: "invalid cluster-cidr  fd00:…" / "invalid cluster-cidr : invalid CIDR address"
    plan, findings = plan_from_args({"cluster-cidr": value}, role=None, base=Plan())
    assert [(f.code, f.severity, f.key) for f in findings] == [("IMPORT012", Severity.ERROR, "cluster-cidr")]
    assert plan.cluster_cidr == tuple(p.strip() for p in str(value or "").split(",") if p.strip())


def test_bool_strings_and_bad_bool() -> None:
    plan, findings = plan_from_args(
        {"disable-network-policy": "true", "flannel-ipv6-masq": "maybe"}, role=None, base=Plan()
    )
    assert plan.disable_network_policy is True
    assert plan.flannel.ipv6_masq is False
    assert [(f.code, f.key, f.severity) for f in findings] == [
        ("IMPORT002", "flannel-ipv6-masq", Severity.ERROR)
    ]
    assert "'maybe'" in findings[0].message


def test_token_becomes_a_secret_and_is_never_in_messages() -> None:
    plan, findings = plan_from_args(
        {"token": "s3cret", "disable-kube-proxy": "nah"}, role="agent", base=Plan()
    )
    assert plan.token == Secret("s3cret")
    assert plan.role == "agent"
    assert "s3cret" not in repr(plan)
    assert [f.code for f in findings] == ["IMPORT002"]
    twice, findings = plan_from_args({"token": ["first", "second"]}, role=None, base=Plan())
    assert twice.token == Secret("second")
    assert [f.code for f in findings] == ["IMPORT006"]
    assert "first" not in findings[0].message + findings[0].hint


def test_unknown_key_kept_in_extra_with_did_you_mean() -> None:
    plan, findings = plan_from_args({"cluster-cdir": "10.1.0.0/16"}, role=None, base=Plan())
    assert plan.extra == {"cluster-cdir": "10.1.0.0/16"}
    assert plan.cluster_cidr == ()
    # K3s skips an unknown config key; a close match of a flag loses the setting: an error
    assert (findings[0].code, findings[0].severity) == ("IMPORT011", Severity.ERROR)
    assert 'Did you mean "cluster-cidr"?' in findings[0].message
    _, other = plan_from_args({"my-own-note": "x"}, role=None, base=Plan())
    assert [(f.code, f.severity) for f in other] == [("IMPORT001", Severity.WARNING)]


def test_known_unmodelled_flags_go_to_extra_verbatim() -> None:
    plan, findings = plan_from_args({"docker": True, "kubelet-arg": ["a=1", "b=2"]}, role=None, base=Plan())
    assert plan.extra == {"docker": True, "kubelet-arg": ["a=1", "b=2"]}
    assert findings == []


def test_no_flannel_maps_to_none_and_keeps_marker() -> None:
    plan, findings = plan_from_args({"no-flannel": True}, role=None, base=Plan())
    assert plan.flannel.backend == "none"
    assert plan.cni.kind == "none"
    assert plan.extra == {"no-flannel": True}
    assert [f.code for f in findings] == ["IMPORT009"]


def test_backend_none_keeps_a_preset_cni() -> None:
    base = Plan(cni=Cni(kind="calico"))
    plan, _ = plan_from_args({"flannel-backend": "none"}, role=None, base=base)
    assert plan.cni.kind == "calico"
    plan, _ = plan_from_args({"flannel-backend": "none"}, role=None, base=Plan())
    assert plan.cni.kind == "none"


def test_kcm_mask_args_go_to_plan_fields() -> None:
    plan, findings = plan_from_args(
        {
            "kube-controller-manager-arg": [
                "node-cidr-mask-size-ipv4=25",
                "bind-address=0.0.0.0",
                "node-cidr-mask-size-ipv6=64",
            ]
        },
        role=None,
        base=Plan(),
    )
    assert (plan.node_cidr_mask_size_ipv4, plan.node_cidr_mask_size_ipv6) == (25, 64)
    assert plan.extra == {"kube-controller-manager-arg": ["bind-address=0.0.0.0"]}
    assert findings == []
    _, findings = plan_from_args(
        {"kube-controller-manager-arg": "node-cidr-mask-size=x"}, role=None, base=Plan()
    )
    assert [f.code for f in findings] == ["IMPORT002"]


def test_plan_from_args_inverts_a_full_plan() -> None:
    """What args_from_plan would emit (lists as lists, bools as bools) maps back to the plan."""
    plan = Plan(
        role="agent",
        server="https://10.0.0.30:6443",
        token_file="/etc/k3s-token",
        cluster_cidr=("10.42.0.0/16", "fd00:42::/56"),
        service_cidr=("10.43.0.0/16", "fd00:43::/112"),
        cluster_dns=("10.43.0.10",),
        cluster_domain="example.internal",
        service_node_port_range="30000-31000",
        node_cidr_mask_size_ipv4=25,
        node_cidr_mask_size_ipv6=64,
        flannel=Flannel(
            backend="host-gw",
            ipv6_masq=True,
            external_ip=True,
            iface="ens33",
            conf="/etc/net-conf.json",
            cni_conf="/etc/cni.conflist",
        ),
        disable_network_policy=True,
        disable_kube_proxy=True,
        node_ip=("10.0.0.31", "fd00::31"),
        node_external_ip=("203.0.113.5",),
        egress_selector_mode="cluster",
        extra={"docker": True, "kubelet-arg": ["max-pods=200"], "kube-controller-manager-arg": ["x=1"]},
    )
    args = {
        "server": plan.server,
        "token-file": plan.token_file,
        "cluster-cidr": list(plan.cluster_cidr),
        "service-cidr": list(plan.service_cidr),
        "cluster-dns": list(plan.cluster_dns),
        "cluster-domain": plan.cluster_domain,
        "service-node-port-range": plan.service_node_port_range,
        "flannel-backend": "host-gw",
        "flannel-ipv6-masq": True,
        "flannel-external-ip": True,
        "flannel-iface": "ens33",
        "flannel-conf": "/etc/net-conf.json",
        "flannel-cni-conf": "/etc/cni.conflist",
        "disable-network-policy": True,
        "disable-kube-proxy": True,
        "node-ip": list(plan.node_ip),
        "node-external-ip": list(plan.node_external_ip),
        "egress-selector-mode": "cluster",
        "docker": True,
        "kubelet-arg": ["max-pods=200"],
        "kube-controller-manager-arg": ["node-cidr-mask-size-ipv4=25", "node-cidr-mask-size-ipv6=64", "x=1"],
    }
    back, findings = plan_from_args(args, role="agent", base=Plan())
    assert findings == []
    assert back == plan


def test_base_values_survive_and_extra_merges() -> None:
    base = Plan(
        cni=Cni(
            kind="calico",
            calico=Calico(bgp=True),
            multus=Multus(networks=(MacvlanNetwork("m", "eth0", "192.168.1.0/24"),)),
        ),
        extra={"docker": True},
    )
    plan, _ = plan_from_args({"write-kubeconfig-mode": "0644"}, role=None, base=base)
    assert plan.cni == base.cni
    assert plan.extra == {"docker": True, "write-kubeconfig-mode": "0644"}


def test_flag_lines_parse_like_exec_and_round_trip() -> None:
    from k3stui.importers.exec_string import flag_lines, parse_flag_lines

    text = ("# comment\n--disable-helm-controller=true\nkubelet-arg=max-pods=200\n"
            "kubelet-arg=eviction-hard=memory.available<100Mi,nodefs.available<10%\n"
            "tls-san=a,b\n\nhttps-listen-port = 7443\ncluster-init\n")
    parsed = parse_flag_lines(text)
    assert parsed.findings == []
    assert parsed.args == {
        "disable-helm-controller": True,
        "kubelet-arg": ["max-pods=200", "eviction-hard=memory.available<100Mi,nodefs.available<10%"],
        "tls-san": ["a", "b"], "https-listen-port": "7443", "cluster-init": True,
    }
    assert parse_flag_lines(flag_lines(parsed.args)).args == parsed.args


def test_flag_lines_report_unknown_names_with_did_you_mean() -> None:
    from k3stui.importers.exec_string import parse_flag_lines

    parsed = parse_flag_lines("disable-helm-controler=true", "other flags")
    assert parsed.args == {"disable-helm-controler": "true"}
    (found,) = parsed.findings
    assert found.code == "IMPORT010" and "disable-helm-controller" in found.message
