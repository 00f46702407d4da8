"""`k3stui doctor`: after the install, prove the network is the planned one.

Layers: the cluster through kubectl (default), this node (--node), every node through a read-only
probe DaemonSet (--all-nodes), the connectivity test (--connectivity), and the pre-install host
checks alone (--preflight). Exit 0: nothing failed; 1: a check failed; 2: unusable input (the plan,
the inventory, an unreachable cluster).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from k3stui import exit_codes
from k3stui.errors import InputError

if TYPE_CHECKING:
    from k3stui.doctor.session import Request

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h)?$")


def parse_duration(text: str) -> float:
    """`90s`, `2m`, `1h`, `500ms`, or plain seconds."""
    m = _DURATION.match(text.strip())
    if not m:
        raise InputError(f"--wait {text!r}: not a duration; write e.g. 90s, 2m or 1h")
    value, unit = float(m.group(1)), m.group(2) or "s"
    return value * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]


def build_request(args: argparse.Namespace) -> Request:
    """Arguments -> a session Request (reads the plan, the inventory; contacts nothing)."""
    import os
    from dataclasses import replace

    from k3stui.commands.check import check_inputs
    from k3stui.doctor import manifests
    from k3stui.doctor.inventory import parse_inventory
    from k3stui.doctor.kubectl import Kubectl
    from k3stui.doctor.session import Request
    from k3stui.importers.yamlio import load_yaml
    from k3stui.inputs import read_text

    plan, _ = check_inputs(args)
    kubeconfig, context, node_ips = args.kubeconfig, args.context, {}
    if args.inventory:
        inv = parse_inventory(
            load_yaml(read_text(args.inventory, "inventory"), args.inventory), args.inventory
        )
        plan = replace(plan, nodes=inv.nodes, k3s_version=plan.k3s_version or inv.k3s_version)
        context = context or inv.context
        if kubeconfig is None and inv.kubeconfig and Path(inv.kubeconfig).expanduser().is_file():
            kubeconfig = str(Path(inv.kubeconfig).expanduser())
        node_ips = inv.node_ips
    if args.root and not Path(args.root).is_dir():
        raise InputError(f"--root {args.root}: not a folder")
    if kubeconfig and not Path(kubeconfig).is_file():
        raise InputError(f"--kubeconfig {kubeconfig}: no such file")
    only_node = args.node and not (args.all_nodes or args.connectivity)
    kubectl = Kubectl.find(kubeconfig, context, args.root or "/")
    return Request(
        plan=plan,
        k3s_version=args.k3s_version,
        node=args.node,
        cluster=not only_node,
        all_nodes=args.all_nodes,
        connectivity=args.connectivity,
        node_name=args.node_name,
        root=args.root or "/",
        kubectl=kubectl,
        image=args.image or manifests.DEFAULT_IMAGE,
        keep=args.keep,
        node_ips=node_ips,
        peers_from_api=bool(kubectl.kubeconfig or context or os.environ.get("KUBECONFIG")),
    )


def _preflight(args: argparse.Namespace) -> int:
    """--preflight: the host network checks alone, on this host (the installer runs them too)."""
    import json
    import os

    from k3stui.commands.check import check_inputs
    from k3stui.doctor.collect_host import probe_cacerts, read_facts
    from k3stui.doctor.preflight_checks import NetworkFacts, run_network_checks
    from k3stui.findings import has_errors
    from k3stui.report import format_findings, use_colour

    plan, _ = check_inputs(args)
    facts: NetworkFacts = read_facts(plan, args.role or plan.role, os.environ, root=args.root or "/")
    if args.probe_server and facts.role == "agent" and plan.server:
        from dataclasses import replace

        facts = replace(facts, cacerts=probe_cacerts(plan.server))
    found = run_network_checks(facts)
    if args.format == "json":
        json.dump({"findings": [f.to_dict() for f in found]}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        text = format_findings(found, colour=use_colour(sys.stdout)).splitlines()[:-1]
        errors = sum(1 for f in found if f.severity.value == "error")
        print("\n".join([*text, f"host network checks: {errors} error(s), {len(found) - errors} other(s)"]))
    return exit_codes.FINDINGS if has_errors(found) else exit_codes.OK


def run(args: argparse.Namespace) -> int:
    if args.preflight:
        return _preflight(args)
    from k3stui.doctor.report import format_text, to_json
    from k3stui.doctor.session import run_until_green
    from k3stui.report import use_colour

    req = build_request(args)
    timeout = parse_duration(args.wait) if args.wait else None
    report = run_until_green(req, timeout)
    if not report.results and report.notes:
        for note in report.notes:
            print(f"k3stui: error: {note}", file=sys.stderr)
        print(
            "k3stui: fix: give --kubeconfig / --context (on a server, run as root to use K3s's own), "
            "or use --node for this node alone",
            file=sys.stderr,
        )
        return exit_codes.INPUT
    if args.format == "json":
        sys.stdout.write(to_json(report.results, report.notes))
    else:
        for note in report.notes:
            print(f"note: {note}")
        print(format_text(report.results, colour=use_colour(sys.stdout)))
    from k3stui.doctor.results import exit_code

    return exit_code(report.results)
