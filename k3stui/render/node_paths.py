"""Where K3s keeps its files on a node, from the plan's `data-dir` (K3s flag; default
/var/lib/rancher/k3s). Pure.

K3s auto-deploys only from `<data-dir>/server/manifests`; the node-token, the air-gap images
folder and, with flannel on, containerd's CNI conf and bin dirs all move with data-dir
(k3s-network.md §1; cni-charts.md "K3s CNI paths"). Every node path k3stui renders under the data
dir comes from here, so a non-default data-dir changes all of them at once.
"""

from __future__ import annotations

from k3stui import defaults
from k3stui.plan import Plan, is_node_path


def data_dir(plan: Plan) -> str:
    """The plan's data-dir, or K3s's default. Raises ValueError for one k3stui cannot place files
    under (relative, '..', '//'): K3s would resolve it against its working directory."""
    value = plan.extra.get("data-dir")
    if value is None or value == "":
        return defaults.DATA_DIR
    text = str(value)
    if text != "/" and text.endswith("/"):
        text = text.rstrip("/")
    if not is_node_path(text):
        raise ValueError(f"data-dir {value!r} must be an absolute, normalised path (e.g. /srv/k3s)")
    return text


def under(plan: Plan, rel: str) -> str:
    """`<data-dir>/<rel>`."""
    base = data_dir(plan)
    return f"{base.rstrip('/')}/{rel}"


def auto_deploy_dir(plan: Plan) -> str:
    return under(plan, "server/manifests")


def node_token(plan: Plan) -> str:
    """The token agents join with, written by the first server."""
    return under(plan, "server/node-token")


def images_dir(plan: Plan) -> str:
    return under(plan, "agent/images")


def flannel_cni_conf_dir(plan: Plan) -> str:
    """containerd's CNI conf dir when flannel is on (K3s sets it only then)."""
    return under(plan, "agent/etc/cni/net.d")


def flannel_cni_bin_dir(plan: Plan, *, static: bool) -> str:
    """containerd's CNI bin dir when flannel is on: `data/cni` from the October 2024 releases on
    (static-cni-bin-dir), before that the `data/current/bin` symlink."""
    return under(plan, "data/cni" if static else "data/current/bin")
