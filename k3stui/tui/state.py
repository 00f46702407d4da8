"""The plan-holding controller behind the TUI: the plan being edited, where it came from, and what
the core says about it (implications, findings). No Textual here, so tests can drive it alone.

The user's own choices live in `plan`; `applied` is `plan` with the implied choices added
(Calico -> flannel-backend none ...). Validation, previews, saving and export all use `applied`,
so the TUI shows and writes exactly what the CLI would for the same choices.

`role` is which node of the planned cluster this host is (the Role field): like
`k3stui install --role`, it picks what is installed here and never changes how the plan is judged
(one plan describes a cluster).

Editing and judging are separate steps so the UI can judge off the key path: `edit_text` stores
what was typed (cheap, per keystroke); `judge` is a pure function of a snapshot (run in a worker)
and `accept` takes its result. `set_text` does both, for callers without a UI.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from k3stui import plan as p
from k3stui.findings import Finding, Severity, error, sort_findings
from k3stui.tui.fields import (
    FIELDS,
    OPTIONAL_CHOICES,
    SECTIONS,
    Field,
    field_for,
    network_fields,
    network_path,
    parse_text,
    section_visible,
    unknown_flags,
)

# The macvlan network the Multus section shows (and edits into being) while the plan has none.
_NEW_NETWORK = p.MacvlanNetwork(name="macvlan", master="", subnet="")
# Emptying one of these network fields means the model's default, not "unset".
_NETWORK_DEFAULTS = {"name": "", "master": "", "subnet": "", "mode": "bridge", "ipam": "host-local",
                     "namespace": "default"}


@dataclass
class PlanState:
    plan: p.Plan = field(default_factory=p.Plan)
    source: str = "K3s defaults"
    import_findings: list[Finding] = field(default_factory=list)
    # Text that could not become a plan value at all (a letter in the MTU): path -> reason.
    input_errors: dict[str, str] = field(default_factory=dict)
    applied: p.Plan = field(default_factory=p.Plan)
    implications: list[Any] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # (name, description) of the preset the plan started from: labels the exported plan.yaml as
    # `k3stui render --preset` does.
    label: tuple[str, str] | None = None
    role: str = ""  # this host's role; "" until set: the plan's own
    edited: bool = False  # changed since it was loaded or saved (kept in a recovery file on a crash)
    # Bumped by every edit; `judged` is the edit the findings are for (equal: they are current).
    generation: int = 0
    judged: int = -1

    def __post_init__(self) -> None:
        self.role = self.role or self.plan.role
        self.revalidate()

    # ----------------------------------------------------------------------------- reading
    def value(self, path: str) -> Any:
        if path == "role":
            return self.role
        if path == "multus":
            return self.plan.cni.multus is not None
        where = network_path(path)
        if where is not None:
            index, attr = where
            nets = self.networks
            return getattr(nets[index] if index < len(nets) else _NEW_NETWORK, attr)
        if path.startswith("cni.multus.") and self.plan.cni.multus is None:
            return p.get_value(p.Multus(), path.removeprefix("cni.multus."))
        return p.get_value(self.plan, path)

    def applied_value(self, path: str) -> Any:
        """The value after implications (what validation and rendering see)."""
        if path in ("multus", "role") or path.startswith("cni.multus."):
            return self.value(path)
        return p.get_value(self.applied, path)

    def implication_for(self, path: str) -> Any | None:
        """The implication that changed this field, if any (matched by flag name or path)."""
        try:
            keys = field_for(path).finding_keys
        except KeyError:
            keys = (path,)
        return next((i for i in self.implications if i.key in keys), None)

    @property
    def networks(self) -> tuple[p.MacvlanNetwork, ...]:
        multus = self.plan.cni.multus
        return multus.networks if multus else ()

    @property
    def network_count(self) -> int:
        """Networks the Multus section shows: at least one (a blank one to type into) when on."""
        return max(1, len(self.networks)) if self.plan.cni.multus is not None else 0

    @property
    def counts(self) -> dict[Severity, int]:
        return {s: sum(1 for f in self.findings if f.severity is s) for s in Severity}

    @property
    def has_errors(self) -> bool:
        return self.counts[Severity.ERROR] > 0

    @property
    def current(self) -> bool:
        """The findings are for the plan as it is now (no edit is waiting to be judged)."""
        return self.judged == self.generation

    def findings_for(self, fld: Field) -> list[Finding]:
        from k3stui.rules import findings_for

        keys = fld.finding_keys
        if fld.kind == "flags":  # findings about a flag kept verbatim belong under the flags editor
            keys = (*keys, *self.plan.extra)
        out: list[Finding] = []
        for key in keys:
            out.extend(f for f in findings_for(self.findings, key) if f not in out)
        return out

    def shown_fields(self, tab: str) -> list[Field]:
        """The rows `tab` shows for this plan, top to bottom: its own options, then each section
        shown for the plan's choices (the Multus one with a row set per macvlan network)."""
        rows = [f for f in FIELDS if f.tab == tab and not f.section]
        for section in SECTIONS:
            if section_visible(section, self.applied):
                rows += [f for f in FIELDS if f.tab == tab and f.section == section]
                if section == "multus" and tab == "network":
                    rows += [f for i in range(self.network_count) for f in network_fields(i)]
        return rows

    def errors_in(self, tab: str) -> list[tuple[Field, Finding]]:
        """The errors shown under the rows of `tab`, in row order (a finding under two rows once)."""
        out: list[tuple[Field, Finding]] = []
        seen: list[Finding] = []
        for fld in self.shown_fields(tab):
            for f in self.findings_for(fld):
                if f.severity is Severity.ERROR and f not in seen:
                    seen.append(f)
                    out.append((fld, f))
        return out

    # ----------------------------------------------------------------------------- editing
    def set_text(self, path: str, text: str) -> None:
        """Text typed into an input (or a choice picked): parse, store, revalidate."""
        self.edit_text(path, text)
        self.revalidate()

    def edit_text(self, path: str, text: str) -> None:
        """Parse and store what was typed, without judging it (see `judge`)."""
        fld = field_for(path)
        try:
            value = parse_text(fld, text)
        except ValueError as exc:
            self.input_errors[path] = str(exc)
        else:
            self.input_errors.pop(path, None)
            if value is None and path not in OPTIONAL_CHOICES:
                value = self._unset_value(path)
            self._store(path, value)
        self._edited()

    def set_flag(self, path: str, on: bool) -> None:
        self.edit_flag(path, on)
        self.revalidate()

    def edit_flag(self, path: str, on: bool) -> None:
        if path == "multus":
            self.plan = p.with_value(self.plan, "cni.multus", p.Multus() if on else None)
        else:
            self._store(path, on)
        self._edited()

    def _edited(self) -> None:
        self.edited = True
        self.generation += 1

    def add_network(self) -> int:
        """Append a macvlan network (turning Multus on); returns its index. A blank first network
        shown but not yet in the plan is stored first, so the new one is the next one shown."""
        nets = self.networks or (_NEW_NETWORK,)
        names = {n.name for n in nets}
        name = next(f"macvlan-{i}" for i in range(len(nets) + 1, len(nets) + 100)
                    if f"macvlan-{i}" not in names)
        self._set_networks((*nets, replace(_NEW_NETWORK, name=name)))
        self._edited()
        self.revalidate()
        return len(nets)

    def remove_network(self, index: int) -> None:
        """Drop network `index`; later networks move up (their findings follow their new index).
        Their text errors are dropped too: the rows they were typed into are gone."""
        nets = self.networks
        if 0 <= index < len(nets):
            self._set_networks(nets[:index] + nets[index + 1:])
        for path in [k for k in self.input_errors if network_path(k)]:
            del self.input_errors[path]
        self._edited()
        self.revalidate()

    def _set_networks(self, nets: tuple[p.MacvlanNetwork, ...]) -> None:
        multus = self.plan.cni.multus or p.Multus()
        self.plan = p.with_value(self.plan, "cni.multus", replace(multus, networks=nets))

    def load(self, plan: p.Plan, source: str, import_findings: list[Finding] | None = None,
             label: tuple[str, str] | None = None) -> None:
        self.plan, self.source, self.label, self.role = plan, source, label, plan.role
        self.import_findings = list(import_findings or [])
        self.input_errors.clear()
        self.edited = False
        self.generation += 1
        self.revalidate()

    def _unset_value(self, path: str) -> Any:
        """Emptying a field means K3s's (or the chart's) default: the model's own default."""
        where = network_path(path)
        if where is not None:
            return _NETWORK_DEFAULTS.get(where[1])
        if path.startswith("cni.multus."):
            return p.get_value(p.Multus(), path.removeprefix("cni.multus."))
        return p.get_value(p.Plan(), path)

    def _store(self, path: str, value: Any) -> None:
        where = network_path(path)
        if where is not None:
            index, attr = where
            nets = list(self.networks)
            if index > len(nets):
                return  # no such row is shown
            if index == len(nets):  # typing into the blank network shown makes it real
                nets.append(_NEW_NETWORK)
            nets[index] = replace(nets[index], **{attr: value})
            self._set_networks(tuple(nets))
        elif path == "role":
            self.role = value or self.plan.role
        elif path == "extra":
            self.plan = p.with_value(self.plan, path, _keep_unchanged(self.plan.extra, value))
        else:
            self.plan = p.with_value(self.plan, path, value)

    # ----------------------------------------------------------------------------- checking
    def snapshot(self) -> Snapshot:
        """What `judge` needs, copied: safe to judge in another thread while typing goes on."""
        return Snapshot(self.generation, self.plan, tuple(self.import_findings),
                        tuple(self.input_errors.items()))

    def accept(self, judgement: Judgement) -> bool:
        """Take a judgement; False (and nothing changes) when the plan was edited since its snapshot."""
        if judgement.generation != self.generation:
            return False
        self.applied, self.implications, self.findings = (judgement.applied, judgement.implications,
                                                          judgement.findings)
        self.judged = judgement.generation
        return True

    def revalidate(self) -> None:
        """Judge the plan now (see `judge`)."""
        self.accept(judge(self.snapshot()))

    def saved(self) -> None:
        self.edited = False


