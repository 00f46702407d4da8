"""The k3s-cni chart with the REAL Helm, v3 and v4 (fetched by scripts/fetch-helm.py).

Rendered objects are checked against the upstream schemas in tests/data/upstream-schemas (copied unchanged;
provenance in its README.md)."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from test_chart_values import ALL_PLANS, CHART, REPO, SCENARIOS
from testkit import REQUIRE_TOOLS, UPSTREAM_SCHEMAS

from k3stui.chart import auto_deploy_manifest, chart_export_files, chart_files, package_chart
from k3stui.render.chart_values import chart_values

pytestmark = pytest.mark.helm

SCHEMAS = UPSTREAM_SCHEMAS


def _crd_schema(name: str) -> dict[str, Any]:
    crd = next(d for d in yaml.safe_load_all((SCHEMAS / name).read_text()) if d)
    return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]


HELMCHART_SCHEMA = _crd_schema("helm.cattle.io_helmcharts.yaml")
NAD_SCHEMA = _crd_schema("k8s.cni.cncf.io_network-attachment-definitions.yaml")
CILIUM_SCHEMA = json.loads((SCHEMAS / "cilium-values.schema.json").read_text())
INSTALLATION_SCHEMA = json.loads(
    (SCHEMAS / "tigera-operator-installation-spec.subset.schema.json").read_text()
)
PORTABLE_SPEC = {
    "chart", "repo", "version", "targetNamespace", "createNamespace", "bootstrap", "valuesContent",
    "set", "timeout", "failurePolicy", "jobImage", "backOffLimit", "chartContent",
}


@pytest.fixture(scope="session", params=["v3", "v4"])
def helm_bin(request: pytest.FixtureRequest) -> Path:
    path = REPO / ".cache" / "helm" / request.param / "helm"
    if not path.is_file():
        why = f"{path} missing: run `make tools` (scripts/fetch-helm.py)"
        if REQUIRE_TOOLS:
            pytest.fail(why)
        pytest.skip(why)
    return path


@pytest.fixture(scope="session")
def helm_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("helm-home")
    return {
        "HOME": str(home), "PATH": "/usr/bin:/bin",
        "HELM_CACHE_HOME": str(home / "cache"), "HELM_CONFIG_HOME": str(home / "config"),
        "HELM_DATA_HOME": str(home / "data"),
    }


def _runner(binary: Path, env: dict[str, str]):
    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([str(binary), *args], capture_output=True, text=True, env=env,
                              timeout=60, check=False)
        if check and proc.returncode != 0:
            raise AssertionError(f"helm {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
        return proc

    return run


@pytest.fixture
def helm(helm_bin: Path, helm_env: dict[str, str]):
    return _runner(helm_bin, helm_env)


def _values_file(tmp_path: Path, values: dict[str, Any], name: str = "values.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(values))
    return path


def _template(helm, chart: Path, values_file: Path | None = None) -> str:
    args = ["template", "k3s-cni", str(chart), "-n", "kube-system", "--include-crds"]
    if values_file:
        args += ["-f", str(values_file)]
    return helm(*args).stdout


# `helm template` of this checkout's chart, once per Helm binary and values in the session: the chart
# does not change during a run and Helm renders deterministically, and several tests read one plan's output.
_RENDERED: dict[tuple[str, str], str] = {}


def _rendered(binary: Path, env: dict[str, str], values: dict[str, Any], tmp_path: Path) -> str:
    text = yaml.safe_dump(values)
    key = (str(binary), text)
    if key not in _RENDERED:
        values_file = tmp_path / f"values-{len(_RENDERED)}.yaml"
        values_file.write_text(text)
        _RENDERED[key] = _template(_runner(binary, env), CHART, values_file)
    return _RENDERED[key]


@pytest.fixture
def render(helm_bin: Path, helm_env: dict[str, str], tmp_path: Path):
    """`render(values)`: the rendered chart for these values, from this test's Helm binary."""
    return lambda values: _rendered(helm_bin, helm_env, values, tmp_path)


def _docs(text: str) -> list[dict[str, Any]]:
    # The C loader where PyYAML has it: the rendered CRD is large and parsed by many tests.
    return [d for d in yaml.load_all(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) if d]


