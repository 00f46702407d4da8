"""`k3stui check`: the command-line twin of the TUI's live validation."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from k3stui import exit_codes
from k3stui.findings import Finding, has_errors, sort_findings


def check_inputs(args: argparse.Namespace) -> tuple[Any, list[Finding]]:
    """The plan with its implied values applied (what render and install use) and every finding
    (importers', implications', rules'), sorted. Raises InputError."""
    from k3stui.inputs import plan_from_args_namespace, server_plans
    from k3stui.rules import evaluate

    plan, found = plan_from_args_namespace(args)
    version = getattr(args, "k3s_version", None)
    names = [str(path) for path in getattr(args, "server_config", None) or []]
    plan, judged = evaluate(plan, k3s_version=version, servers=server_plans(args), server_names=names)
    return plan, sort_findings(found + judged)


def plan_summary(plan: Any, version: str | None) -> dict[str, Any]:
    """The plan as the preset's data, plus the values K3s will actually use."""
    from k3stui import effective
    from k3stui.presets import plan_to_data
    from k3stui.records import replace
    from k3stui.versions import NEWEST_KNOWN

    # The token never leaves the process; say only that one was given.
    data = plan_to_data(replace(plan, token=None))
    if plan.token is not None:
        data["token"] = str(plan.token)
    # The values K3s runs with, normalised as K3s compares them (the function HA001 and the
    # installer's preflight use): 10.42.1.0/16 shows as 10.42.0.0/16.
    data["effective"] = {"k3s-version": version or plan.k3s_version or NEWEST_KNOWN,
                         **effective.summary(plan)}
    return data


def run(args: argparse.Namespace) -> int:
    from k3stui.secrets import mask_data, mask_text, plan_secrets

    plan, found = check_inputs(args)
    secrets = plan_secrets(plan)
    if args.format == "json":
        import json

        out = {
            "findings": [f.to_dict() for f in found],
            "plan": plan_summary(plan, args.k3s_version),
        }  # masked by key before dumping, then by value (a secret quoted in a message)
        sys.stdout.write(mask_text(json.dumps(mask_data(out), indent=2), secrets) + "\n")
    else:
        from k3stui.report import print_findings

        print_findings(found, secrets=secrets)
    return exit_codes.FINDINGS if has_errors(found) else exit_codes.OK