@dataclass(frozen=True)
class Snapshot:
    generation: int
    plan: p.Plan
    import_findings: tuple[Finding, ...]
    input_errors: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Judgement:
    generation: int
    applied: p.Plan
    implications: list[Any]
    findings: list[Finding]


def judge(snap: Snapshot) -> Judgement:
    """Implications, then the rules: the same calls `k3stui check` makes. Pure: no state is touched."""
    from k3stui.implications import apply_implications
    from k3stui.rules import evaluate
    from k3stui.rules.imports import UNKNOWN_NAME_CODES

    plan = snap.plan
    applied, judged = evaluate(plan, k3s_version=plan.k3s_version)
    implications = apply_implications(plan)[1]  # shown with their reasons in their own view
    extra = plan.extra
    # An unknown flag's did-you-mean while it is in the plan: the import's own (with its
    # source) if it made one, else the importer's view of the plan's flags.
    kept = [f for f in snap.import_findings if f.code not in UNKNOWN_NAME_CODES or f.key in extra]
    reported = {f.key for f in kept if f.code in UNKNOWN_NAME_CODES}
    unknown = [f for f in unknown_flags(extra) if f.key not in reported]
    found = [*kept, *unknown, *(f for f in judged if f.code != "IMPL001")]
    for path, reason in snap.input_errors:
        fld = field_for(path)
        found.append(error("input", fld.finding_keys[0], f"{fld.label}: {reason}",
                           "type a value of the right kind, or clear the field for the default"))
    return Judgement(snap.generation, applied, implications, sort_findings(found))


def _keep_unchanged(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Flags whose line reads the same keep their old value, so editing one line of the flags
    editor does not turn another's number (from a config file) into text."""
    from k3stui.importers.exec_string import flag_lines

    return {k: old[k] if k in old and flag_lines({k: old[k]}) == flag_lines({k: v}) else v
            for k, v in new.items()}