@pytest.mark.parametrize("name", sorted(ALL_PLANS))
def test_lint_strict(helm, tmp_path: Path, name: str) -> None:
    helm("lint", "--strict", str(CHART), "-f", str(_values_file(tmp_path, chart_values(ALL_PLANS[name]))))


def _check_helmchart(doc: dict[str, Any]) -> None:
    jsonschema.Draft7Validator(HELMCHART_SCHEMA).validate(doc)
    spec = doc["spec"]
    assert doc["metadata"]["namespace"] == "kube-system"
    assert spec["bootstrap"] is True
    extra = set(spec) - PORTABLE_SPEC
    assert extra <= {"takeOwnership"}, f"non-portable HelmChart fields: {extra}"
    values = yaml.safe_load(spec.get("valuesContent") or "{}")
    if spec["chart"] == "cilium":
        jsonschema.Draft7Validator(CILIUM_SCHEMA).validate(values)
    if spec["chart"] == "tigera-operator":
        installation = {k: v for k, v in values["installation"].items() if k != "enabled"}
        jsonschema.Draft7Validator(INSTALLATION_SCHEMA).validate(installation)
        assert spec["targetNamespace"] == "tigera-operator"


def _check_nad(doc: dict[str, Any]) -> dict[str, Any]:
    jsonschema.Draft7Validator(NAD_SCHEMA).validate(doc)
    config = json.loads(doc["spec"]["config"])
    assert config["type"] == "macvlan" and config["master"] and config["ipam"]["type"]
    return config


@pytest.mark.parametrize("name", sorted(ALL_PLANS))
def test_template_renders_valid_objects(render, name: str) -> None:
    plan = ALL_PLANS[name]
    values = chart_values(plan)
    docs = _docs(render(values))
    kinds: dict[str, list[dict[str, Any]]] = {}
    for doc in docs:
        kinds.setdefault(doc["kind"], []).append(doc)
        if doc["kind"] == "HelmChart":
            _check_helmchart(doc)
        elif doc["kind"] == "NetworkAttachmentDefinition":
            _check_nad(doc)
        elif doc["kind"] == "CustomResourceDefinition":
            assert doc["metadata"]["name"] == "network-attachment-definitions.k8s.cni.cncf.io"
        else:
            kubernetes_validate.validate(doc, kubernetes_validate.latest_version(), strict=True)
    charts = {d["spec"]["chart"] for d in kinds.get("HelmChart", [])}
    expected = {"cilium": {"cilium"}, "calico": {"tigera-operator", "crd.projectcalico.org.v1"}}.get(
        plan.cni.kind, set())
    if plan.cni.multus:
        expected |= {"rke2-multus", "rke2-multus-crd"} if values["multus"]["whereabouts"] else {"rke2-multus"}
    if name in SCENARIOS:
        assert charts == expected
    nads = len(plan.cni.multus.networks) if plan.cni.multus else 0
    assert len(kinds.get("NetworkAttachmentDefinition", [])) == nads


def _helmchart_values(render, plan_name: str, chart: str, **kw: str) -> dict[str, Any]:
    values = chart_values(SCENARIOS[plan_name], **kw)
    docs = _docs(render(values))
    hc = next(d for d in docs if d["kind"] == "HelmChart" and d["spec"]["chart"] == chart)
    return yaml.safe_load(hc["spec"]["valuesContent"])


def test_default_flannel_renders_only_the_crd(render) -> None:
    docs = _docs(render(chart_values(SCENARIOS["default-flannel"])))
    assert [d["kind"] for d in docs] == ["CustomResourceDefinition"]


def test_cilium_rendered_values(render) -> None:
    v = _helmchart_values(render, "cilium-kpr", "cilium")
    assert v["ipam"]["operator"]["clusterPoolIPv4PodCIDRList"] == ["10.42.0.0/16"]
    assert "clusterPoolIPv6PodCIDRList" not in v["ipam"]["operator"]
    assert (v["k8sServiceHost"], v["k8sServicePort"], v["operator"]["replicas"]) == ("127.0.0.1", 6444, 1)
    native = _helmchart_values(render, "cilium-dual-stack-native", "cilium")
    assert native["routingMode"] == "native" and "tunnelProtocol" not in native
    routed = (native["ipv4NativeRoutingCIDR"], native["ipv6NativeRoutingCIDR"])
    assert routed == ("10.42.0.0/16", "fd00:42::/56")
    assert _helmchart_values(render, "cilium-multus", "cilium")["cni"]["exclusive"] is False


