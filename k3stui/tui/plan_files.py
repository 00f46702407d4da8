"""What the TUI's Save, Export and preview do, as plain functions over a `PlanState`.

These are the same core calls `k3stui render` and `k3stui preset` make (render_all + write_tree,
dump_preset + atomic_write), so a file the TUI writes is byte-for-byte what the CLI writes.
No Textual here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from k3stui.tui.state import PlanState

if TYPE_CHECKING:
    from k3stui.render.files import RenderedFile



def save_preset(state: PlanState, path: Path, *, force: bool = False) -> Path:
    """Write the applied plan as a preset file, atomically. Refuses to replace a file unless `force`."""
    from k3stui.fsio import WriteRefused, atomic_write
    from k3stui.presets import Preset, dump_preset, load_preset_text

    if path.is_dir():
        raise WriteRefused(f"{path} is a folder; add a file name, e.g. {path / 'my-plan.yaml'}")
    if path.exists() and not force:
        raise WriteRefused(f"{path} exists; tick 'Replace it' to overwrite it")
    description = f"Saved from k3stui (started from {state.source})"
    text = dump_preset(Preset(name=preset_name(path.stem), description=description, plan=state.applied))
    load_preset_text(text, str(path))  # as `k3stui preset import`: never write one k3stui cannot read back
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, text.encode("utf-8"))


def write_recovery(state: PlanState, folder: Path) -> Path:
    """After a crash: the user's plan as a preset file in `folder` (else the temp folder), under a
    new name, never replacing a file. Not round-trip checked as Save is: the app is already failing,
    and a plan k3stui would refuse is still the user's work."""
    import tempfile
    import time

    from k3stui.fsio import atomic_write
    from k3stui.presets import Preset, dump_preset

    description = f"Recovered by k3stui after a crash (started from {state.source})"
    text = dump_preset(Preset(name="recovered", description=description, plan=state.plan))
    name = f"k3stui-recovery-{time.strftime('%Y%m%d-%H%M%S')}.yaml"
    for where in (folder, Path(tempfile.gettempdir())):
        path = where / name
        try:
            where.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                return atomic_write(path, text.encode("utf-8"), mode=0o600)
        except OSError:
            continue
    raise OSError(f"neither {folder} nor {tempfile.gettempdir()} can take {name}")


def rendered_files(state: PlanState, *, per_node: bool = False) -> list[RenderedFile]:
    """`render_all` (or, per node, `render_per_node`) with the chart export, as `k3stui render
    [--per-node]` writes it (plan.yaml named after the preset the plan started from, as `render
    --preset` names it)."""
    from k3stui.chart import chart_export_files
    from k3stui.render.files import ChartExport, render_all
    from k3stui.render.per_node import render_per_node

    plan, version = state.applied, state.applied.k3s_version
    chart = ChartExport(chart_export_files(plan, k3s_version=version))
    named = {"name": state.label[0], "description": state.label[1]} if state.label else {}
    renderer = render_per_node if per_node else render_all
    return renderer(plan, k3s_version=version, chart=chart, **named)


def export_kinds(state: PlanState) -> tuple[tuple[str, str], ...]:
    """What Export can write for this plan: per role always; per node and the k3s-ansible folder
    when the plan lists its nodes (`render --per-node`, `render --ansible`)."""
    kinds = [("roles", "Files per role (server/, agent/): k3stui render --out")]
    if state.applied.nodes:
        kinds += [("nodes", "A folder per node (nodes/NAME/): render --per-node"),
                  ("ansible", "A k3s-ansible folder (inventory.yml, group_vars): render --ansible")]
    return tuple(kinds)


def export_files(state: PlanState, folder: Path, *, force: bool = False, kind: str = "roles") -> int:
    """Write what `kind` (export_kinds) names under `folder`, as the matching `k3stui render` does;
    returns how many files. Raises WriteRefused (and ValueError for a plan it cannot express)."""
    from k3stui.fsio import write_tree

    if kind == "ansible":
        from k3stui.chart import chart_export_files
        from k3stui.commands.ansible_export import write_export
        from k3stui.render.ansible import render_ansible

        plan, version = state.applied, state.applied.k3s_version
        chart = chart_export_files(plan, k3s_version=version)
        files = render_ansible(plan, k3s_version=version, chart_files=chart)
        write_export(folder, files, force=force)
        return len(files)
    return len(write_tree(folder, rendered_files(state, per_node=kind == "nodes"), force))


def preview_items(state: PlanState) -> list[tuple[str, str]]:
    """(title, text) for the preview pane: what the plan means, then every rendered file. A plan
    `render_all` refuses (a node path it cannot place) previews the reason instead of the files.
    Secrets are masked (the config drop-in carries the token; the screen must not show it)."""
    from k3stui.chart import CHART_NAME
    from k3stui.render.explain import explain, format_explanation
    from k3stui.secrets import mask_text, mask_yaml, plan_secrets

    secrets = plan_secrets(state.applied)
    items = [("Ports, MTU, capacity, routes", mask_text(format_explanation(explain(state.applied)), secrets))]
    try:
        files = rendered_files(state)
    except ValueError as exc:
        why = mask_text(f"k3stui render would refuse this plan: {exc}", secrets)
        return [*items, ("Files: not rendered", why)]
    for f in files:
        if f.path.startswith(f"chart/{CHART_NAME}/") or f.path.endswith(".tgz"):
            continue  # the shipped chart's own files and its package: not the plan's, not readable
        roles = ", ".join(f.roles) if f.roles else "all nodes"
        header = f"# {f.description}\n# on the node: {f.dest or '(not copied to nodes)'}  ({roles})\n\n"
        try:
            body = f.content.decode("utf-8")
        except UnicodeDecodeError:
            body = f"({len(f.content)} bytes of binary data)"
        masked = mask_yaml(body, secrets) if f.path.endswith((".yaml", ".yml")) else mask_text(body, secrets)
        items.append((_short_title(f.path), header + masked))
    return items


def _short_title(path: str) -> str:
    """`server/etc/rancher/k3s/config.yaml.d/50-k3stui-network.yaml` -> `server: 50-k3stui-network.yaml`."""
    folder, _, rest = path.partition("/")
    return f"{folder}: {rest.rsplit('/', 1)[-1]}" if rest else path


def preset_name(text: str) -> str:
    """A name `presets.NAME_PATTERN` accepts, from a file name or where the plan came from: lower
    case ASCII letters, digits and single dashes, at most 63 characters."""
    name = "".join(c if c.isascii() and c.isalnum() else "-" for c in text.lower())
    return "-".join(filter(None, name.split("-")))[:63].rstrip("-") or "my-plan"
