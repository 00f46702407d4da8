"""Where the shipped chart and presets are: inside an installed wheel (`k3stui/_data/`) or,
in a checkout, at the repository's top level."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    installed = _PKG / "_data" / name
    return installed if installed.is_dir() else _PKG.parent / name


def chart_dir() -> Path:
    return _data_dir("charts") / "k3s-cni"


def presets_dir() -> Path:
    return _data_dir("presets")
