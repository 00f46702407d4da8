"""The plan rendered once for an install: every file by role, the node paths, and the install
command per role. Pure (rendering is; the chart is packaged in memory).

Preflight (k3stui's drop-in text, the ExecStart the install writes), the plan of action (files,
the install command) and the host read (which node paths to look at) all read this one record,
so a dry run renders the plan, and packages the chart, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from k3stui import versions
from k3stui.plan import Plan
from k3stui.render.files import ROLES, RenderedFile
from k3stui.render.install_cmd import InstallCommand


def judged_version(plan: Plan, k3s_version: str | None) -> str:
    """The K3s release the rules judged the plan for: --k3s-version, else the plan's, else the newest
    known (rules/__init__.validate). The install pins INSTALL_K3S_VERSION to it, so the release that
    runs is the one that was checked, not whatever "stable" is that day. An unparsable text is kept
    (VER001 refuses the plan)."""
    text = k3s_version or plan.k3s_version
    try:
        return str(versions.resolve(text))
    except ValueError:
        return str(text)


@dataclass(frozen=True)
class Rendered:
    plan: Plan
    k3s_version: str  # the release judged for (judged_version)
    files: tuple[RenderedFile, ...]
    commands: dict[str, InstallCommand] = field(default_factory=dict)  # role -> install command
    problems: dict[str, str] = field(default_factory=dict)  # role -> why it has no install command

    def node_files(self, role: str) -> list[RenderedFile]:
        """Files placed on a `role` node (chart manifest included on servers), in render order."""
        return [f for f in self.files if f.dest and role in f.roles]

    def file(self, role: str, dest: str) -> RenderedFile | None:
        return next((f for f in self.node_files(role) if f.dest == dest), None)

    def text(self, role: str, dest: str) -> str | None:
        f = self.file(role, dest)
        return f.content.decode("utf-8") if f is not None else None

    def command(self, role: str) -> InstallCommand | None:
        return self.commands.get(role)


def render(
    plan: Plan, k3s_version: str | None = None, *, roles: Sequence[str] = ROLES, chart: bool = True
) -> Rendered:
    """Render `plan` for an install. `chart=False` skips packaging the chart (an agent's install
    places no auto-deploy manifest). The install commands carry the pinned version."""
    from k3stui.chart import chart_export_files
    from k3stui.render.files import ChartExport, render_all
    from k3stui.render.install_cmd import install_command

    version = judged_version(plan, k3s_version)
    export = ChartExport(chart_export_files(plan, k3s_version=version)) if chart else None
    files = tuple(render_all(plan, k3s_version=version, chart=export))
    commands: dict[str, InstallCommand] = {}
    problems: dict[str, str] = {}
    for role in roles:
        try:
            cmd = install_command(plan, role, k3s_version=version)
        except ValueError as exc:
            problems[role] = str(exc)
            continue
        # Pinned whatever install_command does with an unset version (render pins it too).
        commands[role] = InstallCommand(
            cmd.role, {**cmd.env, "INSTALL_K3S_VERSION": version}, list(cmd.args), cmd.script_url
        )
    return Rendered(plan, version, files, commands, problems)
