"""Where a plan can start: this host's K3s config, a preset file, a shipped preset. Light to import
(no plan form, no YAML parser until a preset is read), so the start screen paints at once.

Reading files is the shell's job; these read under `root` (tests point it at tmp_path).
"""

from __future__ import annotations

import re
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
    """(name, description) of every shipped preset, read without the YAML parser where the line
    allows (`metadata_description`); the others are loaded, and an unloadable one says why."""
    from k3stui.resources import presets_dir

    out = []
    for name in shipped_preset_names():
        try:
            description = metadata_description((presets_dir() / f"{name}.yaml").read_text(encoding="utf-8"))
        except OSError:
            description = None
        out.append((name, _loaded_description(name) if description is None else description))
    return out


def _loaded_description(name: str) -> str:
    from k3stui.findings import InputError
    from k3stui.presets import load_shipped

    try:
        return load_shipped(name).description
    except InputError as exc:
        return f"(cannot be loaded: {exc})"


# A plain YAML scalar that reads as the text itself: no quote, block, anchor, tag, flow or comment
# indicator, no ": " or " #" inside nor ":" at the end (a mapping, a comment), and not a word or
# number YAML reads as another type (true, null, 1.5).
_PLAIN = re.compile(r"(?![0-9+.])(?!(?i:null|true|false|yes|no|on|off|y|n|~)$)"
                    r"[^\s'\"&*!|>%@`{}\[\],#?:-](?:(?!: | #)[^\t])*(?<!:)")
_KEY = re.compile(r"( *)([A-Za-z_-]+):(?: (.*))?$")


def metadata_description(text: str) -> str | None:
    """`metadata.description` of a preset's text when it is one plain line of YAML (as k3stui writes
    it and the shipped presets hold it), read without the YAML parser: the start screen lists the
    presets before PyYAML is imported. None when the line is anything else (quoted, folded,
    continued, absent): then only the real loader can say."""
    in_metadata, indent = False, -1
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key = _KEY.match(line)
        if key is None:
            if in_metadata and indent < 0:
                return None  # metadata is not a block mapping we can read this way
            continue
        depth, name, value = len(key.group(1)), key.group(2), (key.group(3) or "").rstrip()
        if depth == 0:
            in_metadata, indent = name == "metadata" and not value, -1
        elif in_metadata and name == "description":
            if indent not in (-1, depth) or not _PLAIN.fullmatch(value) or _continued(lines[i + 1:], depth):
                return None
            return value
        elif in_metadata:
            indent = depth
    return None


def _continued(rest: list[str], depth: int) -> bool:
    """A plain scalar goes on over the next lines that are indented deeper than its key."""
    following = next((line for line in rest if line.strip() and not line.lstrip().startswith("#")), "")
    return len(following) - len(following.lstrip(" ")) > depth
