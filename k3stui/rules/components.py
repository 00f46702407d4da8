"""`disable:` takes the names of K3s's packaged components, as the targeted release packages them."""

from __future__ import annotations

from collections.abc import Iterator

from k3stui import defaults
from k3stui.findings import Finding, did_you_mean
from k3stui.release_history import MANIFEST_HISTORY
from k3stui.rules.context import Context
from k3stui.rules.registry import N, W, emit, rule
from k3stui.versions import FEATURES, K3sVersion, manifest_changes, manifest_state, manifests

# `disable` items are matched against the manifests K3s stages into its manifests folder (the file's
# name without .yaml, or a folder's: k3s pkg/deploy/controller.go; the packaged ones per release
# are release_history.MANIFEST_HISTORY), plus servicelb, which is a controller in K3s itself
# (pkg/cli/server/server.go: Skips["servicelb"] -> DisableServiceLB) on every release.
BUILT_IN = ("servicelb",)
# A manifest's backports to patch releases the history did not read: versions.FEATURES.
_BACKPORTS = {"runtimes": "runtimes-manifest"}
# Words that are not components but have a flag of their own.
_OWN_FLAG = {
    "network-policy": "disable-network-policy: true", "networkpolicy": "disable-network-policy: true",
    "network-policies": "disable-network-policy: true", "kube-proxy": "disable-kube-proxy: true",
    "flannel": "flannel-backend: none", "helm-controller": "disable-helm-controller: true",
    "cloud-controller": "disable-cloud-controller: true", "scheduler": "disable-scheduler: true",
    "etcd": "disable-etcd: true", "apiserver": "disable-apiserver: true",
    "controller-manager": "disable-controller-manager: true",
}


def components(v: K3sVersion) -> tuple[str, ...]:
    """The names `disable` acts on for K3s `v` (a backport the history did not read included)."""
    return (*BUILT_IN, *manifests(v))


def _packaged(name: str, v: K3sVersion) -> bool | None:
    """Whether K3s `v` packages `name` (None: not known; a later patch than the history read)."""
    state = manifest_state(name, v)
    if state != "unknown":
        return state == "present"
    gate = FEATURES.get(_BACKPORTS.get(name, ""))
    if gate is not None and (gate.reached(v) or gate.confirmed):
        return gate.reached(v)
    return None


@rule(
    W("DISABLE001", "disable", "disable names no packaged component",
      "k3s pkg/deploy/controller.go (disables by manifest name), pkg/cli/server/server.go; "
      "k3stui/release_history.py (manifests/ per release)",
      doc="K3s compares each disable item with the manifests in its manifests folder and ignores any "
      "other name, so a typo (trafik) leaves the component deployed. Valid: servicelb and the packaged "
      "manifests of the targeted release (coredns, traefik, local-storage, metrics-server, ccm, "
      "rolebindings; runtimes on newer releases), or a manifest of your own in that folder. Fix: "
      "correct the name."),
    W("DISABLE002", "disable", "disable names a part that has its own flag",
      "k3s pkg/cli/cmds/server.go (disable-network-policy, disable-kube-proxy ...)",
      doc="network-policy, kube-proxy, flannel and the control-plane parts are not packaged manifests: "
      "disable ignores them. Fix: use the flag the message names."),
    N("DISABLE003", "disable", "disable names a component this K3s release does not package",
      "k3stui/release_history.py (manifests/ per release); versions.py runtimes-manifest",
      doc="The component is packaged by other K3s releases only (runtimes: RuntimeClasses, from "
      "v1.29.0 and backports): on this release there is nothing to disable. Harmless; it takes effect "
      "after an upgrade."),
)
def disabled_components(ctx: Context) -> Iterator[Finding]:
    value = ctx.plan.extra.get("disable")
    if value is None:
        return
    v = ctx.version
    items = value if isinstance(value, list | tuple) else [value]
    names = [part.strip() for item in items for part in str(item).split(",") if part.strip()]
    for name in dict.fromkeys(names):
        if name in BUILT_IN:
            continue
        packaged = _packaged(name, v) if manifest_state(name, v) is not None else False
        if packaged:
            continue
        own = _OWN_FLAG.get(name.lower())
        if own:
            yield emit("DISABLE002", f"disable: {name!r} is not a packaged component; K3s ignores it",
                       f"Write {own} instead.")
        elif manifest_state(name, v) is not None:
            added = ", ".join(manifest_changes(name)[0])
            may = "may not package" if packaged is None else "does not package"
            yield emit("DISABLE003", f"disable: {name!r}: K3s {v} {may} {name} (packaged from {added}); "
                                     "there is nothing to disable on this release",
                       "Keep it if you will upgrade; it takes effect on a release that packages it.")
        else:
            yield emit("DISABLE001", f"disable: {name!r} is not a packaged component of K3s {v}; K3s ignores "
                                     "it and the component stays deployed (unless it names a manifest of "
                                     f"your own in {defaults.AUTO_DEPLOY_DIR})."
                       + did_you_mean(name, (*BUILT_IN, *MANIFEST_HISTORY)),
                       f"Use one of {', '.join(components(v))}.")
