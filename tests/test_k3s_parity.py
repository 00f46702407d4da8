"""Issue 10: k3stui judges a plan as K3s v1.34.3 and flannel do. One test per behaviour; each names
the input and K3s's answer (as the k3s-oracle built from that upstream code gave it)."""

from __future__ import annotations

import pytest

from k3stui import flags
from k3stui.findings import Severity
from k3stui.importers import build_plan
from k3stui.plan import Plan
from k3stui.rules import validate


def _codes(findings: list) -> list[tuple[str, str, str]]:
    return [(f.code, f.severity.value, f.key) for f in findings]


def _check(config: str = "", exec_flags: str | None = None, version: str | None = None) -> list:
    plan, found = build_plan(configs=[("config.yaml", config)] if config else [], exec_flags=exec_flags)
    return found + validate(plan, k3s_version=version)


def _errors(config: str = "", exec_flags: str | None = None, version: str | None = None) -> set[str]:
    return {f.code for f in _check(config, exec_flags, version) if f.severity is Severity.ERROR}


# -- 1. command-line slice flags append to the file's list ----------------------------------------
@pytest.mark.parametrize(("flag", "file_value", "cli_value", "field"), [
    ("cluster-cidr", "10.42.0.0/16", "2001:db8:42::/56", "cluster_cidr"),
    ("service-cidr", "10.43.0.0/16", "2001:db8:43::/112", "service_cidr"),
    ("cluster-dns", "10.43.0.10", "2001:db8:43::a", "cluster_dns"),
    ("node-ip", "192.0.2.10", "2001:db8::10", "node_ip"),
])
def test_every_slice_flag_appends(flag: str, file_value: str, cli_value: str, field: str) -> None:
    plan, findings = build_plan(configs=[("c.yaml", f"{flag}: {file_value}\n")],
                                exec_flags=f"server --{flag}={cli_value}")
    assert getattr(plan, field) == (file_value, cli_value)
    assert findings == []


def test_two_ipv4_cluster_cidrs_from_file_and_cli_are_refused() -> None:
    # oracle: stage kcm, "len of ClusterCIDRs==2 and they are not configured as dual stack"
    assert "CIDR005" in _errors("cluster-cidr: 10.42.0.0/16\n", "server --cluster-cidr=10.52.0.0/16")


# -- 4. config scalars are trimmed, the NodePort range is not ------------------------------------
def test_config_scalars_are_trimmed() -> None:
    # oracle: flannel-backend "vxlan " -> args --flannel-backend=vxlan, ok
    text = 'flannel-backend: "host-gw "\ncluster-domain: " a.local"\n'
    plan, findings = build_plan(configs=[("c.yaml", text)])
    assert (plan.flannel.backend, plan.cluster_domain, findings) == ("host-gw", "a.local", [])


def test_node_port_range_with_inner_spaces_is_fatal() -> None:
    # oracle: "invalid port range 30000 - 32767: strconv.Atoi: parsing \"30000 \""
    found = _check('service-node-port-range: "30000 - 32767"\n')
    assert ("IMPORT012", "error", "service-node-port-range") in _codes(found)


# -- 5. YAML 1.1 as go-yaml v2 reads it; booleans through strconv.ParseBool -----------------------
@pytest.mark.parametrize(("text", "value"), [("y", True), ("Y", True), ("yes", True), ("on", True),
                                             ("n", False), ("N", False), ("off", False), ("TRUE", True),
                                             ("1", True), ("'t'", True), ("'F'", False)])
def test_yaml_and_parsebool_spellings_are_booleans(text: str, value: bool) -> None:
    plan, findings = build_plan(configs=[("c.yaml", f"disable-network-policy: {text}\n")])
    assert (plan.disable_network_policy, findings) == (value, [])


@pytest.mark.parametrize("text", ["tRuE", "'y'", "'yes'", "''", "~"])
def test_other_boolean_spellings_are_fatal(text: str) -> None:
    # oracle: flags: invalid boolean value "tRuE" for -disable-network-policy: parse error
    _, findings = build_plan(configs=[("c.yaml", f"disable-network-policy: {text}\n")])
    assert _codes(findings) == [("IMPORT002", "error", "disable-network-policy")]


@pytest.mark.parametrize(("text", "value"), [("1e3", "1000"), ("1.5e3", "1500"), ("0x1F", "31"),
                                             ("012", "10"), ("1:30", "1:30"), ("y", "true")])
