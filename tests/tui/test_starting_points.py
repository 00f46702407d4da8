"""The start screen's cheap read of a preset's description: equal to what the YAML loader reads,
or None (then the loader is asked)."""

from __future__ import annotations

import pytest
import yaml

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
