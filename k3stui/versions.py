"""K3s versions and the ONE table of what each version supports.

Every version-dependent rule reads `FEATURES`; nothing else in k3stui hard-codes a K3s version.
Facts and their sources are in `../shared/reference/k3s-network.md`; entries marked
`confirmed=False` are the reference's UNCONFIRMED items (best known first tag).

A `Gate` lists, per minor line, the first patch release that has the change. A version of a
listed minor has it from that patch on; a version of a newer minor than every listed one has it;
a version of an unlisted minor between listed ones has it when an older minor is listed (the
change was backported across), else not.
"""

from __future__ import annotations

import re
from functools import cache, total_ordering
from typing import Literal

from k3stui.records import field, record

_VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:[-+]k3s(\d+))?$")


@total_ordering
@record
class K3sVersion:
    major: int
    minor: int
    patch: int
    k3s: int = 1

    @classmethod
    def parse(cls, text: str) -> K3sVersion:
        """Parse `v1.30.6+k3s1` (also `1.30.6`, `v1.30.6-k3s1`). Raises ValueError."""
        m = _VERSION_RE.match(text.strip())
        if not m:
            raise ValueError(
                f"{text!r} is not a K3s version; write it as vMAJOR.MINOR.PATCH+k3sN, e.g. {NEWEST_KNOWN}"
            )
        major, minor, patch, k3s = m.groups()
        return cls(int(major), int(minor), int(patch), int(k3s or 1))

    @property
    def line(self) -> tuple[int, int]:
        return (self.major, self.minor)

    def _key(self) -> tuple[int, int, int, int]:
        return (self.major, self.minor, self.patch, self.k3s)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, K3sVersion):
            return NotImplemented
        return self._key() < other._key()

    def __str__(self) -> str:
        return f"v{self.major}.{self.minor}.{self.patch}+k3s{self.k3s}"


@record
class Gate:
    """When a change reached K3s: the first release per minor line."""

    releases: tuple[str, ...]
    source: str
    confirmed: bool = True
    _parsed: tuple[K3sVersion, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_parsed", tuple(sorted(K3sVersion.parse(r) for r in self.releases))
        )

    @property
    def first(self) -> K3sVersion:
        return self._parsed[0]

    def reached(self, v: K3sVersion) -> bool:
        same_line = [r for r in self._parsed if r.line == v.line]
        if same_line:
            return v >= same_line[0]
        return any(r.line < v.line for r in self._parsed)

    def describe(self) -> str:
        text = ", ".join(str(r) for r in self._parsed)
        return text if self.confirmed else f"{text} (unconfirmed)"


# The newest K3s release this table knows; rules use it when no version is given. It lives in
# defaults.py (the parser's help quotes it, and building the parser must not import this table).
from k3stui.defaults import NEWEST_KNOWN  # noqa: E402

# Oldest K3s line whose behaviour this table describes (config file support).
OLDEST_KNOWN = "v1.19.1+k3s1"