def test_numbers_become_text_as_go_yaml_v2_reads_them(text: str, value: str) -> None:
    # oracle: cluster-domain: 1e3 -> --cluster-domain=1000; 0x1F -> 31; 012 -> 10; y -> true
    plan, _ = build_plan(configs=[("c.yaml", f"cluster-domain: {text}\n")])
    assert plan.cluster_domain == value


# -- 6. empty values are not "unset" --------------------------------------------------------------
@pytest.mark.parametrize(("line", "key"), [
    ("cluster-cidr:", "cluster-cidr"), ("cluster-cidr: ''", "cluster-cidr"),
    ("cluster-dns: ''", "cluster-dns"), ("node-ip: ''", "node-ip"),
    ("cluster-domain: ~", "cluster-domain"), ("flannel-backend: ''", "flannel-backend"),
])
def test_empty_values_are_errors_on_their_keys(line: str, key: str) -> None:
    # oracle: invalid cluster-cidr : invalid CIDR address / invalid cluster-dns address /
    # cluster-domain '' (K3s runs with an empty domain) / Cannot configure unknown flannel backend ''
    _, findings = build_plan(configs=[("c.yaml", line + "\n")])
    assert _codes(findings) == [("IMPORT012", "error", key)]


# -- 7. the command line --------------------------------------------------------------------------
def test_unknown_command_line_flag_is_fatal_and_reported_once() -> None:
    # oracle: flags: flag provided but not defined: -bogus-flag
    found = _check("cluster-domain: x.local\n", "server --bogus-flag")
    assert [c for c in _codes(found) if c[0].startswith("IMPORT")] == [("IMPORT010", "error", "bogus-flag")]


def test_flags_after_a_positional_word_are_ignored() -> None:
    # oracle: `server extra --cluster-domain=y.local` with cluster-domain x.local in the file -> x.local
    plan, findings = build_plan(configs=[("c.yaml", "cluster-domain: x.local\n")],
                                exec_flags="server extra --cluster-domain=y.local")
    assert plan.cluster_domain == "x.local"
    assert _codes(findings) == [("IMPORT003", "warning", "")]
    assert "--cluster-domain" in findings[0].message


def test_a_config_key_written_with_dashes_is_fatal() -> None:
    # oracle: flags: bad flag syntax: ----cluster-domain=x.local
    plan, findings = build_plan(configs=[("c.yaml", "--cluster-domain: x.local\n")])
    assert _codes(findings) == [("IMPORT013", "error", "cluster-domain")]
    assert plan.cluster_domain is None


# -- 8. unknown config-file keys are skipped by K3s -----------------------------------------------
def test_a_misspelt_config_key_is_an_error_naming_the_flag() -> None:
    # oracle: flanel-backend: host-gw -> ok, flannel-backend vxlan: the intent is silently lost
    plan, findings = build_plan(configs=[("c.yaml", "flanel-backend: host-gw\n")])
    assert plan.flannel.backend == "vxlan" and plan.extra == {"flanel-backend": "host-gw"}
    assert _codes(findings) == [("IMPORT011", "error", "flanel-backend")]
    assert '"flannel-backend"' in findings[0].message


