"""`k3stui install`: preflight, then (after --dry-run or a yes) write the files and run the K3s
install script. Exit (exit_codes.py): 0 done (or a clean dry run), 1 refused or failed, 2 unusable
input, 130 interrupted. The plan of action comes from the one `install.api.prepare`."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from k3stui import exit_codes
from k3stui.errors import InputError

if TYPE_CHECKING:
    from k3stui.install.actions import Actions
    from k3stui.plan import Plan


def _no_plan_inputs(args: argparse.Namespace) -> bool:
    return not (args.preset or args.config or args.config_dir or args.exec_flags)


def prepare(args: argparse.Namespace) -> Actions:
    """Inputs -> Actions (reads the host; changes nothing)."""
    from k3stui.commands.check import check_inputs
    from k3stui.install.airgap import load_bundle
    from k3stui.install.api import PrepareRequest
    from k3stui.install.api import prepare as prepare_request

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
    role = args.role
    if getattr(args, "node", None):
        plan, role = _node_plan(plan, args.node, role)
    if args.install_script and not Path(args.install_script).is_file():
        raise InputError(f"--install-script {args.install_script}: no such file")
    try:
        return prepare_request(
            PrepareRequest(
                plan,
                role,
                root=args.root or "/",
                airgap=bundle,
                install_script=args.install_script,
                k3s_version=args.k3s_version,
                findings=findings,
            )
        )
    except ValueError as exc:  # the renderer refuses a node path it cannot place: bad input, exit 2
        raise InputError(f"the plan cannot be installed: {exc}; 'k3stui check' lists its errors") from None


def _node_plan(plan: Plan, name: str, role: str | None) -> tuple[Plan, str]:
    """--node NAME: the plan and role of that node (as `render --per-node` renders it)."""
    from k3stui.render.per_node import plan_for_node

    try:
        mine = plan_for_node(plan, name)
    except ValueError as exc:
        raise InputError(f"--node {name}: {exc}") from None
    if role and role != mine.role:
        raise InputError(f"--node {name} is a {mine.role} in the plan, not a {role}; drop --role")
    return mine, mine.role


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


def _say(text: str, *, err: bool = False) -> None:
    # A terminal that went away (SIGHUP) must not stop the undo: write errors are dropped.
    with contextlib.suppress(OSError, ValueError):
        print(text, file=sys.stderr if err else sys.stdout, flush=True)


def print_event(event: object) -> None:
    """The CLI's subscriber to the runner's typed events (install/events.py): one line per step,
    the script's output indented under it. Texts arrive masked."""
    from k3stui.install import events as ev

    if isinstance(event, ev.StepStarted):
        _say(f"[{event.index}/{event.total}] {event.title}")
    elif isinstance(event, ev.OutputLine):
        _say(f"    {event.text}", err=event.stream == "stderr")
    elif isinstance(event, ev.StepDone) and not event.changed:
        _say("    unchanged")
    elif isinstance(event, ev.StepFailed):
        _say(f"    failed: {event.reason}", err=True)
    elif isinstance(event, ev.Undone):
        for what in event.restored:
            _say(f"undone: {what}", err=True)
        for problem in event.problems:
            _say(f"NOT undone: {problem}", err=True)
    # Finished: its message is printed once the run returns.


def _undo(args: argparse.Namespace) -> int:
    from k3stui.install.runner import undo_interrupted

    if args.root and not Path(args.root).is_dir():
        raise InputError(f"--root {args.root}: not a folder")
    result = undo_interrupted(args.root or "/", print_event)
    _say(result.message, err=not result.ok)
    return exit_codes.OK if result.ok else exit_codes.FINDINGS


def run(args: argparse.Namespace) -> int:
    from k3stui.install.actions import describe
    from k3stui.install.runner import pending_undo, run_actions

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
        return exit_codes.FINDINGS if actions.refused else exit_codes.OK
    print(describe(actions, dry_run=False), end="")
    if not _confirm(args):
        print("k3stui: nothing was changed", file=sys.stderr)
        return exit_codes.FINDINGS
    result = run_actions(actions, print_event)
    with contextlib.suppress(OSError):  # the terminal may be gone (SIGHUP); the exit code says it
        print(result.message, file=sys.stdout if result.ok else sys.stderr)
    if result.interrupted:
        return exit_codes.INTERRUPTED
    return exit_codes.OK if result.ok else exit_codes.FINDINGS