def test_multus_rendered_values_and_nads(render) -> None:
    v = _helmchart_values(render, "multus-macvlan-flannel", "rke2-multus", k3s_version="v1.30.5+k3s1")
    conf = v["config"]["cni_conf"]
    assert conf["confDir"] == "/var/lib/rancher/k3s/agent/etc/cni/net.d"
    assert conf["binDir"] == "/var/lib/rancher/k3s/data/current/bin"
    assert conf["multusAutoconfigDir"] == conf["confDir"]
    assert "customResourceDefinition" not in v["manifests"]  # v4.3.017 no longer templates the CRD
    assert v["rke2-whereabouts"]["enabled"] is True
    values = chart_values(SCENARIOS["multus-macvlan-flannel"])
    docs = _docs(render(values))
    nads = [d for d in docs if d["kind"] == "NetworkAttachmentDefinition"]
    configs = {d["metadata"]["name"]: _check_nad(d) for d in nads}
    assert configs["macvlan-lan"]["ipam"]["ranges"] == [[{
        "subnet": "192.168.50.0/24", "rangeStart": "192.168.50.200", "rangeEnd": "192.168.50.216",
        "gateway": "192.168.50.1"}]]
    assert configs["storage"]["mtu"] == 9000
    k3s_conf_dir = "/var/lib/rancher/k3s/agent/etc/cni/net.d"
    assert configs["storage"]["ipam"]["configuration_path"].startswith(k3s_conf_dir)
    crd = next(d for d in docs if d["kind"] == "HelmChart" and d["spec"]["chart"] == "rke2-multus-crd")
    assert crd["spec"]["version"] == "4.3.017" and crd["spec"]["takeOwnership"] is True


def test_old_multus_does_not_template_a_competing_crd(render) -> None:
    values = chart_values(SCENARIOS["cilium-multus"])
    values["multus"]["chart"]["version"] = "v4.2.201"
    docs = _docs(render(values))
    hc = next(d for d in docs if d["kind"] == "HelmChart" and d["spec"]["chart"] == "rke2-multus")
    v = yaml.safe_load(hc["spec"]["valuesContent"])
    assert v["manifests"]["customResourceDefinition"] is False
    assert "multusAutoconfigDir" not in v["config"]["cni_conf"]


def test_old_k3s_gets_a_namespace_instead_of_create_namespace(render) -> None:
    values = chart_values(SCENARIOS["calico"], k3s_version="v1.25.9+k3s1")
    docs = _docs(render(values))
    assert [d["metadata"]["name"] for d in docs if d["kind"] == "Namespace"] == ["tigera-operator"]
    assert all("createNamespace" not in d["spec"] for d in docs if d["kind"] == "HelmChart")
    new = _docs(render(chart_values(SCENARIOS["calico"])))
    assert not [d for d in new if d["kind"] == "Namespace"]
    assert all(d["spec"]["createNamespace"] is True for d in new if d["kind"] == "HelmChart")


def test_air_gap_chart_content_and_overrides(render) -> None:
    values = chart_values(SCENARIOS["cilium-kpr"])
    values["cilium"]["chart"]["chartContent"] = base64.b64encode(b"fake-tgz").decode()
    values["cilium"]["values"] = {"hubble": {"relay": {"enabled": True}}, "operator": {"replicas": 3}}
    docs = _docs(render(values))
    spec = next(d for d in docs if d["kind"] == "HelmChart")["spec"]
    assert spec["chartContent"] == values["cilium"]["chart"]["chartContent"]
    assert "repo" not in spec and "version" not in spec
    v = yaml.safe_load(spec["valuesContent"])
    assert v["hubble"] == {"relay": {"enabled": True}} and v["operator"]["replicas"] == 3


