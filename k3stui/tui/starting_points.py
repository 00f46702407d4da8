"""Where a plan can start: this host's K3s config, a preset file, a shipped preset. Light to import
(no plan form, no YAML parser until a preset is read), so the start screen paints at once.

Reading files is the shell's job; these read under `root` (tests point it at tmp_path).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from k3stui import plan as p
    from k3stui.findings import Finding
    from k3stui.presets import Preset


def shipped_preset_names() -> list[str]:
    """The shipped presets' names, without reading them."""
    from k3stui.resources import presets_dir

    return sorted(f.stem for f in presets_dir().glob("*.yaml"))


def host_config_files(root: Path) -> list[Path]:
    """This host's K3s config: config.yaml, then config.yaml.d/*.yaml alphabetically (as K3s reads
    them). Raises InputError when the folder cannot be looked into (not root, say)."""
    from k3stui.defaults import CONFIG_DROPIN_DIR, CONFIG_FILE
    from k3stui.findings import InputError

    main, dropins = root / CONFIG_FILE.lstrip("/"), root / CONFIG_DROPIN_DIR.lstrip("/")
    try:
        found = [main] if main.is_file() else []
        if dropins.is_dir():  # k3stui.inputs imports the importers: only when there is a folder to list
            from k3stui.inputs import config_dir_files

            found += config_dir_files(dropins)
        return found
    except OSError as exc:  # is_file/is_dir raise PermissionError under a folder we may not enter
        raise InputError(f"{exc.filename or main.parent}: cannot look into it: {exc.strerror or exc}; "
                         "run k3stui as a user that can read it (e.g. with sudo)") from None


def plan_from_host(root: Path) -> tuple[p.Plan, list[Finding]]:
    """Raises InputError when a file (or the folder) cannot be read."""
    from k3stui.importers import build_plan
    from k3stui.inputs import read_text

    configs = [(f"/{f.relative_to(root)}", read_text(f, "config file")) for f in host_config_files(root)]
    plan, found = build_plan(configs=configs)
    return plan, list(found)


def preset_from_file(path: Path) -> Preset:
    """A preset file. Raises InputError (unreadable or invalid preset)."""
    from k3stui.inputs import read_text
    from k3stui.presets import load_preset_text

    return load_preset_text(read_text(path, "preset file"), str(path))


def shipped_presets() -> list[tuple[str, str]]:
    """(name, description) of every shipped preset; an unloadable one says why instead."""
    from k3stui.findings import InputError
    from k3stui.presets import load_shipped

    out = []
    for name in shipped_preset_names():
        try:
            out.append((name, load_shipped(name).description))
        except InputError as exc:
            out.append((name, f"(cannot be loaded: {exc})"))
    return out
