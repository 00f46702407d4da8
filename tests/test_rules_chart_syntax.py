"""The plan rules for fields the k3s-cni chart's values.schema.json checks agree with that schema:
whatever the rules accept, the schema accepts (issue 15 item 13), and render refuses the rest."""

from __future__ import annotations

from dataclasses import replace

import pytest
from rules_plans import LAN, calico, cilium, macvlan

from k3stui.chart import ValuesRejected, chart_export_files, validate_values
from k3stui.plan import Multus
from k3stui.render.chart_values import chart_values
from k3stui.rules import validate

VERSIONS = ["3.30", "v3.30", "v3.30.0", "3.30.1-rc.1", "latest", "v3.32.1+build.1", "3..1"]
HOSTS = ["127.0.0.1", "::1", "fd00::1", "api_server", "api-server.lan", "[::1]", "-bad", "a" * 64,
         "k3s.example.net", "10.0.0.300"]
MASTERS = ["eth0", "eth0.100", "eth0/1", "eth 1", "a" * 15, "a" * 16, "br:0", "enp3s0f1np1"]


def _codes(plan) -> set[str]:
    return {f.code for f in validate(plan)}


def _schema_ok(plan) -> bool:
    try:
        validate_values(chart_values(plan))
    except ValuesRejected:
        return False
    return True


@pytest.mark.parametrize("version", VERSIONS)
def test_calico_version_rule_matches_the_schema(version: str) -> None:
    plan = calico(version=version)
    assert ("CNI019" not in _codes(plan)) == _schema_ok(plan)


@pytest.mark.parametrize("host", HOSTS)
def test_cilium_service_host_rule_matches_the_schema(host: str) -> None:
    plan = cilium(k8s_service_host=host)
    assert ("CNI025" not in _codes(plan)) == _schema_ok(plan)


@pytest.mark.parametrize("master", MASTERS)
def test_macvlan_master_rule_matches_the_schema(master: str) -> None:
    plan = macvlan(master=master)
    assert ("CNI042" not in _codes(plan)) == _schema_ok(plan)


def test_multus_and_cilium_versions_and_repos_are_checked_too() -> None:
    plan = replace(cilium(version="1.20"), cni=replace(cilium(version="1.20").cni,
                                                       multus=Multus(version="4.3", networks=(LAN,))))
    assert {f.key for f in validate(plan) if f.code == "CNI019"} == {"cni.cilium.version",
                                                                     "cni.multus.version"}
    bad_repo = replace(calico(), cni=replace(calico().cni, calico=replace(calico().cni.calico,
                                                                          repo="ftp://mirror")))
    assert "CNI019" in _codes(bad_repo) and not _schema_ok(bad_repo)


def test_render_refuses_values_the_schema_rejects_before_writing() -> None:
    with pytest.raises(ValuesRejected, match="master"):
        chart_export_files(macvlan(master="eth0/1"))
    assert chart_export_files(macvlan())  # the corrected plan renders
    assert isinstance(ValuesRejected("x"), ValueError)
