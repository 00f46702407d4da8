"""render writes the shipped presets/preset.schema.json beside plan.yaml instead of generating it: that
file must be, byte for byte, what the generator writes (`python -m k3stui.presets` regenerates it)."""

from __future__ import annotations

from k3stui.presets import SCHEMA_FILE, load_shipped, schema_text
from k3stui.render.files import render_all
from k3stui.resources import presets_dir


def test_the_shipped_schema_file_is_the_generated_text() -> None:
    assert (presets_dir() / SCHEMA_FILE).read_text(encoding="utf-8") == schema_text(), \
        "run: python -m k3stui.presets"


def test_render_writes_the_generated_schema() -> None:
    files = {f.path: f.content for f in render_all(load_shipped("calico").plan)}
    assert files[SCHEMA_FILE].decode() == schema_text()
