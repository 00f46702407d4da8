"""K3s version: parsable, known, and new enough for the IP family and every flag the plan uses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from k3stui import plan as p
from k3stui.findings import Finding
from k3stui.flags import FLAGS
from k3stui.rules.context import Context
from k3stui.rules.registry import NET, E, N, W, emit, register, rule
from k3stui.versions import (
    FEATURES,
    NEWEST_KNOWN,
    OLDEST_KNOWN,
    K3sVersion,
    flag_changes,
    flag_state,
    has,
    unsure,
)

# Emitted by validate() itself, before any rule runs.
register(E("VER001", "k3s-version", "K3s version not parsable", "versions.py (vMAJOR.MINOR.PATCH+k3sN)"))

_NEWEST = K3sVersion.parse(NEWEST_KNOWN)
_OLDEST = K3sVersion.parse(OLDEST_KNOWN)


def _used(plan: p.Plan, name: str, field: str | None) -> bool:
    value: Any = p.get_value(plan, field) if field else plan.extra.get(name)
    return value not in (None, False, "", (), [])


def _first(added: tuple[str, ...], v: K3sVersion) -> list[str]:
    """The releases after `v` where the flag appeared (its line's first, then newer lines')."""
    return [r for r in added if K3sVersion.parse(r) > v]


@rule(
    E("VER002", "k3s-version", "flag used on a K3s version that lacks it",
      f"k3stui/release_history.py (K3s pkg/cli/cmds per release); flags.py since; {NET} §1",
      doc="K3s before the release that added a flag refuses it on the command line ('flag provided "
      "but not defined') and skips it in a config file, so the setting is lost. The flag history is "
      "read from K3s's own flag definitions at each release (scripts/release_history.py). Fix: upgrade "
      "K3s to the release the message names, or remove the flag."),
    W("VER003", "k3s-version", "flag may be missing from this K3s version (release not read)",
      f"k3stui/release_history.py; flags.py since; {NET} §11",
      doc="The flag appeared in a newer release; the history has no release of this patch line at or "
      "after the targeted one, so a backport cannot be ruled out. Fix: check 'k3s server --help' on "
      "that release, or upgrade K3s."),
)
def flag_gates(ctx: Context) -> Iterator[Finding]:
    v = ctx.version
    for flag in FLAGS.values():
        if not _used(ctx.plan, flag.name, flag.field):
            continue
        state = flag_state(flag.name, v)
        if state in (None, "present"):
            continue
        maybe = unsure(flag.name)
        later = [r for r in flag_changes(flag.name)[0] if r in maybe and r == str(v)] or \
            _first(flag_changes(flag.name)[0], v)
        if not later:
            continue  # it existed before and is gone: VER009
        if flag.since:  # the backports the history did not read, in release order
            later = sorted({*later, *_first(FEATURES[flag.since].releases, v)}, key=K3sVersion.parse)
        named = [f"{r} (or the patch after)" if r in maybe else r for r in later]
        text = f"--{flag.name} first appeared in {', '.join(named)}; this plan targets {v}"
        if state == "unknown":
            gate = FEATURES[flag.since] if flag.since else None
            if gate is not None and gate.reached(v):
                continue  # a known backport to a patch the history did not read
            if gate is None or not gate.confirmed:
                why = ("the history read it from its Kubernetes bump, not its tag" if str(v) in maybe
                       else f"a later {v.major}.{v.minor} patch than the flag history read")
                yield emit("VER003", f"{text}; {why}: it may lack the flag",
                           f"Check 'k3s server --help' on {v}, or upgrade K3s.", flag.name)
                continue
        yield emit("VER002", f"{text}: K3s {v} refuses it on the command line and skips it in a config "
                             "file", f"Upgrade K3s to {later[0]} or later, or remove {flag.name}.", flag.name)


@rule(
    E("VER009", "k3s-version", "flag used on a K3s version that removed it",
      f"flags.py removed; k3stui/release_history.py; versions.py; {NET} §1",
      doc="A flag K3s removed is fatal on the command line "
      "(deprecated then 'no longer supported', later 'flag provided but not defined'); in a config file a "
      "removed key is skipped, so its setting is lost. Older releases still accept it. Fix: write the "
      "replacement the message names."),
)
def removed_flags(ctx: Context) -> Iterator[Finding]:
    v = ctx.version
    for flag in FLAGS.values():
        if not _used(ctx.plan, flag.name, flag.field) or flag.name == "no-flannel":
            continue  # no-flannel has its own rule (FLANNEL011)
        fix = f"Use {flag.replaced_by} instead." if flag.replaced_by else f"Remove {flag.name}."
        if flag.removed is not None:  # fatal while still defined: the release notes' date
            gate = FEATURES[flag.removed]
            if gate.reached(v):
                yield emit("VER009", f"{flag.name} is fatal on K3s {v} (since {gate.describe()}); in a "
                                     "config file later releases skip it, so the setting is lost", fix,
                           flag.name)
            continue
        added, gone = flag_changes(flag.name) if flag_state(flag.name, v) == "absent" else ((), ())
        if added and not _first(added, v):
            went = [r for r in gone if K3sVersion.parse(r) <= v]
            yield emit("VER009", f"--{flag.name} is gone from K3s {v} (removed in {', '.join(went)}): K3s "
                                 "refuses it on the command line and skips it in a config file", fix,
                       flag.name)


@rule(
    E("VER004", "cluster-cidr", "IPv6-only cluster on a K3s version without IPv6-only support",
      f"{NET} §3 (v1.22.9+k3s1)"),
    E("VER005", "cluster-cidr", "dual-stack cluster on a K3s version without dual-stack",
      f"{NET} §3 (v1.21.0+k3s1)"),
    W("VER006", "cluster-cidr", "dual-stack is experimental on this K3s version",
      f"{NET} §3 (stable v1.23.7+k3s1)"),
)
def family_gates(ctx: Context) -> Iterator[Finding]:
    family = p.ip_family(ctx.plan)
    v = ctx.version
    if family == "ipv6" and not has("ipv6-only", v):
        yield emit("VER004", f"an IPv6-only cluster needs K3s {FEATURES['ipv6-only'].describe()} or later; "
                             f"this plan is for {v}", "Upgrade K3s, or use dual-stack.")
    elif family == "dual":
        if not has("dual-stack", v):
            yield emit("VER005", f"dual-stack needs K3s {FEATURES['dual-stack'].describe()} or later; this "
                                 f"plan is for {v}", "Upgrade K3s, or use a single IP family.")
        elif not has("dual-stack-stable", v):
            yield emit("VER006", f"dual-stack is experimental on K3s {v} (stable from "
                                 f"{FEATURES['dual-stack-stable'].describe()})",
                       "Upgrade K3s for supported dual-stack.")


@rule(
    N("VER007", "k3s-version", "K3s version newer than the rule table knows", "versions.py NEWEST_KNOWN"),
    W("VER008", "k3s-version", "K3s version older than the rule table describes", "versions.py OLDEST_KNOWN"),
)
def known_range(ctx: Context) -> Iterator[Finding]:
    if ctx.version > _NEWEST:
        yield emit("VER007", f"K3s {ctx.version} is newer than {NEWEST_KNOWN}, the newest release these "
                             "rules know; checks follow that release", "")
    elif ctx.version < _OLDEST:
        yield emit("VER008", f"K3s {ctx.version} predates {OLDEST_KNOWN} (config file support); these rules "
                             "do not describe it", "Upgrade K3s.")
