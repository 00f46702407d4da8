"""What K3s runs with on a host that already has it: today, and after this install. Pure.

K3s's merge (reference §2, k3s pkg/configfilearg/parser.go), modelled through the existing
importers (`build_plan` = `merge_configs` + `parse_exec` + `plan_from_args`), no merging here:

  config.yaml, then config.yaml.d/*.yaml (and *.yml) by name; a later file's `key:` replaces,
  `key+:` appends; then the unit's ExecStart flags: a plain flag beats every file, a list flag is
  appended to the files' list (K3s puts the file's values before the command line).

After the install, k3stui's drop-in (`50-k3stui-network.yaml`) takes its alphabetical place among
the user's drop-ins (replacing an older copy), and the install script rewrites the unit: install.sh
writes `ExecStart=<bin>/k3s <INSTALL_K3S_EXEC> <script args>` every time, and k3stui passes
`INSTALL_K3S_EXEC=<role>` with no script args (render/install_cmd.py), so every flag the old
ExecStart carried is gone. Assumptions, said once: the script rewrites the unit it is named for
(`k3s.service` for a server, `k3s-agent.service` for an agent: k3stui sets no INSTALL_K3S_NAME); a
unit with another name is not touched and keeps its flags. The rewritten `.service.env` holds only
the K3S_* variables k3stui passes; no critical network flag has an environment binding, so the old
env file is not modelled. A `--config` flag or K3S_CONFIG_FILE pointing K3s at another file is not
modelled either (k3stui writes into the default folder).
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from functools import cached_property
from pathlib import PurePosixPath
from typing import Any

from k3stui import defaults
from k3stui.findings import Finding
from k3stui.flag_values import canonical_name, is_list_flag
from k3stui.importers import build_plan, parse_exec
from k3stui.importers.k3s_config import merge_documents, parse_config
from k3stui.plan import Plan
from k3stui.records import record

DEFAULT_SOURCE = "K3s default"


def dropin_path() -> str:
    from k3stui.render.files import DROPIN_NODE_PATH

    return DROPIN_NODE_PATH


def rewritten_unit(role: str) -> str:
    """The unit install.sh writes for `role` without INSTALL_K3S_NAME (k3s:install.sh SYSTEM_NAME)."""
    return f"{defaults.SYSTEMD_DIR}/{'k3s' if role == 'server' else 'k3s-agent'}.service"


def is_dropin(path: str) -> bool:
    return str(PurePosixPath(path).parent) == defaults.CONFIG_DROPIN_DIR


@record
class Setup:
    """One configuration K3s starts with: config files in K3s's read order, then unit flags."""

    files: tuple[tuple[str, str], ...]  # (node path, text)
    exec_flags: str | None = None  # the ExecStart arguments, role word first; None: no unit flags
    exec_source: str = "ExecStart"

    @cached_property
    def result(self) -> tuple[Plan, list[Finding]]:
        return build_plan(configs=self.files, exec_flags=self.exec_flags, exec_source=self.exec_source)

    @property
    def plan(self) -> Plan:
        return self.result[0]

    @cached_property
    def docs(self) -> list[tuple[str, dict[str, Any]]]:
        return [(source, parse_config(text, source)[0]) for source, text in self.files]

    @cached_property
    def file_values(self) -> dict[str, Any]:
        """The files merged, before the unit's flags: long flag names -> raw values."""
        return merge_documents(self.docs)

    @cached_property
    def exec_args(self) -> dict[str, Any]:
        return parse_exec(self.exec_flags, self.exec_source).args if self.exec_flags else {}

    def file_sources(self, key: str) -> list[str]:
        """The files that make `key`'s merged value: the last `key:` and the `key+:` after it."""
        out: list[str] = []
        for source, doc in self.docs:
            for written in doc:
                if canonical_name(written.removesuffix("+")) != key:
                    continue
                out = [*out, source] if written.endswith("+") and out else [source]
        return out

    def where(self, key: str) -> str:
        """Where K3s takes `key` from: the unit, the file(s) (both for a list flag: the unit's
        values are appended to the files'), or its own default."""
        files = self.file_sources(key)
        if key in self.exec_args:
            return " + ".join([*files, self.exec_source]) if is_list_flag(key) else self.exec_source
        return " + ".join(files) or DEFAULT_SOURCE


def now(config_files: Sequence[tuple[str, str]], unit: str | None, unit_args: Sequence[str]) -> Setup:
    """What K3s runs with today (files as they are, the unit as it is)."""
    return Setup(tuple(config_files), shlex.join(unit_args) if unit_args else None, _exec_source(unit))


def after(
    config_files: Sequence[tuple[str, str]],
    unit: str | None,
    unit_args: Sequence[str],
    *,
    role: str,
    ours: str,
    install_exec: str,
) -> Setup:
    """What K3s runs with after the install: `ours` (the drop-in text) at its alphabetical place,
    and the unit rewritten to `install_exec` unless the flags live in a unit the script leaves."""
    path = dropin_path()
    main = [(s, t) for s, t in config_files if not is_dropin(s)]
    dropins = [(s, t) for s, t in config_files if is_dropin(s) and s != path] + [(path, ours)]
    # K3s reads the folder in name order (os.ReadDir sorts by name, byte-wise).
    dropins.sort(key=lambda st: PurePosixPath(st[0]).name.encode())
    if unit is not None and unit != rewritten_unit(role) and unit_args:
        return Setup((*main, *dropins), shlex.join(unit_args), _exec_source(unit))
    written = shlex.quote(f"k3s {install_exec}")
    return Setup((*main, *dropins), install_exec, f"the ExecStart the install writes ({written})")


def _exec_source(unit: str | None) -> str:
    return f"the ExecStart of {unit}" if unit else "ExecStart"


def later_dropins(setup: Setup) -> list[str]:
    """User drop-ins K3s reads after k3stui's."""
    names = [s for s, _ in setup.files]
    path = dropin_path()
    return names[names.index(path) + 1 :] if path in names else []
