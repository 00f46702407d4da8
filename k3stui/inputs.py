"""The shell side of the importers: read the files `check`, `render`, `install`, `bundle` and
`preset import` take (see cli.py `_add_inputs`) and build the Plan from them.

All file reading for plans happens here, with errors that name the file and say the fix.
"""

from __future__ import annotations

import argparse
import functools
import os
from typing import TYPE_CHECKING

from k3stui.findings import Finding, InputError
from k3stui.importers import build_plan
from k3stui.plan import Plan

if TYPE_CHECKING:
    from pathlib import Path

    from k3stui.presets import Preset

# pathlib is imported where a file is named: `check --exec` names none.


def read_text(path: str | Path, what: str = "file") -> str:
    """A UTF-8 text input file (read by `fsio.read_input`, the one reader of every input: regular
    files only, size capped), or InputError naming it and the fix."""
    from pathlib import Path

    from k3stui.fsio import read_input

    p = Path(path)
    data = read_input(p, what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{p}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                         f"{exc.start}); save the file as UTF-8") from None


def config_dir_files(directory: str | Path) -> list[Path]:
    """`*.yaml` (and `*.yml`) in a config.yaml.d folder, alphabetically, as K3s reads them."""
    from pathlib import Path

    d = Path(directory)
    if not d.exists():
        raise InputError(f"{d}: no such folder; check the --config-dir path")
    if not d.is_dir():
        raise InputError(f"{d}: is not a folder; pass a single file with --config")
    try:
        entries = sorted(d.iterdir(), key=lambda p: p.name)
    except PermissionError:
        raise InputError(f"{d}: permission denied; run k3stui as a user that can read it") from None
    return [p for p in entries if p.suffix.lower() in (".yaml", ".yml") and not p.is_dir()]


def load_preset_arg(value: str) -> Preset:
    """--preset: a file path, or the name of a shipped preset. A command needs it for the plan and
    again for its label (render's plan.yaml): it is read once per version of the file."""
    try:
        st = os.stat(value)
        stamp: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
    except OSError:
        stamp = None
    return _load_preset(value, stamp)


@functools.cache
def _load_preset(value: str, _stamp: tuple[int, int] | None) -> Preset:
    from k3stui import presets

    looks_like_path = "/" in value or value.endswith((".yaml", ".yml")) or os.path.isfile(value)
    if looks_like_path:
        return presets.load_preset_text(read_text(value, "preset file"), value)
    return presets.load_shipped(value)


def preset_label(args: argparse.Namespace) -> tuple[str, str] | None:
    """(name, description) of the --preset the plan starts from, to label what is rendered."""
    value = getattr(args, "preset", None)
    if not value:
        return None
    preset = load_preset_arg(value)
    return preset.name, preset.description


def plan_from_args_namespace(args: argparse.Namespace) -> tuple[Plan, list[Finding]]:
    """Plan + importer findings from the parsed command-line inputs. Raises InputError."""
    preset_value = getattr(args, "preset", None)
    preset = load_preset_arg(preset_value).plan if preset_value else None
    paths: list[Path] = []
    if getattr(args, "config", None) or getattr(args, "config_dir", None):
        from pathlib import Path

        paths = [Path(p) for p in getattr(args, "config", None) or []]
        if getattr(args, "config_dir", None):
            paths += config_dir_files(args.config_dir)
    configs = [(str(p), read_text(p, "config file")) for p in paths]
    netconf = None
    if getattr(args, "flannel_conf", None):
        netconf = (args.flannel_conf, read_text(args.flannel_conf, "net-conf.json file"))
    exec_flags = getattr(args, "exec_flags", None)
    if isinstance(exec_flags, list):  # argparse turns `--exec --` into []
        exec_flags = " ".join(exec_flags)
    plan, findings = build_plan(preset=preset, configs=configs, exec_flags=exec_flags, netconf=netconf)
    settings = getattr(args, "settings", None) or []
    if settings:  # --set PATH=VALUE wins over every other input
        from k3stui.presets import apply_setting

        for text in settings:
            plan = apply_setting(plan, text)
    version = getattr(args, "k3s_version", None)
    if version:  # the command line wins over a preset's k3s-version
        from k3stui.records import replace

        plan = replace(plan, k3s_version=version)
    return plan, findings


def server_plans(args: argparse.Namespace) -> list[Plan]:
    """The other servers' plans, one per --server-config file (for critical-value checks)."""
    out = []
    for path in getattr(args, "server_config", None) or []:
        plan, _ = build_plan(configs=[(str(path), read_text(path, "config file"))])
        out.append(plan)
    return out