FEATURES: dict[str, Gate] = {
    "config-file": Gate(("v1.19.1+k3s1",), "docs installation/configuration.md"),
    "config-drop-ins": Gate(("v1.21.0+k3s1",), "#3205", confirmed=False),
    "dual-stack": Gate(("v1.21.0+k3s1",), "docs networking/basic-network-options.md (experimental)"),
    "dual-stack-stable": Gate(("v1.23.7+k3s1",), "docs networking/basic-network-options.md"),
    "ipv6-only": Gate(("v1.22.9+k3s1",), "docs networking/basic-network-options.md"),
    "wireguard-native": Gate(("v1.23.6+k3s1",), "#5391; hetzner-k3s#79 (1.21/1.22 backports unconfirmed)"),
    "flannel-external-ip": Gate(("v1.23.13+k3s1", "v1.24.7+k3s1"), "#6321, #6322, #6323"),
    "flannel-cni-conf": Gate(
        ("v1.22.11+k3s1", "v1.23.8+k3s1", "v1.24.2+k3s1"),
        "#5656, #5682, #5684", confirmed=False,
    ),
    "egress-selector-mode": Gate(("v1.23.7+k3s1", "v1.24.1+k3s1"), "#5577, #5603", confirmed=False),
    "create-namespace": Gate(("v1.26.6+k3s1", "v1.27.3+k3s1"), "helm-controller v0.15.0 (release notes)"),
    "vpn-auth": Gate(
        ("v1.25.11+k3s1", "v1.26.6+k3s1", "v1.27.3+k3s1"),
        "docs networking/distributed-multicloud.md",
    ),
    "embedded-registry": Gate(
        ("v1.26.13+k3s1", "v1.27.10+k3s1", "v1.28.6+k3s1", "v1.29.1+k3s1"),
        "docs installation/registry-mirror.md",
    ),
    "static-cni-bin-dir": Gate(
        ("v1.28.15+k3s1", "v1.29.10+k3s1", "v1.30.6+k3s1", "v1.31.2+k3s1"),
        "#10868", confirmed=False,
    ),
    "flannel-conf-mtu": Gate(("v1.26.3+k3s1",), "flannel v0.21.3 bundled (release notes k3s-v1.26.md)"),
    "service-cidr-uncapped": Gate(
        ("v1.34.0+k3s1",), "Kubernetes 1.34: MultiCIDRServiceAllocator and DisableAllocatorDualWrite on "
        "(KEP-1880); k3s-oracle v1.34.3 accepts a 10.0.0.0/8 service-cidr",
    ),
    "dual-stack-node-ip-check": Gate(("v1.23.0+k3s1",), "#5958 (the node-ip/cluster-cidr family check "
                                     "exists from 1.23, not in 1.22)", confirmed=False),
    # A bug: with node-ip unset, auto-detection found only the IPv4 address, so the dual-stack check
    # (cluster-cidr and node-ip must share the same IP version) failed. #5918 (found on master, 1.24),
    # #5943 (replicated on v1.23.9+k3s1); first affected releases per line unconfirmed.
    "dual-stack-autodetect-ipv4-only": Gate(("v1.23.9+k3s1", "v1.24.3+k3s1"), "#5918, #5943",
                                            confirmed=False),
    "dual-stack-autodetect-fixed": Gate(("v1.23.10+k3s1", "v1.24.4+k3s1"),
                                        "#5920 (fix), #5943 (1.23 backport)"),
    # Removals: the gate is the first release where the thing is fatal or gone.
    # #6069 made --cluster-secret, --no-deploy and --no-flannel fatal in v1.25.0 (release note: "no
    # longer supported ... will cause fatal errors"); #6574 removed them and --disable-selinux in v1.26.0.
    "no-flannel-removed": Gate(("v1.25.0+k3s1",), "#6069 (fatal), #6574 (removed in v1.26.0)"),
    "no-deploy-removed": Gate(("v1.25.0+k3s1",), "#6069 ('no-deploy flag is deprecated. Use --disable "
                                                 "instead.'), #6574 (removed in v1.26.0)"),
    "cluster-secret-removed": Gate(("v1.25.0+k3s1",), "#6069 (fatal), #6574 (removed in v1.26.0)"),
    "disable-selinux-removed": Gate(("v1.26.0+k3s1",), "#6574"),
    "wireguard-legacy-deprecated": Gate(("v1.23.6+k3s1",), "#6440 (deprecated when wireguard-native landed)"),
    "wireguard-legacy-removed": Gate(("v1.26.0+k3s1",), "#6440, #6574 (fatal from v1.26.0)"),
    "ipsec-unbundled": Gate(
        ("v1.23.15+k3s1", "v1.24.9+k3s1", "v1.25.5+k3s1", "v1.26.0+k3s1"),
        "docs basic-network-options.md; #6598",
    ),
    "ipsec-removed": Gate(("v1.27.0+k3s1",), "#6598 (fatal from v1.27), #8203 (code removed v1.28.0)"),
    "backend-option-syntax-removed": Gate(("v1.27.0+k3s1",), "#6598, #8203"),
    # Packaged manifests on patch releases release_history.py did not read (it read 1.26 to v1.26.7,
    # 1.27 to v1.27.4, 1.28 to v1.28.4): runtimes.yaml (RuntimeClasses) came with #8936 in v1.29.0;
    # its release-1.26 backport (a8cd920cf) precedes the v1.26.12 bump; the 1.27/1.28 backports of
    # the same December 2023 batch are assumed.
    "runtimes-manifest": Gate(("v1.26.12+k3s1", "v1.27.9+k3s1", "v1.28.5+k3s1", "v1.29.0+k3s1"),
                              "#8936; release-1.26 a8cd920cf", confirmed=False),
}


