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
    if not args.out and not args.merge_into and not args.explain:
        return "say where the files go: --out DIR (every file) or --merge-into PATH (update a config.yaml)"
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
    from k3stui.render.files import render_all

    label = preset_label(args)
    named = {"name": label[0], "description": label[1]} if label else {}
    try:
        files = render_all(plan, k3s_version=args.k3s_version, chart=_chart(plan, args), **named)
        write_tree(args.out, files, force=args.force)
    except (ValueError, WriteRefused) as exc:
        _say(f"k3stui: not written: {exc}")
        return exit_codes.FINDINGS
    out = Path(args.out)
    print(f"Wrote {len(files)} files to {out}/:")
    for f in files:
        where = f" -> {f.dest} on {' and '.join(f.roles)} nodes" if f.dest else ""
        print(f"  {f.path}{where}")
    print(f"Next: read {out / 'README.md'}; then run server/install.sh on each server "
          "and agent/install.sh on each agent.")
    return exit_codes.OK


def _redact(text: str, plan: Any) -> str:
    secret = plan.token.value if plan.token is not None else ""
    return text.replace(secret, "********") if secret else text


def _merge(plan: Any, args: argparse.Namespace) -> int:
    from k3stui.findings import InputError
    from k3stui.fsio import atomic_write, backup
    from k3stui.render.k3s_config import k3s_args, managed_keys, netconf_node_path
    from k3stui.render.merge import merge_config, unified_diff

    path = Path(args.merge_into)
    role = args.role or plan.role
    try:
        existing = path.read_text(encoding="utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read it: {exc}") from exc
    updates = k3s_args(plan, role)
    removals = [k for k in managed_keys(plan, role) if k not in updates]
    try:
        merged = merge_config(existing, updates, removals)
    except ValueError as exc:
        raise InputError(f"{path}: {exc}") from exc
    diff = unified_diff(existing, merged, str(path))
    if not diff:
        print(f"{path} already holds this plan's {role} settings; nothing to change.")
        return exit_codes.OK
    print(_redact(diff, plan), end="")
    if args.dry_run:
        print(f"Dry run: {path} not changed.")
        return exit_codes.OK
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o600
    if "token" in updates and mode & 0o077:
        mode &= 0o700  # a literal join token must not be readable by other users
        print(f"{path} will carry the join token: its mode becomes {mode:04o}.")
    saved = backup(path) if path.exists() else None
    atomic_write(path, merged.encode("utf-8"), mode)
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

    plan, found = check_inputs(args)
    if has_errors(found):
        print_findings(found)
        _say("k3stui: nothing rendered: the plan has errors (listed above).")
        return exit_codes.FINDINGS
    if any(f.severity is Severity.WARNING for f in found):
        print_findings([f for f in found if f.severity is not Severity.INFO])
    status = exit_codes.OK
    if args.out:
        status = _write_out(plan, args)
    if status == exit_codes.OK and args.merge_into:
        status = _merge(plan, args)
    if args.explain:
        from k3stui.render.explain import explain, format_explanation

        print(format_explanation(explain(plan)), end="")
    return status
