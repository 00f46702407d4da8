"""`k3stui` without a command: the terminal UI. Textual is imported here, when it runs, and only
under `k3stui.tui` — the CLI's other commands never load it."""

from __future__ import annotations

import argparse
from pathlib import Path


def run(args: argparse.Namespace) -> int:
    from k3stui.tui.app import run_app

    root = Path(getattr(args, "root", None) or "/")
    out_dir = Path(getattr(args, "out", None) or Path.cwd())
    return run_app(root, out_dir)