def has(feature: str, version: K3sVersion) -> bool:
    return FEATURES[feature].reached(version)


def resolve(text: str | None) -> K3sVersion:
    """The version rules apply to: the given one, else the newest known."""
    return K3sVersion.parse(text) if text else K3sVersion.parse(NEWEST_KNOWN)


# --- flags and packaged manifests per release (k3stui/release_history.py, generated from K3s) ---
State = Literal["present", "absent", "unknown"]
Changes = tuple[tuple[str, ...], tuple[str, ...]]  # (releases where it appeared, where it went)


@cache
def _read_releases() -> tuple[K3sVersion, ...]:
    from k3stui.release_history import RELEASES

    return tuple(sorted(K3sVersion.parse(r) for r in RELEASES))


@cache
def _events(history: Changes) -> tuple[tuple[K3sVersion, bool], ...]:
    added, gone = history
    changes = [(K3sVersion.parse(r), True) for r in added] + [(K3sVersion.parse(r), False) for r in gone]
    return tuple(sorted(changes))


def _present(events: tuple[tuple[K3sVersion, bool], ...], v: K3sVersion) -> bool:
    """What the history says for `v`: the last change at or before it in its minor line, else what
    the older lines left (a line's change before its first listed one: the opposite of that one)."""
    same = [e for e in events if e[0].line == v.line]
    if same:
        before = [present for r, present in same if r <= v]
        return before[-1] if before else not same[0][1]
    older = [present for r, present in events if r.line < v.line]
    return older[-1] if older else False


def _state(name: str, changes: Changes, v: K3sVersion) -> State:
    """"absent" only where a release of v's line at or after v was read without it, or v is newer
    than every release read; "unknown" when v is a later patch of its line than any read (a
    backport there cannot be seen), or a release read from a Kubernetes bump whose window the name
    came or went in (release_history.UNSURE)."""
    if str(v) in unsure(name):
        return "unknown"
    events = _events(changes)
    if _present(events, v):
        return "present"
    read = _read_releases()
    if v > read[-1]:
        return "absent"
    later = [r for r in read if r.line == v.line and r >= v]
    return "absent" if later and not _present(events, later[0]) else "unknown"


def unsure(name: str) -> tuple[str, ...]:
    """The releases read from a Kubernetes bump whose tag may or may not have `name`."""
    from k3stui.release_history import UNSURE

    return UNSURE.get(name, ())


def flag_changes(name: str) -> Changes:
    """(releases where flag `name` appeared, releases where it went), per minor line."""
    from k3stui.release_history import FLAG_HISTORY

    _, _, added, gone = FLAG_HISTORY[name]
    return added, gone


@cache
def flag_state(name: str, v: K3sVersion) -> State | None:
    """Whether K3s `v` defines flag `name` (None: not a K3s flag of any release read)."""
    from k3stui.release_history import FLAG_HISTORY

    return _state(name, flag_changes(name), v) if name in FLAG_HISTORY else None


def manifest_changes(name: str) -> Changes:
    from k3stui.release_history import MANIFEST_HISTORY

    return MANIFEST_HISTORY[name]


@cache
def manifest_state(name: str, v: K3sVersion) -> State | None:
    """Whether K3s `v` packages manifest `name` (None: no release read packages it)."""
    from k3stui.release_history import MANIFEST_HISTORY

    return _state(name, MANIFEST_HISTORY[name], v) if name in MANIFEST_HISTORY else None


@cache
def manifests(v: K3sVersion) -> tuple[str, ...]:
    """Every packaged manifest K3s `v` has (or may have: a backport the history did not read)."""
    from k3stui.release_history import MANIFEST_HISTORY

    return tuple(n for n in MANIFEST_HISTORY if manifest_state(n, v) != "absent")
