"""INST015 merges a unit's list flags as K3s does: appended to the config files' list (issue 10
item 1; k3s-oracle: `cluster-cidr: 10.42.0.0/16` + `--cluster-cidr=10.52.0.0/16` -> stage kcm, "len
of ClusterCIDRs==2 and they are not configured as dual stack"). Sandboxed: nothing runs."""

from __future__ import annotations

from pathlib import Path

from installkit import prepare

from k3stui.install import existing
from k3stui.plan import Plan

CUSTOM = "etc/systemd/system/k3s-custom.service"  # a unit install.sh does not rewrite: it keeps its flags


def _host(root: Path, flags: str) -> None:
    (root / "var/lib/rancher/k3s/server/db").mkdir(parents=True)
    (root / "etc/rancher/k3s/config.yaml.d").mkdir(parents=True)
    (root / "etc/rancher/k3s/config.yaml").write_text("cluster-cidr: 10.42.0.0/16\n")
    (root / CUSTOM).parent.mkdir(parents=True)
    (root / CUSTOM).write_text(f"[Service]\nExecStart=/usr/local/bin/k3s server {flags}\n")


def _inst015(root: Path, plan: Plan):
    actions = prepare(plan, "server", root, "/nonexistent/install.sh")
    return actions, {f.key: f for f in actions.findings if f.code == "INST015"}


def test_file_ipv4_and_unit_ipv6_is_a_dual_stack_cluster_cidr_not_the_plan(sandbox: Path) -> None:
    _host(sandbox, "--cluster-cidr=fd00:42::/56")
    now = existing.now([("/etc/rancher/k3s/config.yaml", "cluster-cidr: 10.42.0.0/16\n")],
                       f"/{CUSTOM}", ["server", "--cluster-cidr=fd00:42::/56"])
    assert now.plan.cluster_cidr == ("10.42.0.0/16", "fd00:42::/56")  # appended, not replaced
    actions, found = _inst015(sandbox, Plan(cluster_cidr=("10.42.0.0/16",)))
    f = found["cluster-cidr"]
    assert actions.refused and f.severity.value == "error"
    assert "k3s-custom.service appends to the files' list" in f.message
    assert "K3s would run with 10.42.0.0/16,fd00:42::/56 (a dual-stack cluster-cidr)" in f.message


def test_file_ipv4_and_unit_ipv4_is_two_ipv4_cidrs_and_the_controller_manager_exits(sandbox: Path) -> None:
    _host(sandbox, "--cluster-cidr=10.52.0.0/16")
    _, found = _inst015(sandbox, Plan(cluster_cidr=("10.42.0.0/16",)))
    message = found["cluster-cidr"].message
    assert "K3s would run with 10.42.0.0/16,10.52.0.0/16 (2 CIDRs, not one per IP family" in message
    assert "kube-controller-manager exits" in message


def test_the_unit_repeating_the_plans_list_is_still_an_append(sandbox: Path) -> None:
    # The same value on the unit is not "the same": K3s has 10.42.0.0/16 twice.
    _host(sandbox, "--cluster-cidr=10.42.0.0/16")
    _, found = _inst015(sandbox, Plan(cluster_cidr=("10.42.0.0/16",)))
    assert "10.42.0.0/16,10.42.0.0/16 (2 CIDRs, not one per IP family" in found["cluster-cidr"].message


def test_the_dry_run_says_a_list_value_comes_from_the_files_and_the_unit(sandbox: Path) -> None:
    _host(sandbox, "--cluster-cidr=fd00:42::/56")
    actions, _ = _inst015(sandbox, Plan(cluster_cidr=("10.42.0.0/16",)))
    row = next(r for r in actions.existing if r[0] == "cluster-cidr")
    assert row[1] == "10.42.0.0/16,fd00:42::/56"
    assert row[2] == f"/etc/rancher/k3s/config.yaml + the ExecStart of /{CUSTOM}"
