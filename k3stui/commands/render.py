"""`k3stui render`: build and check the plan, then write every file (--out), update an existing
config.yaml (--merge-into) and/or print what the plan means on the wire (--explain).

A plan with errors is never rendered. All writes go through `k3stui.fsio`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from k3stui import exit_codes
from k3stui.findings import Severity, has_errors
from k3stui.report import print_findings


def _say(text: str) -> None:
    print(text, file=sys.stderr)


def _usage_problem(args: argparse.Namespace) -> str | None:
    if not args.out and not args.merge_into and not args.explain and not args.ansible:
        return ("say where the files go: --out DIR (every file), --ansible DIR (a k3s-ansible folder) or "
                "--merge-into PATH (update a config.yaml)")
    if args.per_node and not args.out:
        return "--per-node goes with --out DIR"
    if args.airgap and not args.ansible:
        return "--airgap ARTIFACTS goes with --ansible DIR"
    if (args.role or args.dry_run) and not args.merge_into:
        return "--role and --dry-run go with --merge-into PATH"
    return None


def _chart(plan: Any, args: argparse.Namespace) -> Any:
    from k3stui.render.files import ChartExport

    if args.no_chart:
        return None
    from k3stui.chart import chart_export_files

    return ChartExport(chart_export_files(plan, k3s_version=args.k3s_version))


def _write_out(plan: Any, args: argparse.Namespace) -> int:
    from k3stui.fsio import WriteRefused, write_tree
    from k3stui.inputs import preset_label

    if args.per_node:
        from k3stui.render.per_node import render_per_node as renderer
    else:
        from k3stui.render.files import render_all as renderer
    label = preset_label(args)
    named = {"name": label[0], "description": label[1]} if label else {}
    try:
        files = renderer(plan, k3s_version=args.k3s_version, chart=_chart(plan, args), **named)
    except ValueError as exc:  # a node path the renderer cannot place
        _say(f"k3stui: not written: {exc}")
        return exit_codes.FINDINGS
    try:
        write_tree(args.out, files, force=args.force)
    except WriteRefused as exc:  # not empty, disk full, read-only, permission: nothing half written
        _say(f"k3stui: not written: {exc}")
        return exit_codes.INPUT
    out = Path(args.out)
    print(f"Wrote {len(files)} files to {out}/:")
    for f in files:
        where = f" -> {f.dest} on {' and '.join(f.roles)} nodes" if f.dest else ""
        print(f"  {f.path}{where}")
    if args.per_node:
        print(f"Next: read {out / 'README.md'}; then run nodes/NAME/install.sh on each node NAME.")
        return exit_codes.OK
    scripts = [f"{role}/install.sh on each {role}" for role in ("server", "agent")
               if any(f.path == f"{role}/install.sh" for f in files)]
    print(f"Next: read {out / 'README.md'}" + (f"; then run {' and '.join(scripts)}." if scripts else "."))
    return exit_codes.OK


def _merge(plan: Any, args: argparse.Namespace) -> int:
    """Update the config.yaml at --merge-into: under a lock, read once, merged and checked in
    memory, written to a temp file that is checked again (it must parse to the intended mapping)
    and must still match what was read, then renamed over the file. A symlink's target is updated
    (the link stays a link). Every printed line has the secrets masked."""
    import os

    from k3stui import fsio
    from k3stui.errors import InputError, WriteRefused
    from k3stui.render.k3s_config import k3s_args, netconf_node_path
    from k3stui.render.merge import MergeRefused, check, merge, unified_diff
    from k3stui.secrets import SECRET_KEYS, data_secrets, mask_yaml, plan_secrets

    path = Path(args.merge_into)
    target = Path(os.path.realpath(path))
    role = args.role or plan.role
    updates = k3s_args(plan, role)
    with fsio.locked(target):
        raw = fsio.read_input(target, "config file") if os.path.lexists(target) else None
        try:
            existing = raw.decode("utf-8") if raw is not None else ""
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not UTF-8 text (offset {exc.start}); save the file as UTF-8") from None
        try:
            result = merge(existing, updates, source=str(path))
        except MergeRefused as exc:
            raise InputError(f"not merged: {exc}") from None
        if not result.changed:
            print(f"{path} already holds this plan's {role} settings; nothing to change.")
            return exit_codes.OK
        secrets = plan_secrets(plan) + data_secrets(result.before)
        diff = unified_diff(mask_yaml(existing, secrets), mask_yaml(result.text, secrets), str(path))
        print(diff, end="")
        hidden = sorted(k for k in result.changed if k in result.before and k.rstrip("+") in SECRET_KEYS)
        if hidden:
            print(f"In {path} secret values change{' too' if diff else ''} (not shown): {', '.join(hidden)}")
        if args.dry_run:
            print(f"Dry run: {path} not changed.")
            return exit_codes.OK
        mode = target.stat().st_mode & 0o7777 if raw is not None else 0o600
        held = sorted(k for k in result.data if k.rstrip("+") in SECRET_KEYS)
        if held and mode & 0o077:
            mode &= 0o700  # a secret must not be readable by other users
            print(f"{path} carries {', '.join(held)}: its mode becomes {mode:04o}.")
        saved = fsio.backup(target, mode) if raw is not None else None

        def read_back(data: bytes) -> None:
            try:
                check(data.decode("utf-8"), result.data, str(path))
            except (MergeRefused, UnicodeDecodeError) as exc:
                raise WriteRefused(f"{path}: not replaced: {exc}") from None

        fsio.atomic_write(target, result.text.encode("utf-8"), mode, check=read_back, expect=raw)
    print(f"Updated {path} with the {role} settings" + (f"; the old file is {saved}." if saved else "."))
    conf = netconf_node_path(plan)
    if conf:
        print(f"It points flannel-conf at {conf}: render it with --out DIR and copy it to every node.")
    return exit_codes.OK


def run(args: argparse.Namespace) -> int:
    problem = _usage_problem(args)
    if problem:
        _say(f"k3stui render: {problem}")
        return exit_codes.INPUT
    from k3stui.commands.check import check_inputs
    from k3stui.secrets import plan_secrets

    plan, found = check_inputs(args)
    secrets = plan_secrets(plan)
    if has_errors(found):
        print_findings(found, secrets=secrets)
        _say("k3stui: nothing rendered: the plan has errors (listed above).")
        return exit_codes.FINDINGS
    if any(f.severity is Severity.WARNING for f in found):
        print_findings([f for f in found if f.severity is not Severity.INFO], secrets=secrets)
    status = exit_codes.OK
    if args.out:
        status = _write_out(plan, args)
    if status == exit_codes.OK and args.ansible:
        from k3stui.commands.ansible_export import export

        status = export(plan, args)
    if status == exit_codes.OK and args.merge_into:
        status = _merge(plan, args)
    if args.explain:
        from k3stui.render.explain import explain, format_explanation

        print(format_explanation(explain(plan)), end="")
    return status