@pytest.mark.parametrize(
    ("path", "value", "needle"),
    [
        (("cni",), "weave", "cni"),
        (("cilium", "ipam", "operator", "clusterPoolIPv4PodCIDRList"), ["10.42.0.0/33"], "clusterPoolIPv4"),
        (("calico", "installation", "calicoNetwork", "ipPools", 0, "cidr"), "10.42.0/16", "cidr"),
        (("cilium", "routingMode"), "bgp", "routingMode"),
        (("multus", "networks", 0, "mode"), "l2", "mode"),
        (("cilium", "tunnelProtocl"), "vxlan", "tunnelProtocl"),
        (("helmController", "failurePolicy"), "retry", "failurePolicy"),
    ],
)
def test_bad_values_rejected_by_schema(helm, tmp_path: Path, path: tuple, value: Any, needle: str) -> None:
    values = chart_values(SCENARIOS["calico" if path[0] == "calico" else "cilium-multus"])
    node: Any = values
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    proc = helm("template", "k3s-cni", str(CHART), "-f", str(_values_file(tmp_path, values)), check=False)
    assert proc.returncode != 0
    assert "schema" in proc.stderr.lower() and needle in proc.stderr


def test_packaging_is_deterministic_and_helm_loadable(helm, tmp_path: Path) -> None:
    name, tgz = package_chart(CHART)
    assert name == "k3s-cni-0.1.0.tgz"
    assert package_chart(CHART) == (name, tgz)
    with tarfile.open(fileobj=io.BytesIO(tgz)) as tar:
        members = tar.getmembers()
        assert [m.name for m in members] == sorted(m.name for m in members)
        assert all(m.name.startswith("k3s-cni/") and m.mtime == 0 and m.uid == m.gid == 0 for m in members)
        assert "k3s-cni/.helmignore" not in {m.name for m in members}
    (tmp_path / name).write_bytes(tgz)
    helm("lint", "--strict", str(tmp_path / name))


def test_auto_deploy_manifest_round_trip(helm, tmp_path: Path) -> None:
    values = chart_values(SCENARIOS["multus-macvlan-flannel"])
    _, tgz = package_chart(CHART)  # the chart keeps its own defaults; valuesContent has the plan's
    manifest = auto_deploy_manifest(tgz, values)
    jsonschema.Draft7Validator(HELMCHART_SCHEMA).validate(manifest)
    spec = manifest["spec"]
    assert spec["bootstrap"] is True and spec["targetNamespace"] == "kube-system"
    assert yaml.safe_load(spec["valuesContent"]) == values
    decoded = base64.b64decode(spec["chartContent"])
    with tarfile.open(fileobj=io.BytesIO(decoded)) as tar:
        content = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]
    expected = {f"k3s-cni/{k}": v for k, v in chart_files(CHART).items()}
    assert content == expected
    (tmp_path / "decoded.tgz").write_bytes(decoded)
    values_file = _values_file(tmp_path, yaml.safe_load(spec["valuesContent"]))
    assert _template(helm, tmp_path / "decoded.tgz", values_file) == _template(helm, CHART, values_file)
    # Without valuesContent the chart's defaults install nothing (flannel, no Multus).
    assert not [d for d in _docs(_template(helm, tmp_path / "decoded.tgz")) if d["kind"] == "HelmChart"]


def test_chart_export_files(helm, tmp_path: Path) -> None:
    files = {f.path: f for f in chart_export_files(SCENARIOS["cilium-kpr"])}
    manifest = files["server/var/lib/rancher/k3s/server/manifests/k3s-cni.yaml"]
    assert manifest.dest == "/var/lib/rancher/k3s/server/manifests/k3s-cni.yaml"
    assert manifest.mode == 0o600 and tuple(manifest.roles) == ("server",)
    assert {"chart/values.yaml", "chart/k3s-cni-0.1.0.tgz", "chart/k3s-cni/Chart.yaml",
            "chart/k3s-cni/values.schema.json"} <= set(files)
    # The exported folder is a working chart: install way 2 (helm install -f chart/values.yaml).
    for path, f in files.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(f.content)
    helm("lint", "--strict", str(tmp_path / "chart/k3s-cni"), "-f", str(tmp_path / "chart/values.yaml"))
    assert chart_export_files(SCENARIOS["default-flannel"]) == []


