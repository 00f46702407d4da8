"""`disable:` takes the names of K3s's packaged components; anything else is silently ignored."""

from __future__ import annotations

from collections.abc import Iterator

from k3stui.findings import Finding, did_you_mean
from k3stui.rules.context import Context
from k3stui.rules.registry import W, emit, rule

# k3s pkg/cli/cmds/stage.go DisableItems, plus `ccm` (the cloud controller's manifest, documented in
# the same file as disabled by --disable-cloud-controller or --disable=ccm) and `rolebindings`
# (the other packaged manifest). `runtimes` (RuntimeClasses) exists only on newer releases; naming it
# on an older one does nothing, so it is accepted everywhere.
COMPONENTS = ("coredns", "servicelb", "traefik", "local-storage", "metrics-server", "runtimes", "ccm",
              "rolebindings")
# Words that are not components but have a flag of their own.
_OWN_FLAG = {
    "network-policy": "disable-network-policy: true", "networkpolicy": "disable-network-policy: true",
    "network-policies": "disable-network-policy: true", "kube-proxy": "disable-kube-proxy: true",
    "flannel": "flannel-backend: none", "helm-controller": "disable-helm-controller: true",
    "cloud-controller": "disable-cloud-controller: true", "scheduler": "disable-scheduler: true",
    "etcd": "disable-etcd: true", "apiserver": "disable-apiserver: true",
    "controller-manager": "disable-controller-manager: true",
}


@rule(
    W("DISABLE001", "disable", "disable names no packaged component",
      "k3s pkg/cli/cmds/stage.go (DisableItems), pkg/server/server.go (skipped manifests)",
      doc="K3s compares each disable item with its packaged components and ignores any other name, so a "
      "typo (trafik) leaves the component deployed. Valid: coredns, servicelb, traefik, local-storage, "
      "metrics-server, runtimes (and ccm, rolebindings). Fix: correct the name."),
    W("DISABLE002", "disable", "disable names a part that has its own flag",
      "k3s pkg/cli/cmds/server.go (disable-network-policy, disable-kube-proxy ...)",
      doc="network-policy, kube-proxy, flannel and the control-plane parts are not packaged manifests: "
      "disable ignores them. Fix: use the flag the message names."),
)
def disabled_components(ctx: Context) -> Iterator[Finding]:
    value = ctx.plan.extra.get("disable")
    if value is None:
        return
    items = value if isinstance(value, list | tuple) else [value]
    names = [part.strip() for item in items for part in str(item).split(",") if part.strip()]
    for name in dict.fromkeys(names):
        if name in COMPONENTS:
            continue
        own = _OWN_FLAG.get(name.lower())
        if own:
            yield emit("DISABLE002", f"disable: {name!r} is not a packaged component; K3s ignores it",
                       f"Write {own} instead.")
        else:
            yield emit("DISABLE001", f"disable: {name!r} is not a packaged component; K3s ignores it and "
                                     "the component stays deployed." + did_you_mean(name, COMPONENTS),
                       f"Use one of {', '.join(COMPONENTS[:6])}.")
