"""`k3stui bundle`: an air-gapped install bundle. Exit 0 complete, 1 the plan has errors or
artifacts are missing (the bundle is still written, its README names what to add), 2 bad input."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from k3stui import exit_codes
from k3stui.install.bundle import Wheels, pip_wheels


class ProgressLine:
    """Packing progress on standard error, every 10% of a large archive (small ones stay quiet)."""

    def __init__(self, stream: TextIO | None = None, *, at_least: int = 64 << 20) -> None:
        self._stream, self._at_least, self._shown = stream, at_least, -1

    def __call__(self, done: int, total: int, name: str) -> None:
        if total < self._at_least:
            return
        step = done * 10 // total
        if step != self._shown:
            self._shown = step
            print(f"bundle: packing {step * 10}% ({name})", file=self._stream or sys.stderr, flush=True)


def _wheels(dest: Path) -> Wheels:
    print("bundle: building k3stui's wheels with pip (needs the package registry)...", file=sys.stderr)
    return pip_wheels(dest)


def run(args: argparse.Namespace) -> int:
    from k3stui.commands.check import check_inputs
    from k3stui.findings import InputError, has_errors
    from k3stui.fsio import WriteRefused
    from k3stui.install.bundle import make_bundle
    from k3stui.report import format_findings

    plan, findings = check_inputs(args)
    if has_errors(findings):
        print(format_findings(findings), file=sys.stderr)
        print("k3stui: bundle not written: fix the plan's errors first", file=sys.stderr)
        return exit_codes.FINDINGS
    try:
        report = make_bundle(
            plan, args.out, artifacts_dir=args.artifacts, force=args.force, k3s_version=args.k3s_version,
            wheels=None if args.no_wheels else _wheels, progress=ProgressLine(),
        )
    except WriteRefused as exc:
        if isinstance(exc, OSError):  # fsio.WriteFailed: the system refused the write (named in it)
            raise InputError(f"cannot write the bundle: {exc}; choose another --out") from None
        raise InputError(str(exc)) from None
    except OSError as exc:  # no such parent folder, no permission, disk full
        where = f" {exc.filename}:" if exc.filename else ""
        why = exc.strerror or exc
        raise InputError(f"cannot write the bundle:{where} {why}; choose another --out") from None
    print(f"bundle: {report.path} ({len(report.files)} files), archive: {report.tarball}")
    if report.wheel_problem:
        print(f"k3stui is not in the bundle: {report.wheel_problem}; its README shows the by-hand "
              "install first", file=sys.stderr)
    for name in report.ignored:
        print(f"ignored in --artifacts (not a K3s artifact or chart): {name}")
    if report.missing:
        print("missing (the bundle cannot install until you add them; see its README):", file=sys.stderr)
        for m in report.missing:
            print(f"  - {m}", file=sys.stderr)
        return exit_codes.FINDINGS
    return exit_codes.OK
