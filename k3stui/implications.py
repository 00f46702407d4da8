"""What one choice implies for others: the TUI applies these after each edit and shows why.

Pure. `apply_implications` is idempotent: applying it to its own result changes nothing.
"""

from __future__ import annotations

from typing import Any

from k3stui import plan as p
from k3stui.records import record

_CUSTOM = ("calico", "cilium", "none")
_NAMES = {"calico": "Calico", "cilium": "Cilium", "none": "Your own CNI"}


@record
class Implication:
    key: str  # finding-style key: flag name or preset path
    value: Any
    reason: str


def apply_implications(plan: p.Plan) -> tuple[p.Plan, list[Implication]]:
    """The plan with implied values set, and one Implication per value set (or chart value noted).

    Only a server's plan gets server flags set: an agent takes flannel-backend, disable-network-policy
    and disable-kube-proxy from its servers and must not carry them (AGENT010).
    """
    out: list[Implication] = []
    server = plan.role != "agent"

    if server and plan.cni.kind == "flannel" and plan.flannel.backend == "none":
        plan = p.with_value(plan, "cni.kind", "none")
        out.append(Implication("cni.kind", "none", "flannel-backend is none, so the pod network comes from a "
                                                   "CNI you install yourself"))
    kind = plan.cni.kind
    if server and kind in _CUSTOM:
        name = _NAMES[kind]
        if plan.flannel.backend != "none":
            plan = p.with_value(plan, "flannel.backend", "none")
            out.append(Implication("flannel-backend", "none",
                                   f"{name} provides the pod network; flannel must be off or two CNIs fight"))
        if not plan.disable_network_policy:
            plan = p.with_value(plan, "disable_network_policy", True)
            out.append(Implication("disable-network-policy", True,
                                   f"{name} brings its own network policy engine; K3s's embedded "
                                   "controller would conflict"))
    cilium = plan.cni.cilium
    if server and kind == "cilium" and cilium.kube_proxy_replacement and not plan.disable_kube_proxy:
        plan = p.with_value(plan, "disable_kube_proxy", True)
        out.append(Implication("disable-kube-proxy", True,
                               "Cilium replaces kube-proxy (kubeProxyReplacement: true); K3s must not run "
                               "it too"))
    if kind == "cilium" and plan.cni.multus is not None:
        # Not a plan field: the chart renderer sets it. Reported every time so the UI can show it.
        out.append(Implication("cni.cilium.cni-exclusive", False,
                               "with Multus, the Cilium chart value cni.exclusive must be false, or Cilium "
                               "moves Multus's CNI config away; this is a chart value, set in the rendered "
                               "Cilium values, not a K3s flag"))
    return plan, out
