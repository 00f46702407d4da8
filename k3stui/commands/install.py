"""`k3stui install`: preflight, then (after --dry-run or a yes) write the files and run the K3s
install script. Exit 0 done (or a clean dry run), 1 refused or failed, 130 interrupted."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from k3stui.findings import InputError

if TYPE_CHECKING:
    from k3stui.install.actions import Actions


def _no_plan_inputs(args: argparse.Namespace) -> bool:
    return not (args.preset or args.config or args.config_dir or args.exec_flags)


def prepare(args: argparse.Namespace) -> Actions:
    """Inputs -> Actions (reads the host; changes nothing)."""
    from k3stui.commands.check import check_inputs
    from k3stui.install.airgap import load_bundle
    from k3stui.install.api import prepare as prepare_plan

    for option, folder in (("--root", args.root), ("--airgap", args.airgap)):
        if folder and not Path(folder).is_dir():
            raise InputError(f"{option} {folder}: not a folder")
    bundle = None
    if args.airgap:
        bundle = load_bundle(args.airgap)
        if _no_plan_inputs(args):
            if bundle.plan_file is None:
                raise InputError(f"{args.airgap}: no plan.yaml in the bundle; give --preset FILE")
            args.preset = bundle.plan_file
    plan, findings = check_inputs(args)
    if args.install_script and not Path(args.install_script).is_file():
        raise InputError(f"--install-script {args.install_script}: no such file")
    return prepare_plan(
        plan,
        args.role,
        root=args.root or "/",
        airgap=bundle,
        install_script=args.install_script,
        k3s_version=args.k3s_version,
        findings=findings,
    )


def _confirm(args: argparse.Namespace) -> bool:
    if args.yes:
        return True
    if not sys.stdin.isatty():
        print("k3stui: not a terminal: add --yes to install without a question", file=sys.stderr)
        return False
    try:
        answer = input("Proceed with the install? [y/N] ")
    except EOFError:  # Ctrl-D: no
        print()
        return False
    return answer.strip().lower() in ("y", "yes")


def _undo(args: argparse.Namespace) -> int:
    from k3stui.install.runner import printer, undo_interrupted

    if args.root and not Path(args.root).is_dir():
        raise InputError(f"--root {args.root}: not a folder")
    result = undo_interrupted(args.root or "/", printer())
    print(result.message, file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1


def run(args: argparse.Namespace) -> int:
    from k3stui.install.actions import describe
    from k3stui.install.runner import pending_undo, printer, run_actions

    if args.undo:
        return _undo(args)
    if not args.dry_run and (why := pending_undo(args.root or "/")):
        print(f"k3stui: {why}", file=sys.stderr)
        return 1
    actions = prepare(args)
    if args.dry_run or actions.refused:
        print(describe(actions), end="")
        if actions.refused and not args.dry_run:
            print("k3stui: install refused; nothing was changed", file=sys.stderr)
        return 1 if actions.refused else 0
    print(describe(actions, dry_run=False), end="")
    if not _confirm(args):
        print("k3stui: nothing was changed", file=sys.stderr)
        return 1
    result = run_actions(actions, printer())
    with contextlib.suppress(OSError):  # the terminal may be gone (SIGHUP); the exit code says it
        print(result.message, file=sys.stdout if result.ok else sys.stderr)
    if result.interrupted:
        return 130
    return 0 if result.ok else 1
