"""Issue 10 item 9: the flag table holds every server and agent flag of v1.19.1 ... with the releases
it appeared and went in (k3stui/release_history.py, generated from K3s pkg/cli/cmds by
scripts/release_history.py), and the rules judge a flag by the plan's K3s version."""

from __future__ import annotations

import pytest

from k3stui import flags
from k3stui.importers import build_plan
from k3stui.rules import validate
from k3stui.versions import K3sVersion, flag_state


@pytest.mark.parametrize(("name", "version", "state"), [
    ("disable-agent", "v1.19.1+k3s1", "present"),  # hidden server flag, every release
    ("disable-agent", "v1.34.3+k3s1", "present"),
    ("no-deploy", "v1.24.17+k3s1", "present"),  # defined (fatal from v1.25.0: flags.removed)
    ("no-deploy", "v1.26.0+k3s1", "absent"),
    ("service-node-port-range", "v1.19.16+k3s1", "absent"),  # tags v1.19.x lack it
    ("service-node-port-range", "v1.20.4+k3s1", "present"),
    ("etcd-s3", "v1.19.10+k3s1", "present"),  # backported into 1.19 ...
    ("etcd-s3", "v1.20.4+k3s1", "absent"),  # ... before the 1.20 line had it
    ("etcd-s3", "v1.20.6+k3s1", "present"),
    ("flannel-ipv6-masq", "v1.22.5+k3s1", "absent"),
    ("flannel-ipv6-masq", "v1.22.6+k3s1", "present"),
    ("disable-api-server", "v1.21.2+k3s1", "absent"),  # renamed disable-apiserver
    ("multi-cluster-cidr", "v1.29.2+k3s1", "absent"),
    ("helm-controller-arg", "v1.34.3+k3s1", "absent"),  # k3s-oracle v1.34.3: not defined
    ("supervisor-metrics", "v1.28.10+k3s1", "unknown"),  # 1.28 read up to v1.28.4 only
    ("flannel-external-ip", "v1.25.3+k3s1", "unknown"),  # added in v1.25.3's bump-to-tag window
    ("flannel-external-ip", "v1.25.2+k3s1", "absent"),
])
def test_flag_state_by_release(name: str, version: str, state: str) -> None:
    assert flag_state(name, K3sVersion.parse(version)) == state


def test_every_flag_in_the_history_is_known_with_its_kind() -> None:
    from k3stui.release_history import FLAG_HISTORY as HISTORY

    assert set(HISTORY) <= set(flags.FLAGS)
    for name, (kind, _scope, _added, _gone) in HISTORY.items():
        if flags.FLAGS[name].field is None:
            assert flags.FLAGS[name].kind == kind, name


def _codes(config: str, version: str) -> dict[str, str]:
    plan, found = build_plan(configs=[("config.yaml", config)])
    return {f.code: f.message + " | " + f.hint for f in found + validate(plan, k3s_version=version)}


def test_a_flag_before_its_first_release_is_an_error_naming_that_release() -> None:
    got = _codes("kine-tls: true\n", "v1.28.3+k3s1")
    assert "--kine-tls first appeared in v1.29.3+k3s1 (or the patch after); this plan targets " \
           "v1.28.3+k3s1" in got["VER002"]
    assert "VER002" not in _codes("kine-tls: true\n", "v1.29.4+k3s1")
    # v1.29.3 was read from its Kubernetes bump and kine-tls came within its window: unknown
    assert "from its Kubernetes bump, not its tag" in _codes("kine-tls: true\n", "v1.29.3+k3s1")["VER003"]
    # a flag the network table models, dated by the history (not the old unconfirmed gate)
    masq = _codes("cluster-cidr: 10.42.0.0/16,fd00:42::/56\nservice-cidr: 10.43.0.0/16,fd00:43::/112\n"
                  "flannel-ipv6-masq: true\n", "v1.22.5+k3s1")
    assert "--flannel-ipv6-masq first appeared in v1.22.6+k3s1, v1.23.2+k3s1" in masq["VER002"]


def test_a_flag_after_its_last_release_is_an_error_naming_the_replacement() -> None:
    got = _codes("disable-api-server: true\n", "v1.22.6+k3s1")
    assert "removed in v1.19.11+k3s1, v1.20.7+k3s1, v1.21.1+k3s1" in got["VER009"]
    assert "Use disable-apiserver instead." in got["VER009"]
    assert "VER009" not in _codes("disable-api-server: true\n", "v1.20.5+k3s1")
    assert "Remove multi-cluster-cidr." in _codes("multi-cluster-cidr: true\n", "v1.30.0+k3s1")["VER009"]


def test_an_unread_patch_is_a_warning_unless_a_known_backport_covers_it() -> None:
    assert "VER003" in _codes("supervisor-metrics: true\n", "v1.28.10+k3s1")
    # flannel-external-ip: the history read 1.24 up to v1.24.4; #6322 backported it to v1.24.7
    ext = "flannel-backend: wireguard-native\nflannel-external-ip: true\nnode-external-ip: 203.0.113.5\n"
    assert not {"VER002", "VER003"} & set(_codes(ext, "v1.24.7+k3s1"))
    assert "VER002" in _codes(ext, "v1.24.6+k3s1")
