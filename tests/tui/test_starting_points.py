"""The start screen's cheap read of a preset's description: equal to what the YAML loader reads,
or None (then the loader is asked)."""

from __future__ import annotations

import pytest
import yaml
from tuikit import probe

from k3stui.presets import load_shipped
from k3stui.tui.starting_points import metadata_description, shipped_preset_names, shipped_presets


def test_every_shipped_description_is_read_without_yaml_and_equals_the_loaders():
    for name in shipped_preset_names():
        from k3stui.resources import presets_dir

        text = (presets_dir() / f"{name}.yaml").read_text(encoding="utf-8")
        assert metadata_description(text) == load_shipped(name).description, name
    assert dict(shipped_presets()) == {n: load_shipped(n).description for n in shipped_preset_names()}


_PLAIN = ["flannel VXLAN plus Multus (192.168.50.0/24)", "K3s defaults - flannel", "a; b, c", "IPv4/IPv6",
          "it's fine", "ends with a dash -", "x:y", "a#b"]
# not plain one-line text: the loader must decide
_NOT_PLAIN = ["'quoted'", '"double"', "a: b", "ends with:", "text # comment", "| block", "> folded",
              "&anchor x", "*alias", "!tag x", "[flow]", "{flow: map}", "- item", "? key", "true", "No",
              "null", "~", "1.5", "0x1f", "+1", ".5", "@reserved", "`reserved", "%directive", ""]


@pytest.mark.parametrize("value", _PLAIN + _NOT_PLAIN)
def test_the_cheap_read_agrees_with_yaml_or_declines(value):
    text = f"apiVersion: v\nmetadata:\n  name: x\n  description: {value}\nspec: {{}}\n"
    cheap = metadata_description(text)
    assert (cheap is None) == (value in _NOT_PLAIN)
    if cheap is not None:
        assert cheap == yaml.safe_load(text)["metadata"]["description"]


@pytest.mark.parametrize("text", [
    "metadata:\n  name: x\n  description: first line\n    goes on\n",  # a continued plain scalar
    "metadata:\n  name: x\n  description: first line\n\n    # comment\n    goes on\n",
    "metadata: {name: x, description: flow}\n",
    "spec:\n  description: not the preset's\n",
    "metadata:\n  name: x\n  nested:\n    description: deeper\n",
    "name: x\n",
])
def test_anything_but_one_plain_metadata_line_is_left_to_the_loader(text):
    assert metadata_description(text) is None


def test_a_description_after_other_keys_and_comments_is_found():
    text = ("# yaml-language-server: $schema=preset.schema.json\n# Scenario: words: more\n"
            "apiVersion: k3stui.io/v1alpha1\nkind: NetworkPreset\nmetadata:\n  name: x\n"
            "  # a comment: here\n  description: the text\nspec:\n  description: other\n")
    assert metadata_description(text) == "the text" == yaml.safe_load(text)["metadata"]["description"]


# The start screen in a fresh interpreter, until it is up and idle; then what it loaded and shows.
# Its warm-up (which imports the editor in a thread once the screen is up) is turned off: the subject
# is what painting the screen needs (tests/tui/test_warm_up.py covers the warm-up).
_PROBE = """
import json, sys
from pathlib import Path
from textual.widgets import OptionList
from k3stui.tui.app import K3sTuiApp

K3sTuiApp.on_start_screen_shown = lambda self: None
app = K3sTuiApp(root=Path(sys.argv[1]), out_dir=Path(sys.argv[1]))

async def up(pilot):
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    prompts = [str(o.prompt) for o in app.screen.query_one(OptionList).options]
    print(json.dumps([sorted(sys.modules), prompts]), file=sys.stderr)
    app.exit()

app.run(headless=True, auto_pilot=up, size=(80, 24))
"""


def test_the_start_screen_shows_the_descriptions_without_yaml_presets_or_rules(tmp_path):
    loaded, prompts = probe(_PROBE, str(tmp_path))
    assert "k3stui.tui.screens.start" in loaded  # the probe really showed the start screen
    heavy = {"yaml", "k3stui.presets", "k3stui.importers", "k3stui.rules", "k3stui.tui.screens.plan_editor"}
    assert sorted(m for m in loaded if m in heavy or m.rpartition(".")[0] in heavy) == []
    for name in shipped_preset_names():
        assert f"Preset {name} — {load_shipped(name).description}" in prompts
