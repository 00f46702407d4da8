"""Issue 10 item 15: `disable:` is judged against the components the targeted release packages
(manifests/ per release in k3stui/release_history.py, plus servicelb, a controller in K3s)."""

from __future__ import annotations

import pytest

from k3stui.plan import Plan
from k3stui.rules import validate
from k3stui.rules.components import components
from k3stui.versions import K3sVersion


def _found(disable: str, version: str) -> dict[str, str]:
    plan = Plan(extra={"disable": disable}, k3s_version=version)
    return {f.code: f"{f.message} | {f.hint}" for f in validate(plan) if f.code.startswith("DISABLE")}


@pytest.mark.parametrize(("version", "has_runtimes"), [
    ("v1.19.1+k3s1", False), ("v1.28.3+k3s1", False), ("v1.29.0+k3s1", True), ("v1.34.3+k3s1", True),
])
def test_the_components_of_each_release(version: str, has_runtimes: bool) -> None:
    names = components(K3sVersion.parse(version))
    always = {"servicelb", "coredns", "traefik", "local-storage", "metrics-server", "ccm", "rolebindings"}
    assert always <= set(names)
    assert ("runtimes" in names) is has_runtimes


def test_a_component_of_later_releases_only_says_so() -> None:
    got = _found("runtimes", "v1.25.4+k3s1")
    assert set(got) == {"DISABLE003"}
    assert "K3s v1.25.4+k3s1 does not package runtimes (packaged from v1.29.0+k3s1)" in got["DISABLE003"]
    assert _found("runtimes", "v1.29.0+k3s1") == {}
    # 1.26 was read up to v1.26.7; the backport before the v1.26.12 bump is a FEATURES gate (unconfirmed)
    assert "may not package" in _found("runtimes", "v1.26.10+k3s1")["DISABLE003"]
    assert _found("runtimes", "v1.26.12+k3s1") == {}


def test_an_unknown_component_gets_a_did_you_mean_and_the_releases_list() -> None:
    got = _found("trafik,servicelb", "v1.30.6+k3s1")
    assert set(got) == {"DISABLE001"}
    assert 'Did you mean "traefik"?' in got["DISABLE001"] and "runtimes" in got["DISABLE001"].split("|")[1]
    assert 'Did you mean "runtimes"?' in _found("runtime", "v1.30.6+k3s1")["DISABLE001"]
    assert "runtimes" not in _found("trafik", "v1.22.6+k3s1")["DISABLE001"].split("|")[1]


def test_network_policy_names_its_own_flag_on_every_release() -> None:
    for version in ("v1.19.1+k3s1", "v1.34.3+k3s1"):
        assert "disable-network-policy: true" in _found("network-policy", version)["DISABLE002"]