def test_render_shows_an_unknown_key_before_it_writes(run_cli, tmp_path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("my-site-note: rack-4\n")
    out = tmp_path / "out"
    r = run_cli("render", "--config", str(cfg), "--out", str(out))
    assert r.returncode == 0
    assert "IMPORT001" in r.stdout + r.stderr
    assert r.stdout.index("IMPORT001") < r.stdout.index("Wrote")
    # Not a network setting: it stays in the user's own file (issue 11 item 9), and the README says so.
    dropin = out / "server" / "etc" / "rancher" / "k3s" / "config.yaml.d" / "50-k3stui-network.yaml"
    assert "my-site-note" not in dropin.read_text()
    assert "Not written to the drop-in: my-site-note" in (out / "README.md").read_text()


# -- 9. the flag table ----------------------------------------------------------------------------
def test_hidden_server_flags_are_known() -> None:
    # oracle: --disable-agent=true -> ok (a hidden server flag)
    _, findings = build_plan(configs=[("c.yaml", "disable-agent: true\nkube-controller-arg: [a=1]\n")])
    assert findings == []
    assert flags.lookup("disable-agent").kind == "bool"


def test_no_deploy_is_an_error_naming_disable_where_k3s_refuses_it() -> None:
    # oracle (v1.34.3): flag provided but not defined: -no-deploy; v1.25.6 "no-deploy flag is deprecated.
    # Use --disable instead." (fatal); older releases accepted it.
    newer = [f for f in _check("no-deploy: [traefik]\n") if f.code == "VER009"]
    assert len(newer) == 1 and "disable" in newer[0].hint
    assert "VER009" not in {f.code for f in _check("no-deploy: [traefik]\n", version="v1.24.17+k3s1")}


# -- 10, 11. what the components refuse -----------------------------------------------------------
@pytest.mark.parametrize("config", [
    "cluster-cidr: 10.42.0.0/16,2001:db8:42::/56\nservice-cidr: 10.43.0.0/16,2001:db8:43::/112\n"
    "node-ip: 192.0.2.10\n",
    "cluster-cidr: 2001:db8:42::/56,10.42.0.0/16\nservice-cidr: 2001:db8:43::/112,10.43.0.0/16\n"
    "node-ip: 2001:db8::10\n",
])
def test_dual_stack_needs_a_dual_stack_node_ip(config: str) -> None:
    # oracle: stage agent, "must share the same IP version (IPv4, IPv6 or dual-stack)"
    assert "CIDR014" in _errors(config)


def test_a_node_mask_for_a_missing_family_is_fatal() -> None:
    # oracle: kcm "usage of --node-cidr-mask-size-ipv6 is not allowed for a single-stack IPv4 cluster"
    assert "CIDR043" in _errors("kube-controller-manager-arg: node-cidr-mask-size-ipv6=64\n")


# -- 12. service CIDR size by version -------------------------------------------------------------
def test_service_cidr_size_limits_follow_the_kubernetes_version() -> None:
    wide = "cluster-cidr: 172.16.0.0/16\nservice-cidr: 10.0.0.0/8\n"
    assert "CIDR030" not in _errors(wide, version="v1.34.3+k3s1")  # oracle v1.34.3: ok
    assert "CIDR030" in _errors(wide, version="v1.33.6+k3s1")
    # oracle: "the service cluster IP range must be at least 8 IP addresses"
    tiny = "service-cidr: 10.43.0.0/30\ncluster-dns: 10.43.0.2\n"
    assert "CIDR033" in _errors(tiny, version="v1.34.3+k3s1")


# -- 13. pass-through component arguments ---------------------------------------------------------
def test_apiserver_node_port_range_argument_is_judged() -> None:
    text = "kube-apiserver-arg: service-node-port-range=80-32767\n"
    plan, findings = build_plan(configs=[("c.yaml", text)])
    assert plan.service_node_port_range == "80-32767" and findings == []
    assert "PORT005" in {f.code for f in validate(plan)}  # 6443, 10250 inside the range


@pytest.mark.parametrize("config", [
    "kube-apiserver-arg: service-cluster-ip-range=10.99.0.0/16\n",
    "kube-controller-manager-arg: cluster-cidr=10.99.0.0/16\n",
    "service-node-port-range: 30000-32767\nkube-apiserver-arg: service-node-port-range=31000-32000\n",
    "kube-controller-arg: cluster-cidr=10.99.0.0/16\n",  # the hidden alias feeds the same list
])
def test_a_component_argument_that_disagrees_with_k3s_is_an_error(config: str) -> None:
    _, findings = build_plan(configs=[("c.yaml", config)])
    assert [f.code for f in findings] == ["IMPORT014"]


def test_a_component_argument_equal_to_the_flag_is_fine() -> None:
    _, findings = build_plan(configs=[("c.yaml", "cluster-cidr: 10.42.0.0/16\n"
                                                 "kube-controller-manager-arg: cluster-cidr=10.42.0.0/16\n")])
    assert findings == []


# -- 14. node addresses ---------------------------------------------------------------------------
@pytest.mark.parametrize("ip", ["127.0.0.1", "169.254.1.1", "0.0.0.0", "224.0.0.1", "fe80::1", "::1"])
def test_unusable_node_addresses_are_errors(ip: str) -> None:
    assert "CIDR015" in _errors(f"node-ip: {ip}\n") | _errors(f"node-external-ip: '{ip}'\n")


def test_v1_23_9_dual_stack_without_node_ip() -> None:
    dual = "cluster-cidr: 10.42.0.0/16,fd00:42::/56\nservice-cidr: 10.43.0.0/16,fd00:43::/112\n"
    # k3s #5943: replicated on v1.23.9+k3s1, fixed in v1.23.10 (and v1.24.4, #5920)
    assert "CIDR016" in _errors(dual, version="v1.23.9+k3s1")
    assert "CIDR016" in _errors(dual, version="v1.24.3+k3s1")
    for fixed in ("v1.23.10+k3s1", "v1.24.4+k3s1", "v1.34.3+k3s1"):
        assert "CIDR016" not in _errors(dual, version=fixed)
    assert "CIDR016" not in _errors(dual + "node-ip: 192.0.2.10,2001:db8::10\n", version="v1.23.9+k3s1")


# -- 15. disable: takes components ---------------------------------------------------------------
def test_disable_unknown_component_and_network_policy() -> None:
    found = _check("disable: [trafik, network-policy, servicelb]\n")
    by_code = {f.code: f for f in found}
    assert 'Did you mean "traefik"?' in by_code["DISABLE001"].message
    assert "disable-network-policy" in by_code["DISABLE002"].hint


# -- 16. flannel backends as K3s links them -------------------------------------------------------
def test_host_gw_spelled_in_capitals_is_host_gw_for_every_rule() -> None:
    plan, findings = build_plan(
        configs=[("c.yaml", "flannel-conf: /etc/rancher/k3s/net-conf.json\n")],
        netconf=("n.json", '{"Network": "10.42.0.0/16", "Backend": {"Type": "Host-GW", "MTU": 1400}}'))
    assert findings == [] and plan.flannel.backend == "host-gw"
    assert {"FLANNEL009", "FLANNEL027"} <= {f.code for f in validate(plan)}


# -- 18, 19, 20. reports worth a rule -------------------------------------------------------------
def test_flannel_none_without_a_cni_warns() -> None:
    found = _check("flannel-backend: none\ndisable-network-policy: true\n")
    assert [f.severity for f in found if f.code == "FLANNEL030"] == [Severity.WARNING]


def test_ipv6_without_masquerading() -> None:
    gua = "cluster-cidr: 10.42.0.0/16,2001:db8:42::/56\nservice-cidr: 10.43.0.0/16,2001:db8:43::/112\n"
    ula = "cluster-cidr: 10.42.0.0/16,fd00:42::/56\nservice-cidr: 10.43.0.0/16,fd00:43::/112\n"
    assert "FLANNEL031" in {f.code for f in _check(gua)}
    assert "FLANNEL032" in {f.code for f in _check(ula)}
    assert not {"FLANNEL031", "FLANNEL032"} & {f.code for f in _check(ula + "flannel-ipv6-masq: true\n")}


def test_docker_bridge_overlap() -> None:
    assert "CIDR060" in {f.code for f in _check("cluster-cidr: 172.17.0.0/16\n")}
    assert "CIDR061" in _errors("cluster-cidr: 172.17.0.0/16\ndocker: true\n")


# -- stricter than K3s on purpose: the message says so ---------------------------------------------
@pytest.mark.parametrize(("plan", "code"), [
    (Plan(cluster_cidr=("10.42.1.0/16",)), "CIDR003"),
    (Plan(service_cidr=("10.42.128.0/20",)), "CIDR020"),
    (Plan(cluster_dns=("10.99.0.10",)), "DNS002"),
    (Plan(node_ip=("10.42.0.5",)), "CIDR021"),
    (Plan(cluster_dns=("10.43.0.1",)), "DNS005"),
    (Plan(cluster_dns=("10.43.0.10", "10.43.0.11")), "DNS003"),
    (Plan(cluster_cidr=("10.42.0.0/25",)), "CIDR053"),
    (Plan(cluster_cidr=("10.42.0.0/16", "2001:db8:42::/56"),
          service_cidr=("10.43.0.0/16", "2001:db8:43::/112"),
          node_ip=("2001:db8::10", "192.0.2.10")), "CIDR010"),
])
def test_stricter_messages_say_k3s_itself_would_start(plan: Plan, code: str) -> None:
    # oracle: each of these plans passes every start-up check
    (found,) = [f for f in validate(plan) if f.code == code]
    assert "K3s itself starts" in found.message
