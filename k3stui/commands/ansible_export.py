"""`k3stui render --ansible DIR [--airgap ARTIFACTS]`: write the k3s-ansible folder that
`render.ansible.render_ansible` computes. A re-export replaces only the files the previous one
generated (listed in its mark file) and never a file the user owns or added."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from k3stui import exit_codes
from k3stui.errors import WriteRefused
from k3stui.render.ansible import EXPORT_MARK, INVENTORY, WRAPPER, AirgapArtifact, ExportFile


def _previous(out: Path) -> list[str] | None:
    """The files the previous export generated; None when `out` holds no k3stui export."""
    try:
        data = json.loads((out / EXPORT_MARK).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    listed = data.get("generated") if isinstance(data, dict) else None
    return [p for p in listed if isinstance(p, str)] if isinstance(listed, list) else None


def write_export(out_dir: str | Path, files: Sequence[ExportFile], *, force: bool = False) -> list[str]:
    """Write an export; returns the stale generated files it removed. A non-empty folder that is
    not a k3stui export is refused unless `force`; user-owned files are written only when absent."""
    from k3stui.fsio import under_root, write_tree

    out = Path(out_dir)
    previous = _previous(out) if out.is_dir() else None
    if out.is_dir() and any(out.iterdir()) and previous is None and not force:
        raise WriteRefused(f"{out} is not empty and holds no k3stui export; choose an empty folder or add "
                           "--force (files k3stui does not generate are never replaced)")
    user = [f for f in files if f.user_owned and not (out / f.path).exists()]
    write_tree(out, [f for f in files if not f.user_owned] + user, force=True)
    now = {f.path for f in files}
    removed = []
    for rel in previous or ():
        if rel not in now:
            target = under_root(out, rel)
            if target.is_file():
                target.unlink()
                removed.append(rel)
    return removed


def _airgap(folder: str, version: str, chart: list[Any]) -> tuple[list[AirgapArtifact], list[Any], list[str]]:
    """The artifacts to lay out, the chart files with upstream charts embedded, what is missing."""
    from dataclasses import replace

    from k3stui import defaults
    from k3stui.findings import InputError
    from k3stui.install import airgap
    from k3stui.install.bundle import check_binary_version, scan_artifacts

    artifacts, ignored = scan_artifacts(folder)
    for name in ignored:
        print(f"ignored in --airgap (not a K3s artifact or chart): {name}", file=sys.stderr)
    archives = [a.chart for a in artifacts if a.chart is not None]
    missing: list[str] = []
    embedded = []
    for f in chart:
        if f.dest and f.dest.startswith(defaults.AUTO_DEPLOY_DIR + "/"):
            content, miss = airgap.embed_in_manifest(f.content, archives)
            missing += [f"chart {m} (its .tgz)" for m in miss]
            f = replace(f, content=content)
        embedded.append(f)
    kinds = {a.kind for a in artifacts}
    if "binary" not in kinds:
        missing.append("k3s (the K3s binary)")
    if "images" not in kinds:
        missing.append("k3s-airgap-images-<arch>.tar.zst")
    for a in artifacts:
        if a.kind == "binary":
            problem = check_binary_version(a.source, version)
            if problem:
                raise InputError(f"--airgap {folder}: {problem}")
    laid = [AirgapArtifact(a.name, a.kind, a.source) for a in artifacts if a.kind != "chart"]
    if "install-script" not in kinds:
        print("note: no install.sh / k3s-install.sh in --airgap: k3s-ansible downloads one on the "
              "controller (from https://get.k3s.io)", file=sys.stderr)
    return laid, embedded, missing


def export(plan: Any, args: argparse.Namespace) -> int:
    from k3stui.chart import chart_export_files
    from k3stui.render.ansible import render_ansible
    from k3stui.versions import resolve

    version = str(resolve(args.k3s_version or plan.k3s_version))
    chart = [] if args.no_chart else chart_export_files(plan, k3s_version=args.k3s_version)
    laid, missing = None, []
    if args.airgap:
        laid, chart, missing = _airgap(args.airgap, version, chart)
    try:
        files = render_ansible(plan, k3s_version=args.k3s_version, chart_files=chart, airgap=laid)
    except ValueError as exc:  # a plan k3s-ansible cannot install
        print(f"k3stui: not exported: {exc}", file=sys.stderr)
        return exit_codes.FINDINGS
    try:
        removed = write_export(args.ansible, files, force=args.force)
    except OSError as exc:  # fsio's WriteFailed too: a file in the way, no permission, disk full
        from k3stui.findings import InputError

        if isinstance(exc, WriteRefused):
            detail = str(exc)  # fsio's message names the path and the fix
        else:
            detail = (f"{exc.filename}: " if exc.filename else "") + (exc.strerror or str(exc))
        raise InputError(f"cannot write the k3s-ansible folder: {detail}; "
                         "choose another --ansible DIR") from None
    except WriteRefused as exc:  # a folder holding something else: nothing written
        print(f"k3stui: not exported: {exc}", file=sys.stderr)
        return exit_codes.INPUT
    out = Path(args.ansible)
    print(f"Wrote a k3s-ansible folder to {out}/:")
    for f in files:
        print(f"  {f.path}" + (" (yours: kept if it exists)" if f.user_owned else ""))
    for rel in removed:
        print(f"  removed {rel} (generated by the previous export, no longer needed)")
    playbook = WRAPPER if any(f.path == WRAPPER for f in files) else "k3s.orchestration.site"
    print(f"Next: cd {out} && ansible-playbook {playbook} -i {INVENTORY}   (see README.md)")
    if missing:
        print("missing in --airgap (k3s-ansible cannot install air-gapped until you add them):",
              file=sys.stderr)
        for m in missing:
            print(f"  - {m}", file=sys.stderr)
        return exit_codes.FINDINGS
    return exit_codes.OK
