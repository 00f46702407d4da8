"""`rules.evaluate`: the one judgement every shell uses — implications applied, then the rules."""

from __future__ import annotations

import json

from k3stui import cli
from k3stui.plan import Cilium, Cni, Plan
from k3stui.render.k3s_config import k3s_args
from k3stui.rules import evaluate, validate


def test_a_bare_cni_choice_is_completed_and_said_so() -> None:
    plan = Plan(cni=Cni(kind="cilium", cilium=Cilium(kube_proxy_replacement=True)))
    assert any(f.code == "CNI002" for f in validate(plan))  # raw: flannel still vxlan
    applied, found = evaluate(plan)
    assert applied.flannel.backend == "none"
    assert applied.disable_network_policy and applied.disable_kube_proxy
    notes = {f.key: f for f in found if f.code == "IMPL001"}
    assert set(notes) == {"flannel-backend", "disable-network-policy", "disable-kube-proxy"}
    assert all(f.severity.value == "info" and "Cilium" in f.message for f in notes.values())
    assert not [f for f in found if f.severity.value == "error"]


def test_evaluate_of_an_applied_plan_adds_no_notes() -> None:
    applied, _ = evaluate(Plan(cni=Cni(kind="calico")))
    again, found = evaluate(applied)
    assert again == applied and not [f for f in found if f.code == "IMPL001"]


def test_check_render_and_the_renderer_agree(tmp_path, capsys) -> None:
    preset = tmp_path / "bare.yaml"
    preset.write_text("apiVersion: k3stui.io/v1alpha1\nkind: NetworkPreset\n"
                      "metadata: {name: bare}\nspec:\n  cni: {kind: calico}\n")
    assert cli.main(["check", "--preset", str(preset), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["plan"]["flannel"]["backend"] == "none"
    assert {f["key"] for f in report["findings"] if f["code"] == "IMPL001"} >= {"flannel-backend"}
    # The renderer applies the same implications to a raw plan's server file.
    raw = Plan(cni=Cni(kind="calico"))
    assert k3s_args(raw, "server") == k3s_args(evaluate(raw)[0], "server")
    assert k3s_args(raw, "server")["flannel-backend"] == "none"
