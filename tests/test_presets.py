"""Preset format: shipped presets, round trips, the generated schema, strict errors, the command."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from k3stui import presets
from k3stui.findings import InputError
from k3stui.plan import Calico, Cilium, Cni, Flannel, MacvlanNetwork, Multus, Node, Plan, Secret
from k3stui.presets import Preset, dump_preset, load_preset_text, plan_from_data, plan_to_data

REPO = Path(__file__).resolve().parents[1]
SHIPPED = sorted(p.stem for p in (REPO / "presets").glob("*.yaml"))
SEED = [
    "calico",
    "cilium",
    "dual-stack",
    "flannel-host-gw",
    "flannel-vxlan",
    "flannel-vxlan-directrouting",
    "flannel-wireguard-native",
    "ipv6-only",
    "multus-macvlan",
]
# The CLI runs from a temporary folder; make the checkout importable there too.
ENV = {"PYTHONPATH": str(REPO)}
HEAD = "apiVersion: k3stui.io/v1alpha1\nkind: NetworkPreset\nmetadata: {name: t}\n"


def test_one_preset_per_seed_scenario() -> None:
    assert set(SEED) <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_preset_loads_round_trips_and_matches_schema(name: str) -> None:
    path = REPO / "presets" / f"{name}.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=preset.schema.json\n")
    preset = load_preset_text(text, str(path))
    assert preset.name == name and preset.description
    assert plan_from_data(plan_to_data(preset.plan), name) == preset.plan
    assert load_preset_text(dump_preset(preset), "dumped") == preset
    jsonschema.Draft202012Validator(presets.preset_schema()).validate(yaml.safe_load(text))
    assert preset.plan.token is None


def test_schema_file_is_the_generated_schema() -> None:
    on_disk = json.loads((REPO / "presets" / "preset.schema.json").read_text(encoding="utf-8"))
    assert on_disk == presets.preset_schema(), "run: python -m k3stui.presets"
    jsonschema.Draft202012Validator.check_schema(on_disk)


def test_schema_enums_come_from_plan_tuples() -> None:
    from k3stui.plan import CNI_KINDS, FLANNEL_BACKENDS

    defs = presets.preset_schema()["$defs"]
    assert defs["Flannel"]["properties"]["backend"]["enum"] == list(FLANNEL_BACKENDS)
    assert defs["Cni"]["properties"]["kind"]["enum"] == list(CNI_KINDS)
    assert defs["Plan"]["additionalProperties"] is False
    assert "token" not in defs["Plan"]["properties"]


def test_seed_values() -> None:
    hostgw = presets.load_shipped("flannel-host-gw").plan
    assert hostgw.flannel.backend == "host-gw"
    assert [(n.address, n.role) for n in hostgw.nodes] == [("10.0.0.30", "server"), ("10.0.0.31", "agent")]
    calico = presets.load_shipped("calico").plan
    assert (calico.flannel.backend, calico.cni.kind, calico.disable_network_policy) == (
        "none",
        "calico",
        True,
    )
    assert calico.cni.calico.container_ip_forwarding
    assert calico.cni.calico.ip_pools == ()  # follows cluster-cidr
    cilium = presets.load_shipped("cilium").plan
    assert cilium.disable_kube_proxy and cilium.cni.cilium.kube_proxy_replacement
    net = presets.load_shipped("multus-macvlan").plan.cni.multus.networks[0]  # type: ignore[union-attr]
    assert (net.master, net.subnet, net.range_start, net.range_end, net.gateway) == (
        "ens33",
        "192.168.50.0/24",
        "192.168.50.200",
        "192.168.50.216",
        "192.168.50.1",
    )
    v6 = presets.load_shipped("ipv6-only").plan
    assert v6.service_cidr == ("fd00:43::/112",) and v6.flannel.ipv6_masq and v6.accept_ra == 2
    dual = presets.load_shipped("dual-stack").plan
    assert dual.cluster_cidr == ("10.42.0.0/16", "fd00:42::/56")
    assert dual.service_cidr == ("10.43.0.0/16", "fd00:43::/112")


def full_plan() -> Plan:
    return Plan(
        role="agent",
        k3s_version="v1.30.6+k3s1",
        server="https://10.0.0.30:6443",
        token_file="/etc/tok",
        cluster_cidr=("10.42.0.0/16", "fd00:42::/56"),
        node_cidr_mask_size_ipv4=25,
        accept_ra=2,
        flannel=Flannel(backend="vxlan", direct_routing=True, mtu=1400, netconf_extra={"Backend.GBP": True}),
        cni=Cni(
            kind="cilium",
            calico=Calico(bgp=True),
            cilium=Cilium(routing_mode="native", pool_cidrs=("10.0.0.0/8",)),
            multus=Multus(
                whereabouts=True,
                networks=(
                    MacvlanNetwork("m", "eth0", "192.168.1.0/24", gateway="192.168.1.1", ipam="whereabouts"),
                ),
            ),
        ),
        nodes=(Node("a", "10.0.0.30", "server"), Node("b", "10.0.0.31")),
        extra={"docker": True, "kubelet-arg": ["max-pods=200"]},
    )


def test_round_trip_of_a_plan_using_every_section() -> None:
    plan = full_plan()
    data = plan_to_data(plan)
    assert plan_from_data(data, "x") == plan
    assert data["flannel"] == {"direct-routing": True, "mtu": 1400, "netconf-extra": {"Backend.GBP": True}}
    jsonschema.Draft202012Validator(presets.preset_schema()).validate(
        presets.preset_to_data(Preset("full", "", plan))
    )


def test_defaults_are_not_written_but_an_empty_multus_is() -> None:
    assert plan_to_data(Plan()) == {}
    assert plan_to_data(Plan(cni=Cni(multus=Multus()))) == {"cni": {"multus": {}}}
    assert plan_from_data({"cni": {"multus": {}}}, "x").cni.multus == Multus()


def test_token_is_never_written() -> None:
    plan = Plan(token=Secret("s3cret"), extra={"agent-token": "x", "docker": True})
    assert plan_to_data(plan) == {"extra": {"docker": True}}
    assert presets.secrets_in(plan) == ["token", "agent-token"]
    assert "s3cret" not in dump_preset(Preset("p", "", plan))


def test_dump_is_yaml_data_with_schema_comment() -> None:
    text = dump_preset(Preset("x", "a: tricky # description", Plan(cluster_domain="yes")))
    assert text.splitlines()[0] == "# yaml-language-server: $schema=preset.schema.json"
    loaded = load_preset_text(text, "x")
    assert loaded.description == "a: tricky # description" and loaded.plan.cluster_domain == "yes"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("{cluster-cdir: [10.0.0.0/8]}", 'spec.cluster-cdir: unknown key. Did you mean "cluster-cidr"?'),
        ("{flannel: {backend: vxlna}}", "spec.flannel.backend: 'vxlna' is not one of none, vxlan"),
        ("{flannel: {mtu: big}}", "spec.flannel.mtu: must be a whole number, not a string"),
        ("{token: abc}", "spec.token: a preset must never hold the join token"),
        ("{extra: {token: abc}}", "spec.extra.token: a preset must never hold the join token"),
        ("{extra: {cluster-cidr: 10.0.0.0/8}}", "spec.extra.cluster-cidr: k3stui models this flag"),
        ("{cluster-cidr: 10.0.0.0/8}", "spec.cluster-cidr: must be a list, not a string"),
        ("{nodes: [{name: a}]}", "spec.nodes[0].address: required"),
        (
            "{cni: {multus: {networks: [{name: a, master: b, subnet: c, mode: brige}]}}}",
            "spec.cni.multus.networks[0].mode: 'brige' is not one of bridge",
        ),
        ("{disable-kube-proxy: yes-please}", "spec.disable-kube-proxy: must be true or false"),
        ("[]", "spec: must be a mapping, not a list"),
    ],
)
def test_bad_spec_raises_with_path(spec: str, expected: str) -> None:
    with pytest.raises(InputError) as exc:
        load_preset_text(HEAD + f"spec: {spec}\n", "bad.yaml")
    assert str(exc.value).startswith("bad.yaml: ")
    assert expected in str(exc.value)


def test_every_problem_is_listed_at_once() -> None:
    text = (
        "apiVersion: v1\nkind: NetworkPreset\nmetadata: {name: Bad_Name, descripton: x}\n"
        "spec: {cluster-cdir: [], flannel: {backnd: vxlan}, token: t}\nextra: 1\n"
    )
    with pytest.raises(InputError) as exc:
        load_preset_text(text, "bad.yaml")
    message = str(exc.value)
    assert message.startswith("bad.yaml: 7 problems in the preset:")
    for part in (
        "apiVersion: must be k3stui.io/v1alpha1",
        'metadata.descripton: unknown key. Did you mean "description"?',
        "metadata.name: 'Bad_Name'",
        "spec.cluster-cdir",
        'spec.flannel.backnd: unknown key. Did you mean "backend"?',
        "spec.token",
        "extra: unknown key",
    ):
        assert part in message


def test_not_yaml_and_not_a_mapping() -> None:
    with pytest.raises(InputError, match=r"^p\.yaml:\d+:\d+: "):
        load_preset_text("spec: [unclosed\n", "p.yaml")
    with pytest.raises(InputError, match=r"^p\.yaml: a preset must be a mapping"):
        load_preset_text("- 1\n", "p.yaml")
    with pytest.raises(InputError, match="key 'spec' appears more than once"):
        load_preset_text(HEAD + "spec: {}\nspec: {}\n", "p.yaml")


def test_bad_presets_also_fail_the_schema() -> None:
    validator = jsonschema.Draft202012Validator(presets.preset_schema())
    for spec in (
        {"cluster-cdir": []},
        {"flannel": {"backend": "vxlna"}},
        {"token": "x"},
        {"extra": {"token": "x"}},
        {"accept-ra": 3},
    ):
        data = {
            "apiVersion": presets.API_VERSION,
            "kind": presets.KIND,
            "metadata": {"name": "t"},
            "spec": spec,
        }
        assert not validator.is_valid(data), spec
        with pytest.raises(InputError):
            presets.preset_from_data(data, "x")


# --- the command ----------------------------------------------------------------------------


def test_preset_list_and_show(run_cli) -> None:
    r = run_cli("preset", "list", env=ENV)
    assert r.returncode == 0
    assert all(name in r.stdout for name in SEED)
    r = run_cli("preset", "show", "calico", env=ENV)
    assert r.returncode == 0 and r.stdout == (REPO / "presets" / "calico.yaml").read_text()
    r = run_cli("preset", "show", "calcio", env=ENV)
    assert r.returncode == 2 and 'Did you mean "calico"?' in r.stderr


def test_preset_validate_exit_codes(run_cli, tmp_path: Path) -> None:
    assert run_cli("preset", "validate", str(REPO / "presets" / "dual-stack.yaml"), env=ENV).returncode == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(HEAD + "spec: {flannel: {backend: vxlna}}\n")
    r = run_cli("preset", "validate", str(bad), env=ENV)
    assert r.returncode == 1 and "spec.flannel.backend" in r.stderr
    bad.write_text("spec: [\n")
    assert run_cli("preset", "validate", str(bad), env=ENV).returncode == 2
    assert run_cli("preset", "validate", str(tmp_path / "missing.yaml"), env=ENV).returncode == 2


def test_preset_import_drops_token_and_refuses_overwrite(run_cli, tmp_path: Path) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text("token: s3cr3t-value\nserver: https://10.0.0.30:6443\nflannel-iface: ens33\n")
    out = tmp_path / "mine.yaml"
    r = run_cli(
        "preset",
        "import",
        "--name",
        "mine",
        "--config",
        str(cfg),
        "--exec=agent -i 10.0.0.31",
        "--out",
        str(out),
        env=ENV,
    )
    assert r.returncode == 0, r.stderr
    assert "s3cr3t-value" not in r.stdout + r.stderr + out.read_text()
    assert "PRESET001" in r.stderr and "token-file" in r.stderr
    preset = load_preset_text(out.read_text(), str(out))
    assert preset.plan.role == "agent" and preset.plan.node_ip == ("10.0.0.31",)
    assert preset.plan.token is None and preset.plan.flannel.iface == "ens33"
    r = run_cli("preset", "import", "--name", "mine", "--config", str(cfg), "--out", str(out), env=ENV)
    assert r.returncode == 2 and "--force" in r.stderr
    r = run_cli(
        "preset", "import", "--name", "mine", "--config", str(cfg), "--out", str(out), "--force", env=ENV
    )
    assert r.returncode == 0


def test_preset_import_to_stdout_and_errors(run_cli, tmp_path: Path) -> None:
    r = run_cli("preset", "import", "--name", "x", "--exec=server --cluster-cidr 10.9.0.0/16", env=ENV)
    assert r.returncode == 0
    assert load_preset_text(r.stdout, "stdout").plan.cluster_cidr == ("10.9.0.0/16",)
    r = run_cli("preset", "import", "--name", "x", "--exec=--disable-kube-proxy=maybe", env=ENV)
    assert r.returncode == 1 and r.stdout == ""
    assert run_cli("preset", "import", "--name", "Bad Name", env=ENV).returncode == 2


def test_preset_import_writes_the_capture_but_reports_rule_errors(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "captured.yaml"
    r = run_cli("preset", "import", "--exec", "server --node-ip 10.0.0.999", "--name", "captured",
                "--out", str(out))
    assert r.returncode == 1
    assert "CIDR011" in r.stderr and "node-ip" in r.stderr
    assert "10.0.0.999" in out.read_text()  # an exact capture, ready to be fixed


def test_shipped_pools_follow_cluster_cidr() -> None:
    """The tutorial's `--preset calico --exec '--cluster-cidr=192.168.200.0/24'` is valid: no shipped
    preset pins a Calico pool or a Cilium pod CIDR, so they follow cluster-cidr (issue 11 item 7)."""
    from k3stui.cli import main

    for name in presets.shipped_names():
        plan = presets.load_shipped(name).plan
        assert plan.cni.calico.ip_pools == () and plan.cni.cilium.pool_cidrs == (), name
    assert main(["check", "--preset", "calico", "--exec", "--cluster-cidr=192.168.200.0/24"]) == 0
    assert main(["check", "--preset", "cilium", "--exec", "--cluster-cidr=192.168.200.0/24"]) == 0


def test_set_sets_and_clears_a_field_by_its_preset_path() -> None:
    from k3stui.presets import apply_setting

    plan = presets.load_shipped("calico").plan
    pinned = apply_setting(plan, "cni.calico.ip-pools=192.168.200.0/24")
    assert pinned.cni.calico.ip_pools == ("192.168.200.0/24",)
    both = apply_setting(pinned, "cni.calico.ip-pools=[10.42.0.0/16, 'fd00:42::/56']")
    assert both.cni.calico.ip_pools == ("10.42.0.0/16", "fd00:42::/56")
    assert apply_setting(pinned, "cni.calico.ip-pools=").cni.calico.ip_pools == ()  # follow cluster-cidr
    assert apply_setting(plan, "cni.cilium.version=1.20").cni.cilium.version == "1.20"  # a string
    assert apply_setting(plan, "cni.multus.whereabouts=true").cni.multus.whereabouts is True
    assert apply_setting(plan, "accept-ra=2").accept_ra == 2


@pytest.mark.parametrize(("text", "needle"), [
    ("cni.calico.ip-pool=10.0.0.0/8", 'Did you mean "ip-pools"'),
    ("cni.calico.encapsulation=vxlan", "is not one of"),
    ("cni.calico.block-size-v4=abc", "whole number"),
    ("cni.calico", "PATH=VALUE"),
    ("cni.kind.x=1", "no keys below"),
    ("token=abc", "unknown key"),
])
def test_set_refuses_bad_paths_and_values_with_a_message(text: str, needle: str) -> None:
    from k3stui.presets import apply_setting

    with pytest.raises(InputError, match=re.escape(needle)):
        apply_setting(presets.load_shipped("calico").plan, text)


def test_set_from_the_command_line_is_exit_2_for_bad_input(capsys) -> None:
    from k3stui.cli import main

    assert main(["check", "--preset", "calico", "--set", "cni.calico.ip-pools=10.0.0.0/8"]) == 1  # CNI010
    assert main(["check", "--preset", "calico", "--set", "cni.calico.nope=1"]) == 2
    assert "--set" in capsys.readouterr().err
