"""build_plan (preset < configs < exec flags, then net-conf.json) and the file-reading shell."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from k3stui.findings import InputError
from k3stui.importers import build_plan
from k3stui.inputs import plan_from_args_namespace, read_text, server_plans
from k3stui.plan import Cni, Plan
from k3stui.rules import RULES, validate

CODES = {r.code for r in RULES if r.stage == "import"}


def test_cli_list_flags_append_to_the_config_list_and_plain_flags_override() -> None:
    # K3s puts the file's values before the command line; every slice flag adds (k3s-oracle:
    # cluster-cidr 10.42/16 in the file + --cluster-cidr=10.52/16 -> two IPv4 CIDRs, kcm exits).
    plan, findings = build_plan(
        configs=[("config.yaml", "cluster-cidr: 10.42.0.0/16\nflannel-backend: vxlan\n")],
        exec_flags="server --cluster-cidr=10.52.0.0/16 --flannel-backend host-gw",
    )
    assert plan.cluster_cidr == ("10.42.0.0/16", "10.52.0.0/16")
    assert plan.flannel.backend == "host-gw"
    assert findings == []
    assert "CIDR005" in {f.code for f in validate(plan)}


def test_file_ipv4_plus_cli_ipv6_is_dual_stack() -> None:
    plan, _ = build_plan(
        configs=[("config.yaml", "cluster-cidr: 10.42.0.0/16\nservice-cidr: 10.43.0.0/16\n")],
        exec_flags="server --cluster-cidr=2001:db8:42::/56 --service-cidr=2001:db8:43::/112",
    )
    assert plan.cluster_cidr == ("10.42.0.0/16", "2001:db8:42::/56")
    assert plan.service_cidr == ("10.43.0.0/16", "2001:db8:43::/112")
    assert not [f for f in validate(plan) if f.severity.value == "error"]


def test_drop_ins_then_cli() -> None:
    plan, _ = build_plan(
        configs=[
            ("config.yaml", "tls-san: [a]\ncluster-cidr: 10.1.0.0/16\n"),
            ("config.yaml.d/10.yaml", "tls-san+: [b]\n"),
            ("config.yaml.d/20.yaml", "cluster-cidr: 10.2.0.0/16\n"),
        ]
    )
    assert plan.cluster_cidr == ("10.2.0.0/16",)
    assert plan.extra == {"tls-san": ["a", "b"]}


def test_role_from_leading_word_else_preset() -> None:
    assert build_plan(exec_flags="agent --node-ip 10.0.0.5")[0].role == "agent"
    assert build_plan(preset=Plan(role="agent"))[0].role == "agent"
    assert build_plan(preset=Plan(role="agent"), exec_flags="server")[0].role == "server"


def test_preset_is_the_base() -> None:
    preset = Plan(cni=Cni(kind="cilium"), disable_kube_proxy=True)
    plan, _ = build_plan(preset=preset, configs=[("c.yaml", "flannel-backend: none\n")])
    assert plan.cni.kind == "cilium" and plan.disable_kube_proxy and plan.flannel.backend == "none"


def test_netconf_applies_after_flags_and_compares_the_flag() -> None:
    plan, findings = build_plan(
        configs=[("c.yaml", "flannel-conf: /etc/net-conf.json\nflannel-backend: vxlan\n")],
        netconf=("/etc/net-conf.json", '{"Network": "10.42.0.0/16", "Backend": {"Type": "host-gw"}}'),
    )
    assert plan.flannel.conf == "/etc/net-conf.json"
    assert plan.flannel.backend == "host-gw"
    assert [f.code for f in findings] == ["NETCONF006"]


def test_netconf_without_a_backend_flag_does_not_warn() -> None:
    _, findings = build_plan(
        netconf=("n.json", '{"Network": "10.42.0.0/16", "Backend": {"Type": "vxlan", "DirectRouting": true}}')
    )
    assert findings == []


def test_every_emitted_code_is_listed() -> None:
    _, findings = build_plan(
        configs=[("c.yaml", "cluster-cdir: x\ncluster-domain:\nno-flannel: true\n")],
        exec_flags="--cluster-domain a --cluster-domain b --disable-kube-proxy=perhaps stray --node-ip",
        netconf=("n.json", '{"network": "1.2.3.0/24", "Foo": 1, "EnableIPv6": "x"}'),
    )
    assert {f.code for f in findings} <= set(CODES)
    assert len({f.code for f in findings}) >= 9


# --- the shell: files ------------------------------------------------------------------------


def namespace(**kw: object) -> argparse.Namespace:
    base = {
        "config": [],
        "config_dir": None,
        "exec_flags": None,
        "flannel_conf": None,
        "preset": None,
        "server_config": [],
        "k3s_version": None,
    }
    return argparse.Namespace(**{**base, **kw})


def test_config_dir_is_read_alphabetically_after_config(tmp_path: Path) -> None:
    main = tmp_path / "config.yaml"
    main.write_text("cluster-cidr: 10.1.0.0/16\nnode-label: [a=1]\n")
    d = tmp_path / "config.yaml.d"
    d.mkdir()
    (d / "20-b.yaml").write_text("cluster-cidr: 10.3.0.0/16\n")
    (d / "10-a.yml").write_text("cluster-cidr: 10.2.0.0/16\nnode-label+: [b=2]\n")
    (d / "notes.txt").write_text("cluster-cidr: 10.9.0.0/16\n")
    plan, _ = plan_from_args_namespace(namespace(config=[str(main)], config_dir=str(d)))
    assert plan.cluster_cidr == ("10.3.0.0/16",)
    assert plan.extra == {"node-label": ["a=1", "b=2"]}


def test_preset_by_name_and_by_path(tmp_path: Path) -> None:
    plan, _ = plan_from_args_namespace(namespace(preset="calico"))
    assert plan.cni.kind == "calico"
    copy = tmp_path / "mine.yaml"
    copy.write_text((Path(__file__).parents[1] / "presets" / "cilium.yaml").read_text())
    plan, _ = plan_from_args_namespace(namespace(preset=str(copy), k3s_version="v1.30.6+k3s1"))
    assert plan.cni.kind == "cilium" and plan.k3s_version == "v1.30.6+k3s1"
    with pytest.raises(InputError, match='Did you mean "calico"'):
        plan_from_args_namespace(namespace(preset="calcio"))


def test_missing_directory_and_binary_files_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.yaml: no such config file"):
        plan_from_args_namespace(namespace(config=[str(tmp_path / "nope.yaml")]))
    with pytest.raises(InputError, match=r"is a directory.*--config-dir"):
        plan_from_args_namespace(namespace(config=[str(tmp_path)]))
    with pytest.raises(InputError, match="no such folder"):
        plan_from_args_namespace(namespace(config_dir=str(tmp_path / "x")))
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(b"cluster-domain: caf\xe9\n")
    with pytest.raises(InputError, match=r"latin1\.yaml:1: not UTF-8"):
        read_text(bad)
    with pytest.raises(InputError, match=r"n\.json: no such net-conf\.json file"):
        plan_from_args_namespace(namespace(flannel_conf=str(tmp_path / "n.json")))


def test_server_plans_one_per_file(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("cluster-cidr: 10.1.0.0/16\n")
    b.write_text("cluster-cidr: 10.2.0.0/16\n")
    plans = server_plans(namespace(server_config=[str(a), str(b)]))
    assert [p.cluster_cidr for p in plans] == [("10.1.0.0/16",), ("10.2.0.0/16",)]


def test_exec_given_as_argparse_list_is_joined() -> None:
    """argparse hands `--exec --` over as a list; the shell must cope."""
    plan, findings = plan_from_args_namespace(namespace(exec_flags=[]))
    assert plan == Plan() and findings == []