@pytest.mark.parametrize("name", sorted(ALL_PLANS))
def test_airgap_needed_charts_match_what_helm_renders(render, name: str) -> None:
    """The installer predicts which upstream charts a bundle must carry; the chart's templates
    decide what is installed. Hold the two to the same answer (incl. the version-gated CRD charts)."""
    from k3stui.install.airgap import needed_charts

    values = chart_values(ALL_PLANS[name])
    docs = _docs(render(values))
    rendered = {(d["spec"]["chart"], str(d["spec"].get("version", "")))
                for d in docs if d["kind"] == "HelmChart"}
    assert {(r.name, r.version) for r in needed_charts(values)} == rendered


def _both_helms() -> list[Path]:
    paths = [REPO / ".cache" / "helm" / v / "helm" for v in ("v3", "v4")]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        why = f"{missing[0]} missing: run `make tools` (scripts/fetch-helm.py)"
        if REQUIRE_TOOLS:
            pytest.fail(why)
        pytest.skip(why)
    return paths


@pytest.mark.parametrize("name", sorted(ALL_PLANS))
def test_helm_v3_and_v4_render_the_same_nested_values(helm_env: dict[str, str], tmp_path: Path,
                                                      name: str) -> None:
    """Helm v3 drops a null while coalescing and v4 keeps it: generated values hold none, so both
    versions give every upstream chart the same valuesContent."""
    outputs = []
    for binary in _both_helms():
        nested = {(d["metadata"]["name"], d["kind"]): yaml.safe_load(d["spec"].get("valuesContent") or "{}")
                  if d["kind"] == "HelmChart" else d
                  for d in _docs(_rendered(binary, helm_env, chart_values(ALL_PLANS[name]), tmp_path))}
        outputs.append(nested)
    assert outputs[0] == outputs[1]


def _nested_values(render, name: str) -> dict[str, dict[str, Any]]:
    docs = _docs(render(chart_values(ALL_PLANS[name])))
    return {d["metadata"]["name"]: yaml.safe_load(d["spec"].get("valuesContent") or "{}")
            for d in docs if d["kind"] == "HelmChart"}


@pytest.mark.parametrize(("name", "families"), [
    ("calico", {"V4"}), ("calico-ipv6-only", {"V6"}), ("calico-dual-stack", {"V4", "V6"}),
])
def test_calico_autodetects_only_the_families_it_has_pools_for(render, name: str, families: set[str]) -> None:
    net = _nested_values(render, name)["calico"]["installation"]["calicoNetwork"]
    prefix = "nodeAddressAutodetection"
    found = {k.removeprefix(prefix) for k in net if k.startswith(prefix)}
    assert found == families
    assert all(net[f"nodeAddressAutodetection{f}"] == {"kubernetes": "NodeInternalIP"} for f in families)


def test_calico_ebpf_endpoint_reaches_tigera_operator(render) -> None:
    values = _nested_values(render, "calico-ebpf-no-kube-proxy")["calico"]
    assert values["kubernetesServiceEndpoint"] == {"host": "192.168.1.10", "port": "6443"}
    assert "kubernetesServiceEndpoint" not in _nested_values(render, "calico")["calico"]


@pytest.mark.parametrize("name", ["cilium-multus-whereabouts", "calico-multus-whereabouts"])
def test_whereabouts_crds_are_asked_of_the_crd_chart_too(render, name: str) -> None:
    """rke2-multus-crd renders the whereabouts CRDs only when its values enable rke2-whereabouts."""
    nested = _nested_values(render, name)
    assert nested["multus-crd"] == {"rke2-whereabouts": {"enabled": True}}
    assert nested["multus"]["rke2-whereabouts"]["enabled"] is True


def test_cilium_ipv6_first_gets_the_ipv6_loopback_in_the_upstream_values(render) -> None:
    values = _nested_values(render, "cilium-ipv6-only")["cilium"]
    assert (values["k8sServiceHost"], values["k8sServicePort"]) == ("::1", 6444)
    assert values["ipv4"] == {"enabled": False}
    assert "clusterPoolIPv4PodCIDRList" not in values["ipam"]["operator"]
