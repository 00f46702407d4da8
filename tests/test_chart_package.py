"""k3stui/chart_package.json caches the packaged k3s-cni chart for `k3stui render`: it must be exactly
what packaging the shipped chart builds now, and a cache made from other files must never be used."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from k3stui import chart_package
from k3stui.chart import chart_export_files, chart_files
from k3stui.resources import chart_dir
from tests.rules_plans import SCENARIOS

REPO = Path(__file__).resolve().parents[1]
FILES = chart_files(chart_dir())


def test_the_shipped_cache_is_what_packaging_the_chart_builds() -> None:
    shipped = Path(chart_package.CACHE).read_text(encoding="utf-8")
    assert shipped == chart_package.cache_text(FILES), "the chart changed: run python -m k3stui.chart_package"


def test_the_module_command_prints_the_cache() -> None:
    printed = subprocess.run([sys.executable, "-m", "k3stui.chart_package", "--print"], capture_output=True,
                             text=True, cwd=REPO, timeout=120, check=True).stdout
    assert printed == chart_package.cache_text(FILES)


def test_a_fresh_cache_is_used_and_holds_the_built_package(monkeypatch: pytest.MonkeyPatch) -> None:
    name, tgz = chart_package.package_files(FILES)

    def not_built(files: object) -> None:
        raise AssertionError("the chart was packaged although the cache is fresh")

    monkeypatch.setattr(chart_package, "package_files", not_built)
    package = chart_package.packaged(FILES)
    assert (package.name, package.tgz) == (name, tgz)
    assert package.b64 == json.loads(Path(chart_package.CACHE).read_text())["base64"]


@pytest.mark.parametrize("spoil", ["chart file", "new file", "fingerprint", "damaged", "crc32", "missing",
                                   "garbage", "not base64", "defaults"])
def test_a_stale_or_broken_cache_is_never_used(spoil: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    files = dict(FILES)
    data = json.loads(Path(chart_package.CACHE).read_text(encoding="utf-8"))
    if spoil == "chart file":
        files["values.yaml"] += b"# changed\n"
    elif spoil == "new file":
        files["templates/extra.yaml"] = b"# added\n"
    elif spoil == "fingerprint":
        data["fingerprint"] = "00000000"
    elif spoil == "damaged":  # valid base64 of other bytes
        data["base64"] = data["base64"][:-8] + "AAAAAAA="
    elif spoil == "crc32":
        data["crc32"] = "00000000"
    elif spoil == "not base64":
        data["base64"] = "*" + data["base64"][1:]
    elif spoil == "defaults":
        data["defaults"] = ["not", "a", "map"]
    path = tmp_path / "chart_package.json"
    if spoil != "missing":
        path.write_text("{not json" if spoil == "garbage" else json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(chart_package, "CACHE", str(path))
    name, tgz = chart_package.package_files(files)
    package = chart_package.packaged(files)
    assert (package.name, package.tgz, package.vetted_defaults) == (name, tgz, None)
    assert chart_package.binascii.a2b_base64(package.b64) == tgz


@pytest.mark.parametrize("change", ["content", "rename", "add", "remove"])
def test_every_chart_change_changes_the_fingerprint(change: str) -> None:
    files = dict(FILES)
    if change == "content":
        files["Chart.yaml"] = files["Chart.yaml"].replace(b"version:", b"version: ", 1)
    elif change == "rename":
        files["templates/renamed.yaml"] = files.pop("templates/calico.yaml")
    elif change == "add":
        files["templates/new.yaml"] = b""
    else:
        del files["templates/NOTES.txt"]
    assert chart_package.fingerprint(files) != chart_package.fingerprint(FILES)


def test_the_cached_defaults_are_the_charts() -> None:
    from k3stui.importers.yamlio import safe_load

    package = chart_package.packaged(FILES)
    assert package.vetted_defaults == safe_load(FILES["values.yaml"])


@pytest.mark.parametrize(("values_yaml", "says"), [
    (b"cni: 7\n", "cni: 7 is not one of"),
    (FILES["values.yaml"].replace(b"\n  values: {}\n", b"\n  values: {1: one}\n", 1), "JSON cannot hold"),
    (FILES["values.yaml"].replace(b"\n  values: {}\n", b"\n  values: {day: 2024-01-01}\n", 1),
     "JSON cannot hold"),
], ids=["rejected", "int key", "date"])
def test_defaults_the_schema_rejects_are_never_cached(values_yaml: bytes, says: str) -> None:
    assert values_yaml != FILES["values.yaml"]
    with pytest.raises(ValueError, match=says):
        chart_package.cache_text({**FILES, "values.yaml": values_yaml})


def test_a_plan_value_the_schema_rejects_is_refused_with_the_cache_too() -> None:
    from k3stui.chart import ValuesRejected, validate_values
    from k3stui.render.chart_values import chart_values

    values = chart_values(SCENARIOS["calico"][0])
    values["calico"]["installation"]["calicoNetwork"]["ipPools"][0]["cidr"] = "10.0.0.0/33"
    defaults = chart_package.packaged(FILES).vetted_defaults
    with pytest.raises(ValuesRejected) as cached:
        validate_values(values, FILES, vetted_defaults=defaults)
    with pytest.raises(ValuesRejected) as uncached:
        validate_values(values, FILES)
    assert str(cached.value) == str(uncached.value) and "10.0.0.0/33" in str(cached.value)


def test_the_rendered_chart_is_the_built_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """The .tgz and the manifest's chartContent are the same bytes with the cache and without it."""
    plan = SCENARIOS["calico"][0]
    cached = chart_export_files(plan)
    monkeypatch.setattr(chart_package, "CACHE", "/nonexistent/chart_package.json")
    built = chart_export_files(plan)
    assert cached == built

