"""Every doctor check, in one list: importing this registers them (and the preflight network
checks) in the rule registry; `run(ctx)` calls each on one context. Pure."""

from __future__ import annotations

from k3stui.doctor import cluster_checks, connectivity, node_checks, preflight_checks  # noqa: F401
from k3stui.doctor.observations import DoctorContext
from k3stui.doctor.results import Result
from k3stui.rules.registry import HOST_CHECKS


def run(ctx: DoctorContext) -> list[Result]:
    out: list[Result] = []
    for fn in HOST_CHECKS["doctor"]:
        out.extend(r for r in fn(ctx) if isinstance(r, Result))
    return out
