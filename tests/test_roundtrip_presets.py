"""Every shipped preset renders, round-trips and checks clean (issue "Outputs", item 4).

The K3s files carry every K3s-level fact of the plan; the CNI chart options and the node inventory
are not K3s flags, so `render` also writes them as `plan.yaml`. The round trip is therefore:
  * the rendered config drop-in (+ net-conf.json) alone gives back the plan's K3s settings exactly,
    and for flannel plans the whole plan minus the node inventory;
  * those files on top of the rendered `plan.yaml` give back the original plan exactly;
  * `k3stui check` on the rendered config finds no errors.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from k3stui import cli
from k3stui.importers import build_plan
from k3stui.presets import load_preset_text, load_shipped, shipped_names
from k3stui.render.k3s_config import k3s_args

PRESETS = shipped_names()
DROPIN = "etc/rancher/k3s/config.yaml.d/50-k3stui-network.yaml"


@pytest.fixture(scope="module", params=PRESETS)
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    name = request.param
    out = tmp_path_factory.mktemp(name) / "out"
    assert cli.main(["render", "--preset", name, "--out", str(out)]) == 0
    return name, out


def _inputs(out: Path, role: str) -> tuple[list[tuple[str, str]], tuple[str, str] | None, list[str]]:
    """The rendered files of one role, as `check` would read them, and the matching CLI words."""
    manifest = json.loads((out / "manifest.json").read_text())
    mine = [f for f in manifest["files"] if role in f["roles"]]
    configs = [(f["path"], (out / f["path"]).read_text()) for f in mine if f["path"].endswith(DROPIN)]
    netconfs = [(f["path"], (out / f["path"]).read_text()) for f in mine if f["path"].endswith(".json")]
    words = ["--exec", role]
    for path, _ in configs:
        words += ["--config", str(out / path)]
    for path, _ in netconfs:
        words += ["--flannel-conf", str(out / path)]
    return configs, (netconfs[0] if netconfs else None), words


def _roles(name: str) -> list[str]:
    plan = load_shipped(name).plan
    return ["server", "agent"] if plan.role == "server" else [plan.role]


def test_rendered_k3s_files_give_back_the_k3s_settings(rendered) -> None:
    name, out = rendered
    plan = load_shipped(name).plan
    role = plan.role
    configs, netconf, _ = _inputs(out, role)
    assert configs, f"{name}: no config drop-in rendered for {role}"
    back, found = build_plan(configs=configs, netconf=netconf, exec_flags=role)
    assert not [f for f in found if f.severity.value == "error"], found
    assert k3s_args(back, role) == k3s_args(plan, role)
    if plan.cni.kind == "flannel" and plan.cni.multus is None:
        # accept_ra lives in the sysctl drop-in, the nodes in plan.yaml: the next test covers both.
        assert dataclasses.replace(back, nodes=plan.nodes, accept_ra=plan.accept_ra) == plan


def test_rendered_files_on_the_rendered_plan_give_back_the_plan(rendered) -> None:
    name, out = rendered
    original = load_shipped(name).plan
    base = load_preset_text((out / "plan.yaml").read_text(), "plan.yaml").plan
    configs, netconf, _ = _inputs(out, original.role)
    back, found = build_plan(preset=base, configs=configs, netconf=netconf)
    assert not [f for f in found if f.severity.value == "error"], found
    assert back == original


@pytest.mark.parametrize("role", ["server", "agent"])
def test_check_on_the_rendered_config_is_clean(rendered, role: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    name, out = rendered
    if role not in _roles(name):
        pytest.skip(f"{name} is an {load_shipped(name).plan.role} plan")
    configs, _, words = _inputs(out, role)
    if not configs:
        pytest.skip(f"{name}: nothing rendered for {role}")
    if role == "agent" and load_shipped(name).plan.server is None:
        # Agent files need a server URL and a token file; a server-only preset has neither.
        words += ["--exec", "agent --server https://10.0.0.30:6443 --token-file /etc/rancher/k3s/token"]
    code = cli.main(["check", *words, "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert code == 0 and not errors, errors
