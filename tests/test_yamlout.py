"""The C dumper writes the same bytes as PyYAML's pure-Python SafeDumper on every file k3stui
renders from every shipped preset (config drop-ins, chart values and manifest, plan.yaml,
the air-gap manifest): switching to it changed speed, not output."""

from __future__ import annotations

import pytest
import yaml

from k3stui import yamlout
from k3stui.chart import chart_export_files
from k3stui.install import airgap
from k3stui.presets import Preset, dump_preset, load_shipped, shipped_names
from k3stui.render.chart_values import chart_values
from k3stui.render.files import ChartExport, render_all

pytestmark = pytest.mark.skipif(not hasattr(yaml, "CSafeDumper"), reason="PyYAML without libyaml")


def _chart(name: str, version: str) -> airgap.ChartArchive:
    """An upstream chart archive as embed_in_manifest takes it (only its bytes are embedded)."""
    return airgap.ChartArchive(name, version, f"charts/{name}-{version}.tgz", f"{name} {version}".encode())


def _outputs(name: str) -> dict[str, bytes]:
    preset = load_shipped(name)
    plan = preset.plan
    files = {f.path: f.content for f in render_all(plan, chart=ChartExport(chart_export_files(plan)))}
    files["plan.yaml (dump_preset)"] = dump_preset(Preset(name, "x", plan)).encode()
    charts = [_chart(ref.name, ref.version) for ref in airgap.needed_charts(chart_values(plan))]
    for path, content in list(files.items()):
        if path.endswith(".yaml") and b"kind: HelmChart" in content:
            files[path + " (air-gap)"] = embedded = airgap.embed_in_manifest(content, charts)[0]
            assert embedded != content or not charts  # the charts went in
    return files


@pytest.mark.parametrize("name", shipped_names())
def test_c_dumper_output_is_byte_identical(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert yamlout._dumper() is yaml.CSafeDumper
    used: list[str] = []
    real = yaml.dump_all

    def spy(documents: object, Dumper: type, **options: object) -> str:
        used.append(Dumper.__name__)
        return real(documents, Dumper=Dumper, **options)

    monkeypatch.setattr(yaml, "dump_all", spy)
    fast = _outputs(name)
    assert "CSafeDumper" in used  # most files really went through the C emitter
    monkeypatch.setattr(yamlout, "_dumper", lambda: yaml.SafeDumper)
    slow = _outputs(name)
    assert fast.keys() == slow.keys() and any(p.endswith(".yaml") for p in fast)
    for path in fast:
        assert fast[path] == slow[path], path


def test_hostile_strings_dump_alike() -> None:
    data = {"a": "line\nbreak", "b": "ünïcode \u2028 sep", "c": " lead", "d": "x" * 300, "e": "yes",
            "f": ["", "~", "null", "0o17", "1e3", "#", "- x", ": y"], "g": "tab\there",
            "h": "word " * 60, "i": {"deep": {"deeper": {"key " * 8: "value " * 7}}}}
    for opts in ({}, {"allow_unicode": True, "width": 4096}, {"default_flow_style": False, "width": 100}):
        assert yamlout.dump(data, sort_keys=False, **opts) == yaml.safe_dump(data, sort_keys=False, **opts)
        for key, value in data.items():  # one by one: most go through the C dumper
            one = {key: value}
            assert yamlout.dump(one, sort_keys=False, **opts) == yaml.safe_dump(one, sort_keys=False, **opts)


def test_the_fast_loader_reads_the_shipped_chart_as_pyyaml_does() -> None:
    from k3stui.chart import chart_files
    from k3stui.importers.yamlio import safe_load
    from k3stui.resources import chart_dir

    files = chart_files(chart_dir())
    for name in ("values.yaml", "Chart.yaml"):
        assert safe_load(files[name]) == yaml.safe_load(files[name]) != {}


BLOCKY = ["a\nb\n", "a\nb", "  lead\nx\n", "\nfirst\n", "x\n\n", "trail \nx\n", "tab\tin\nx\n", "ünï\ncode\n",
          "# comment\nkey: value\nlist:\n- 1\n", "x" * 300 + "\n" + "word " * 40 + "end\n", "cr\r\nlf\n",
          "sep\u2028x\n", "- x\n: y\n", "'q'\n\"dq\"\n"]


@pytest.mark.parametrize("text", BLOCKY)
def test_block_text_writes_the_same_bytes_both_ways(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = {"spec": {"valuesContent": text, "other": "plain"}}
    fast = yamlout.dump(data, sort_keys=False, block_text=True)
    assert yaml.safe_load(fast) == data
    assert ("valuesContent: |" in fast) == yamlout.block_safe(text)
    monkeypatch.setattr(yamlout, "_dumper", lambda: yaml.SafeDumper)
    assert yamlout.dump(data, sort_keys=False, block_text=True) == fast


@pytest.mark.parametrize("name", shipped_names())
def test_the_manifest_with_literal_values_loads_as_the_quoted_form_did(name: str) -> None:
    """The HelmChart's valuesContent became a literal block (readable, and the C emitter writes it):
    the same document as PyYAML's quoted form of before, value for value."""
    from k3stui.chart import auto_deploy_manifest, manifest_text, package_chart
    from k3stui.render.chart_values import chart_needed, values_notes
    from k3stui.resources import chart_dir

    plan = load_shipped(name).plan
    if not chart_needed(plan):
        return
    tgz = package_chart(chart_dir())[1]
    manifest = auto_deploy_manifest(tgz, chart_values(plan), notes=values_notes(plan))
    text = manifest_text(manifest)
    assert "  valuesContent: |\n" in text
    before = yaml.dump(manifest, Dumper=yaml.SafeDumper, sort_keys=False)  # the form of before
    assert "  valuesContent: |" not in before
    assert yaml.safe_load(text) == yaml.safe_load(before) == manifest
