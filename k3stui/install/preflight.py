"""Preflight: can this host take this plan? Registered host checks over one context. Pure.

Each check is a function `fn(ctx: PreflightContext) -> Iterable[Finding]` registered with
`registry.host_check(...)` and the codes it emits (stage "preflight"), in the same registry as the
plan rules, so `k3stui rules` lists every INST code and `k3stui rules CODE` explains it. `run(ctx)`
runs every function in `registry.HOST_CHECKS["preflight"]`, including checks other modules
register (a post-install `doctor` registers stage "doctor" checks the same way).

`hostinfo` reads the host; nothing here touches it. Codes are INSTxxx so they never collide with
the plan rules' codes.
"""

from __future__ import annotations

import ipaddress
import shlex
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Any

from k3stui import defaults, effective, flags
from k3stui import plan as p
from k3stui.findings import Finding
from k3stui.flag_values import canonical_name, is_list_flag, scalar_text
from k3stui.importers import with_command_line
from k3stui.importers.k3s_config import merge_documents, parse_config
from k3stui.install import existing
from k3stui.install.paths import NodePaths
from k3stui.ports import listening
from k3stui.records import record
from k3stui.rules.registry import HOST_CHECKS, NET, RuleInfo, Stage, emit, host_check
from k3stui.rules.registry import E as _E
from k3stui.rules.registry import N as _N
from k3stui.rules.registry import W as _W

if TYPE_CHECKING:  # `k3stui rules` imports this module for its codes only: keep it light
    from k3stui.install.airgap import Bundle
    from k3stui.install.hostinfo import ExistingK3s, HostInfo
    from k3stui.install.rendered import Rendered
    from k3stui.render.install_cmd import InstallCommand

_STAGE: Stage = "preflight"
SCRIPT = "k3s:install.sh"


def E(code: str, key: str, title: str, source: str, doc: str) -> RuleInfo:
    return _E(code, key, title, source, stage=_STAGE, doc=doc)


def W(code: str, key: str, title: str, source: str, doc: str) -> RuleInfo:
    return _W(code, key, title, source, stage=_STAGE, doc=doc)


def N(code: str, key: str, title: str, source: str, doc: str) -> RuleInfo:
    return _N(code, key, title, source, stage=_STAGE, doc=doc)


# Interfaces K3s and the CNIs create: their routes cover the pod CIDR by design.
_K3S_LINKS = (
    "cni0",
    "flannel.1",
    "flannel-v6.1",
    "flannel-wg",
    "flannel-wg-v6",
    "kube-ipvs0",
    "vxlan.calico",
    "vxlan-v6.calico",
    "tunl0",
    "wireguard.cali",
)
_K3S_LINK_PREFIXES = ("cilium_", "lxc", "cali", "veth")

NOT_ROOT_HINT = (
    "run it as root (sudo k3stui install ...), or add --root DIR to write the files "
    "into a folder standing for / (an image) without touching this host; "
    "--dry-run shows everything without root"
)


# --- the context ------------------------------------------------------------------------------


@record
class Outlook:
    """An existing K3s today and after this install, each merged as K3s merges it."""

    now: existing.Setup
    after: existing.Setup
    now_plan: p.Plan  # == now.plan, unless HostInfo was built by hand without its files
    ours: dict[str, Any]  # k3stui's drop-in: long flag name -> value
    known: bool  # the host's files were read (False: only a Plan was given, sources unknown)

    def now_source(self, name: str) -> str:
        return self.now.where(name) if self.known else "the existing configuration"


@record
class PreflightContext:
    """Everything a preflight check reads: the plan and role, the host facts, the existing set-up
    (today and after), the rendered files and the bundle. A check registered by another module
    (a doctor's stage-preflight check) reads the same: `plan`, `role`, `host.interfaces`,
    `host.addresses`, `host.link_mtus`, `host.routes`, `host.resolv_conf`, `host.sockets`,
    `host.files`, `root`, `environ`."""

    plan: p.Plan
    role: p.Role
    host: HostInfo
    rendered: Rendered
    bundle: Bundle | None = None
    root: str = "/"  # a folder standing for / (--root), or this host
    outlook: Outlook | None = None  # an existing K3s (None: none here, or unreadable)
    existing_error: str | None = None  # why the existing configuration could not be merged
    missing_charts: tuple[str, ...] = ()  # upstream charts an air-gap bundle lacks
    uplink: str | None = None  # the interface the per-interface accept_ra line is written for
    paths: NodePaths = field(default_factory=NodePaths)
    # The proxy variables k3stui runs with: install.sh and K3s inherit them (K3s docs, HTTP proxy).
    environ: Mapping[str, str] = field(default_factory=dict)

    @property
    def under_root(self) -> bool:
        return self.root != "/"

    @property
    def command(self) -> InstallCommand | None:
        return self.rendered.command(self.role)

    @property
    def token_file(self) -> str | None:
        cmd = self.command
        return cmd.env.get("K3S_TOKEN_FILE") if cmd is not None and self.role == "agent" else None


def dropin_text(rendered: Rendered, role: str) -> str:
    """k3stui's drop-in for `role`, as rendered (render.files._role_files)."""
    return rendered.text(role, existing.dropin_path()) or ""


def install_exec(rendered: Rendered, role: str) -> str:
    """What the unit's ExecStart will say after the install: INSTALL_K3S_EXEC + script args."""
    cmd = rendered.command(role)
    if cmd is None:  # an agent without a server URL: INST090 refuses the run anyway
        return role
    return shlex.join([cmd.env.get("INSTALL_K3S_EXEC", role), *cmd.args])


def outlook(rendered: Rendered, role: str, ex: ExistingK3s) -> tuple[Outlook | None, str | None]:
    """(today and after, or None without an existing K3s; why its configuration could not be
    merged). Each configuration is merged once, here, with the importers `check` uses."""
    if not ex.installed or ex.error:
        return None, ex.error
    ours_text = dropin_text(rendered, role)
    args = (ex.config_files, ex.unit, ex.unit_args)
    now = existing.now(*args)
    after = existing.after(*args, role=role, ours=ours_text, install_exec=install_exec(rendered, role))
    known = bool(ex.config_files or ex.unit_args) or ex.plan is None
    try:
        now_plan = now.plan if known else ex.plan
        after.result  # noqa: B018  (merge now: a broken file is reported here, not mid-check)
        ours = merge_documents([("ours", parse_config(ours_text, existing.dropin_path())[0])])
    except Exception as exc:  # an unreadable existing config is reported (INST012), not fatal
        return None, f"{type(exc).__name__}: {exc}"
    return Outlook(now, after, now_plan, ours, known), None


Row = tuple[str, str, str, str, str]  # (key, today, from where, after the install, from where)


def outlook_rows(o: Outlook, role: str) -> list[Row]:
    """The dry run's "today -> after" table: every critical value (on a server, which must keep
    them), then every other key whose effective value the install changes."""
    critical = list(flags.CRITICAL) if role == "server" else []
    others = sorted(
        {*(f.name for f in flags.FLAGS.values() if f.field), *o.now_plan.extra, *o.after.plan.extra}
        - set(critical)
    )
    rows = []
    for name in [*critical, *others]:
        before, after = effective.value(o.now_plan, name), effective.value(o.after.plan, name)
        if name in critical or before != after:
            rows.append(
                (
                    name,
                    effective.show(before, name),
                    o.now_source(name),
                    effective.show(after, name),
                    o.after.where(name),
                )
            )
    return rows


def context(
    plan: p.Plan,
    role: str,
    host: HostInfo,
    rendered: Rendered | None = None,
    *,
    root: str = "/",
    bundle: Bundle | None = None,
    missing_charts: tuple[str, ...] = (),
    environ: Mapping[str, str] | None = None,
) -> PreflightContext:
    """The context of one install from what is known: the host facts already read, the plan
    rendered once (rendered here when not given). Merges the existing configuration once."""
    if rendered is None:
        from k3stui.install.rendered import render

        rendered = render(plan, chart=False)
    found, error = outlook(rendered, role, host.existing)
    return PreflightContext(
        plan=plan,
        role=role,
        host=host,
        rendered=rendered,
        bundle=bundle,
        root=root,
        outlook=found,
        existing_error=error,
        missing_charts=missing_charts,
        uplink=plan.flannel.iface or (ipv6_uplink(host) if plan.accept_ra == 2 else None),
        paths=NodePaths.of(plan),
        environ=dict(environ or {}),
    )


def check(plan: p.Plan, role: str, host: HostInfo, **kw: Any) -> list[Finding]:
    """Every preflight finding for `plan` on `host` (the context built by `context`)."""
    return run(context(plan, role, host, **kw))


def load_checks() -> None:
    """Every registered host check (this module's, the doctor's preflight network checks)."""
    from k3stui.rules.registry import load_checks as load_all

    load_all()


def run(ctx: PreflightContext) -> list[Finding]:
    """Every registered preflight check, in registration order (others' included: load_checks)."""
    load_checks()
    out: list[Finding] = []
    for check in HOST_CHECKS["preflight"]:
        out.extend(check(ctx))  # type: ignore[arg-type]
    return out


# --- who runs it, and where --------------------------------------------------------------------


@host_check(
    E("INST001", "root", "k3stui install must run as root", SCRIPT,
      "What: the install writes /etc/rancher/k3s, the sysctl drop-in and runs the K3s install script, "
      "which needs root. Fix: run it with sudo, or use --root DIR to prepare an image folder, or "
      "--dry-run to see everything without root."),
)
def root_user(ctx: PreflightContext) -> Iterator[Finding]:
    if not ctx.under_root and not ctx.host.is_root:
        yield emit(
            "INST001",
            "k3stui install must run as root: it writes /etc/rancher/k3s and runs the K3s install script",
            NOT_ROOT_HINT,
        )


@host_check(
    E("INST031", "root", "--root on an OpenRC host: install.sh would write this host's /etc",
      f"{SCRIPT} verify_system, setup_env, create_openrc_service_file",
      "What: install.sh picks OpenRC when /sbin/openrc-run exists and then writes /etc/init.d/k3s*, "
      "/etc/rancher/k3s/k3s*.env and /etc/logrotate.d/k3s* on the host it runs on, whatever "
      "INSTALL_K3S_SYSTEMD_DIR says. Why: --root must not touch the real host. Fix: prepare the image "
      "on a systemd host, or run the install inside the image (chroot, container)."),
    E("INST032", "root", "--root: install.sh would remove this host's K3s unit", f"{SCRIPT} systemd_disable",
      "What: before writing its unit, install.sh runs `systemctl disable <name>` and removes "
      "/etc/systemd/system/<name>.service and .env of the host it runs on (hard-coded, not "
      "INSTALL_K3S_SYSTEMD_DIR). Why: with --root that is the real host's K3s. Fix: prepare the image "
      "on a host without that unit, or inside the image (chroot, container)."),
)
def outside_root(ctx: PreflightContext) -> Iterator[Finding]:
    if not ctx.under_root or ctx.host.outside_root is None:
        return
    hint = "prepare the image on another host, or run the install inside the image (chroot, container)"
    if "/sbin/openrc-run" in ctx.host.outside_root:
        yield emit(
            "INST031",
            "this host uses OpenRC: install.sh would write /etc/init.d/k3s*, "
            "/etc/rancher/k3s/k3s*.env and /etc/logrotate.d here, not under --root",
            hint,
        )
    unit = existing.rewritten_unit(ctx.role)
    for path in (unit, f"{unit}.env"):
        if path in ctx.host.outside_root:
            yield emit(
                "INST032",
                f"this host has {path}: install.sh disables and removes it even with "
                "--root (it does not honour INSTALL_K3S_SYSTEMD_DIR there)",
                hint,
            )


# --- the air-gap bundle --------------------------------------------------------------------------


def _arch(machine: str) -> str:
    from k3stui.install.airgap import ARCH_NAMES

    return ARCH_NAMES.get(machine, machine)


@host_check(
    E("INST002", "airgap", "the air-gap bundle is incomplete or corrupt", f"{NET} §6",
      "What: every artifact of the bundle (k3s binary, install.sh, images, charts) must be present and "
      "match its sha256. Fix: make the bundle again with 'k3stui bundle --artifacts DIR' and copy it."),
    E("INST003", "airgap", "an upstream chart is missing from the air-gap bundle", f"{NET} §6, §7",
      "What: the auto-deploy HelmChart embeds each upstream chart (chartContent) on an air-gapped "
      "host; nothing can download a missing one. Fix: put its .tgz into --artifacts and re-make the "
      "bundle."),
    W("INST030", "airgap", "the bundle's images are for another architecture", f"{NET} §6",
      "What: K3s imports k3s-airgap-images-<arch> from the images dir; another arch's archive does not "
      "run here. Fix: add this host's archive to the bundle."),
)
def bundle_checks(ctx: PreflightContext) -> Iterator[Finding]:
    if ctx.bundle is None:
        return
    for problem in ctx.bundle.problems:
        yield emit(
            "INST002", problem, "re-make the bundle with 'k3stui bundle --artifacts DIR' and copy it again"
        )
    for chart in ctx.missing_charts:
        yield emit(
            "INST003",
            f"upstream chart {chart} is not in the bundle; nothing can download it on an air-gapped host",
            "put its .tgz into --artifacts and make the bundle again",
        )
    arches = ctx.bundle.image_arches
    if arches and ctx.host.machine:
        arch = _arch(ctx.host.machine)
        if arch not in arches:
            yield emit(
                "INST030",
                f"the bundle's images are for {', '.join(arches)}, this host is {arch} ({ctx.host.machine})",
                f"add k3s-airgap-images-{arch}.tar.zst to the bundle",
            )


# --- the install command -------------------------------------------------------------------------


@host_check(
    E("INST090", "server", "no install command for this role", f"{NET} §2",
      "What: an agent joins a server: the install needs K3S_URL. Fix: set `server` (https://<server>:6443) "
      "or add a server node to the plan."),
    E("INST091", "server", "K3S_URL is not an https:// URL", f"{SCRIPT} verify_k3s_url",
      "What: install.sh refuses any K3S_URL that does not start with https://. Fix: server: "
      "https://<server>:6443."),
)
def install_command(ctx: PreflightContext) -> Iterator[Finding]:
    problem = ctx.rendered.problems.get(ctx.role)
    if problem is not None:
        yield emit("INST090", f"cannot install {'an' if ctx.role == 'agent' else 'a'} {ctx.role}: {problem}")
    cmd = ctx.command
    url = cmd.env.get("K3S_URL") if cmd is not None else None
    if url is not None and not url.startswith("https://"):
        yield emit(
            "INST091",
            f"K3S_URL must start with https:// (the K3s install script refuses it): {url!r}",
            "server: https://<server>:6443",
        )


# --- an existing K3s -------------------------------------------------------------------------

_CIDR_FLAGS = ("cluster-cidr", "service-cidr")


def critical_changes(old: p.Plan, new: p.Plan) -> list[tuple[str, Any, Any]]:
    """(flag, value today, value planned) for every critical value that would change, compared as
    K3s compares them (`k3stui.effective`, the normalisation HA001 uses)."""
    before, after = effective.critical_values(old), effective.critical_values(new)
    return [(name, before[name], after[name]) for name in flags.CRITICAL if before[name] != after[name]]


def _norm_key(name: str, value: Any) -> Any:
    flag = flags.lookup(name)
    if flag is not None:
        return effective.normalise(flag, value)
    if isinstance(value, (list, tuple)):
        return tuple(scalar_text(v) for v in value)
    return scalar_text(value)


def _show(name: str, value: Any) -> str:
    return effective.show(value, name)


def _families_note(name: str, value: Any) -> str:
    """What a combined CIDR list means to K3s: two of one family stop the controller manager."""
    if name not in _CIDR_FLAGS or not isinstance(value, tuple) or len(value) < 2:
        return ""
    families = effective.ip_versions(value)
    if len(families) > len(set(families)):
        return (f" ({len(value)} CIDRs, not one per IP family: kube-controller-manager exits, "
                "'not configured as dual stack')")
    return f" (a dual-stack {name})" if set(families) == {4, 6} else ""


@host_check(
    N("INST010", "existing", "K3s is already on this host: the run updates it", f"{NET} §2",
      "What: config files, units, the data dir or the binary of a K3s were found. Every file the "
      "install replaces is backed up first; critical values are compared with what runs today."),
    E("INST011", "role", "this host runs K3s in the other role", f"{SCRIPT} setup_env",
      "What: a server and an agent on one host fight over the same ports and data. Fix: --role with "
      "the role it runs, or uninstall K3s first (k3s-uninstall.sh / k3s-agent-uninstall.sh)."),
    W("INST012", "existing", "the existing K3s configuration could not be read", f"{NET} §2",
      "What: its config.yaml, drop-ins or unit could not be read or merged, so critical values were not "
      "compared. Fix: run as root, repair the file, or compare by hand."),
)
def existing_install(ctx: PreflightContext) -> Iterator[Finding]:
    ex = ctx.host.existing
    if not ex.installed:
        return
    shown = ", ".join(ex.found[:4]) + (", ..." if len(ex.found) > 4 else "")
    yield emit(
        "INST010",
        f"K3s is already on this host ({shown}): this run updates it; every replaced file is backed up first",
    )
    if ex.role and ex.role != ctx.role:
        yield emit(
            "INST011",
            f"this host runs a K3s {ex.role}; the plan installs a {ctx.role}",
            f"use --role {ex.role}, or uninstall K3s first (k3s-uninstall.sh / k3s-agent-uninstall.sh)",
        )
    if ctx.existing_error:
        yield emit(
            "INST012",
            f"could not read the existing K3s configuration: {ctx.existing_error}",
            "critical values could not be compared; check them by hand",
        )


@host_check(
    E("INST013", "cluster-cidr", "a critical value would change on an existing cluster",
      f"{NET} §0.1, §10.10",
      "What: once a server has a datastore, its critical values (CIDRs, cluster-dns, cluster-domain, "
      "flannel-backend, ...) are fixed; K3s refuses to start with others. Compared as K3s compares them "
      "(10.42.1.0/16 is 10.42.0.0/16), today vs after the install, each merged as K3s merges "
      "config.yaml, config.yaml.d and ExecStart. Fix: keep today's value in the plan, or uninstall "
      "and make a new cluster."),
)
def critical_kept(ctx: PreflightContext) -> Iterator[Finding]:
    o, ex = ctx.outlook, ctx.host.existing
    if o is None or not (ex.has_state and ctx.role == "server"):
        return
    ours = existing.dropin_path()
    for name, before, after in critical_changes(o.now_plan, o.after.plan):
        why = (
            "CIDRs cannot change on an existing cluster"
            if name in _CIDR_FLAGS
            else f"{name} is a critical value and cannot change on an existing cluster"
        )
        old_src, new_src = o.now_source(name), o.after.where(name)
        if ours in new_src:
            hint = f"keep {name}: {_show(name, before)} in the plan"
        else:  # the change is not the plan's: the old value lived in the unit the install rewrites
            hint = (
                f"put {name}: {_show(name, before)} into the plan (k3stui writes it into its drop-in) "
                f"or into {defaults.CONFIG_FILE}"
            )
        yield emit(
            "INST013",
            f"{why}: it is {_show(name, before)} here (from {old_src}), after the install it "
            f"would be {_show(name, after)} (from {new_src})",
            hint + ", or uninstall K3s and install a new cluster (the datastore holds the old value)",
            key=name,
        )


@host_check(
    W("INST014", "existing", "k3stui's drop-in overrides a value of the user's files", f"{NET} §2",
      "What: K3s reads config.yaml, then config.yaml.d/*.yaml by name; a later key replaces an earlier "
      "one. k3stui's drop-in (50-k3stui-network.yaml) is read after the user's file and wins. Fix: "
      "remove the key from that file so one file says what runs."),
    E("INST015", "existing", "a user file or the unit overrides the plan's value", f"{NET} §2",
      "What: a drop-in read after k3stui's, or flags on an ExecStart the install keeps, set a key the "
      "plan sets too: K3s would run with their value, not the plan's. Fix: remove it there, or give "
      "it the plan's value."),
)
def overrides(ctx: PreflightContext) -> Iterator[Finding]:
    o = ctx.outlook
    if o is None:
        return
    path = existing.dropin_path()
    later = set(existing.later_dropins(o.after))
    # K3s's own combination: a list flag on the unit appends to the files' list (item 1, issue 10).
    final_values = with_command_line(o.after.file_values, o.after.exec_args)
    for name, value in o.ours.items():
        mine = _norm_key(name, value)
        final = _norm_key(name, final_values.get(name))
        if final != mine:
            files = [s for s in o.after.file_sources(name) if s in later]
            if name not in o.after.exec_args:
                users, how = files or [o.after.where(name)], "is read after " + path
            elif is_list_flag(name) and name in o.after.file_values:
                users = [*files, o.after.exec_source]
                how = "appends to the files' list (K3s reads the files' values, then the command line's)"
            else:
                users, how = [o.after.exec_source], "overrides every file"
            yield emit(
                "INST015",
                f"the plan sets {name}: {_show(name, mine)}, but {' + '.join(users)} {how}: "
                f"K3s would run with {_show(name, final)}{_families_note(name, final)}, not what "
                "the plan says",
                f"remove {name} from {' and '.join(users)}, or give it the plan's value there",
                key=name,
            )
            continue
        for source, doc in o.after.docs:
            if source == path:
                break  # only files read before ours are overridden by it
            theirs = [v for k, v in doc.items() if canonical_name(k.removesuffix("+")) == name]
            if theirs and _norm_key(name, theirs[-1]) != mine:
                yield emit(
                    "INST014",
                    f"{source} sets {name}: {_show(name, _norm_key(name, theirs[-1]))}; "
                    f"k3stui's drop-in {path} is read after it and wins: K3s will run with "
                    f"{_show(name, mine)}",
                    f"remove {name} from {source} so one file says what runs",
                    key=name,
                )


@host_check(
    W("INST017", "existing", "the install's rewrite of the unit drops a flag",
      f"{SCRIPT} create_systemd_service_file",
      "What: install.sh writes ExecStart=<bin>/k3s <INSTALL_K3S_EXEC> <args> every time; k3stui passes "
      "only the role, so flags the old ExecStart carried are gone after the install. Fix: put the value "
      "into the plan or config.yaml to keep it."),
)
def dropped_unit_flags(ctx: PreflightContext) -> Iterator[Finding]:
    o = ctx.outlook
    if o is None or not o.now.exec_args or o.after.exec_source == o.now.exec_source:
        return  # no flags today, or the unit is not rewritten (it keeps its flags)
    critical_checked = ctx.host.existing.has_state and ctx.role == "server"
    for name in o.now.exec_args:
        if name in o.after.exec_args:
            continue
        before, after = effective.value(o.now.plan, name), effective.value(o.after.plan, name)
        if before == after or (critical_checked and name in flags.CRITICAL):
            continue  # the same value from the files; critical changes are INST013's
        rewrite = shlex.quote("k3s " + (o.after.exec_flags or ctx.role))
        yield emit(
            "INST017",
            f"{o.now.exec_source} sets --{name}={_show(name, before)}; the install rewrites it "
            f"to {rewrite}, so after it {name} is {_show(name, after)} (from "
            f"{o.after.where(name)})",
            f"to keep it, put {name}: {_show(name, before)} into the plan or into {defaults.CONFIG_FILE}",
            key=name,
        )


_IMPORT_HINT = (
    "import the host's settings into the plan so it says what runs (k3stui preset import --config "
    f"{defaults.CONFIG_FILE} --config-dir {defaults.CONFIG_DROPIN_DIR} --name host, or start the TUI from "
    "this host's config); what k3stui derives from the plan (charts, net-conf.json, these checks) uses "
    "the plan's value"
)


@host_check(
    E("INST016", "existing", "the host keeps a critical value the plan does not describe", f"{NET} §2",
      "What: the plan leaves a critical value to its default, but the user's files set another one; K3s "
      "keeps theirs, while the chart values, net-conf.json and the address checks k3stui derives from "
      "the plan assume the plan's. Fix: import the host's settings into the plan."),
    N("INST018", "existing", "the host keeps a value the plan does not describe", f"{NET} §2",
      "What: a modelled, non-critical value the plan leaves alone is set otherwise in the user's files; "
      "K3s keeps it. Fix: import the host's settings so the plan says what runs."),
)
def kept_values(ctx: PreflightContext) -> Iterator[Finding]:
    """Values the plan leaves alone (its drop-in has no key) that the user's files set otherwise:
    K3s keeps the user's value, but what k3stui derives from the plan assumes its own."""
    o = ctx.outlook
    if o is None:
        return
    for flag in flags.FLAGS.values():
        name = flag.name
        if name in o.ours or flag.secret or not (flag.field or flag.critical):
            continue
        if ctx.role == "agent" and flag.scope == "server":
            continue  # a K3s agent ignores server flags
        src = o.after.where(name)
        if src == existing.DEFAULT_SOURCE:
            continue
        planned, kept = effective.value(ctx.plan, name), effective.value(o.after.plan, name)
        if planned == kept:
            continue
        yield emit(
            "INST016" if flag.critical else "INST018",
            f"the plan leaves {name} at {_show(name, planned)}, but {src} sets {_show(name, kept)} and "
            f"K3s keeps it (k3stui's drop-in does not write {name})",
            _IMPORT_HINT,
            key=name,
        )


# --- kernel -----------------------------------------------------------------------------------


def required_modules(plan: p.Plan) -> list[tuple[str, str, bool]]:
    """(module, why, required): required ones are errors when missing, others warnings."""
    out = [
        ("overlay", "the containerd overlayfs snapshotter", False),
        ("br_netfilter", "bridged pod traffic through iptables (kube-proxy, network policy)", False),
    ]
    kind = plan.cni.kind
    backend = plan.flannel.backend
    if kind == "flannel" and backend == "vxlan":
        out.append(("vxlan", "flannel-backend vxlan", True))
    if kind == "flannel" and backend in ("wireguard-native", "wireguard"):
        out.append(("wireguard", f"flannel-backend {backend}", True))
    if kind == "cilium":
        c = plan.cni.cilium
        if c.routing_mode == "tunnel" and c.tunnel_protocol == "vxlan":
            out.append(("vxlan", "Cilium VXLAN tunnelling", True))
        if c.encryption == "wireguard":
            out.append(("wireguard", "Cilium WireGuard encryption", True))
    if kind == "calico" and "VXLAN" in plan.cni.calico.encapsulation:
        out.append(("vxlan", f"Calico {plan.cni.calico.encapsulation} encapsulation", True))
    if plan.cni.multus and plan.cni.multus.networks:
        out.append(("macvlan", "macvlan secondary networks", True))
    return out


@host_check(
    E("INST020", "vxlan", "a kernel module the plan needs is missing", f"{NET} §4, §9",
      "What: the backend's module (vxlan, wireguard, macvlan) is neither loaded, built in nor "
      "installed; the pod network cannot come up. Fix: install it (modprobe; linux-modules-extra-* on "
      "Ubuntu/Raspberry Pi, kernel-modules-extra on RHEL) or choose another backend."),
    N("INST021", "vxlan", "could not tell whether a needed kernel module is available", f"{NET} §9",
      "What: /proc/modules and /lib/modules could not be read (a container, an image --root). Check by "
      "hand: modinfo <module>."),
    W("INST022", "overlay", "a kernel module K3s uses is missing", f"{NET} §9; {SCRIPT} ExecStartPre",
      "What: the K3s unit runs `modprobe br_netfilter` and `modprobe overlay`; without them containerd "
      "falls back to another snapshotter and bridged traffic skips iptables. Fix: install the module."),
)
def modules(ctx: PreflightContext) -> Iterator[Finding]:
    for mod, why, required in required_modules(ctx.plan):
        state = ctx.host.modules.get(mod)
        usable = state.usable if state else None
        if usable is False:
            yield emit(
                "INST020" if required else "INST022",
                f"kernel module {mod} is not loaded, built in or installed; needed for {why}",
                f"install it (modprobe {mod}; on Ubuntu/Raspberry Pi linux-modules-extra-*, on RHEL "
                "kernel-modules-extra) or choose another backend",
                key=mod,
            )
        elif usable is None and required:
            yield emit(
                "INST021",
                f"could not tell whether kernel module {mod} is available (needed for {why})",
                key=mod,
            )


# --- addresses, routes, interfaces -----------------------------------------------------------


def _k3s_link(name: str | None) -> bool:
    return bool(name) and (name in _K3S_LINKS or name.startswith(_K3S_LINK_PREFIXES))


@host_check(
    E("INST040", "cluster-cidr", "a pod or service CIDR overlaps an address of this host", f"{NET} §10",
      "What: a host address inside cluster-cidr or service-cidr makes traffic to that network go to "
      "pods or services instead. Fix: choose CIDRs that no host network uses."),
    E("INST041", "cluster-cidr", "a pod or service CIDR overlaps a route of this host", f"{NET} §10",
      "What: a route of this host (VPN, another LAN) inside cluster-cidr or service-cidr: that traffic "
      "would go to pods instead. Fix: choose CIDRs outside every network this host reaches."),
)
def overlaps(ctx: PreflightContext) -> Iterator[Finding]:
    host = ctx.host
    ours = [("cluster-cidr", c) for c in p.effective_cluster_cidr(ctx.plan)]
    ours += [("service-cidr", c) for c in p.effective_service_cidr(ctx.plan)]
    skip_own = host.existing.installed  # its own cni0/flannel routes are K3s's, not conflicts
    for key, cidr in ours:
        net = p.parse_network(cidr)
        if net is None:
            continue  # the plan rules report the bad value
        for a in host.addresses or ():
            if a.family != net.version or (skip_own and _k3s_link(a.ifname)):
                continue
            if ipaddress.ip_network(a.cidr, strict=False).overlaps(net):
                yield emit(
                    "INST040",
                    f"{key} {cidr} overlaps this host's address {a.cidr} on {a.ifname}",
                    f"choose a {key} that no host network uses",
                    key=key,
                )
        for r in host.routes or ():
            rnet = p.parse_network(r.dst) if r.dst != "default" else None
            if rnet is None or rnet.prefixlen == 0 or rnet.version != net.version:
                continue
            if skip_own and _k3s_link(r.dev):
                continue
            if rnet.overlaps(net):
                via = f" via {r.gateway}" if r.gateway else ""
                yield emit(
                    "INST041",
                    f"{key} {cidr} overlaps this host's route to {r.dst}{via} on "
                    f"{r.dev or '?'}; that traffic would go to pods instead",
                    f"choose a {key} outside every network this host reaches",
                    key=key,
                )


@host_check(
    E("INST050", "flannel-iface", "an interface the plan names does not exist here", f"{NET} §1",
      "What: flannel-iface and macvlan masters must be interfaces of this host; flannel and Multus fail "
      "on a missing one. Fix: use a name `ip link` shows (the hint lists them)."),
)
def interfaces(ctx: PreflightContext) -> Iterator[Finding]:
    plan, host = ctx.plan, ctx.host
    if host.interfaces is None:
        return
    wanted: list[tuple[str, str]] = []
    if plan.flannel.iface and p.uses_flannel(plan):
        wanted.append(("flannel-iface", plan.flannel.iface))
    if plan.cni.multus:
        wanted += [(f"cni.multus.networks.{n.name}.master", n.master) for n in plan.cni.multus.networks]
    known = set(host.interfaces)
    for key, name in wanted:
        if name not in known:
            yield emit(
                "INST050",
                f"interface {name!r} does not exist on this host",
                "interfaces here: " + (", ".join(sorted(known)) or "(none)"),
                key=key,
            )


# --- ports -------------------------------------------------------------------------------------


@host_check(
    E("INST060", "6443/tcp", "a port this node must listen on is in use", f"{NET} §5",
      "What: each port this node listens on (the one port table, k3stui.ports: supervisor, kubelet, "
      "the backend's UDP port, ...) must be free before K3s starts. Fix: stop what listens there "
      "(ss -lntup shows it)."),
    N("INST061", "6443/tcp", "a port K3s needs is in use, probably by the K3s already here", f"{NET} §5",
      "What: the port is bound and a K3s is installed: most likely its own socket."),
)
def ports(ctx: PreflightContext) -> Iterator[Finding]:
    host = ctx.host
    if host.sockets is None:
        return
    for proto, port, why in listening(ctx.plan, ctx.role):
        users = sorted({s.address for s in host.sockets if s.proto == proto and s.port == port})
        if not users:
            continue
        where, key = ", ".join(users), f"{port}/{proto}"
        if host.existing.installed:
            yield emit(
                "INST061", f"{key} ({why}) is in use on {where}, probably by the K3s already here", key=key
            )
        else:
            yield emit(
                "INST060",
                f"{key} is needed for {why} but is already in use on {where}",
                "stop what listens there (ss -lntup shows it)",
                key=key,
            )


# --- IPv6 router advertisements ------------------------------------------------------------------


def ipv6_uplink(host: HostInfo) -> str | None:
    """The interface of this node's IPv6 default route (an RA-learnt one first), when known."""
    defaults_v6 = [r for r in host.routes or () if r.family == 6 and r.dst == "default" and r.dev]
    defaults_v6.sort(key=lambda r: r.proto != "ra")
    return defaults_v6[0].dev if defaults_v6 else None


@host_check(
    W("INST070", "accept_ra", "an RA-learnt IPv6 default route will expire once K3s forwards", f"{NET} §9",
      "What: with forwarding on (K3s turns it on) the kernel ignores router advertisements unless the "
      "interface's accept_ra is 2, so an RA-learnt default route expires. Fix: accept_ra: 2 in the plan "
      "(k3stui writes the sysctl drop-in, with the uplink's own line)."),
    W("INST071", "accept_ra", "accept_ra 2 cannot reach the uplink: the plan names no interface",
      f"{NET} §9 (all.accept_ra is not copied to existing interfaces)",
      "What: the kernel applies an interface's own accept_ra; writing all/default does not change an "
      "interface that already exists. k3stui writes the uplink's line for flannel-iface, or for the "
      "interface of this node's IPv6 default route found at install time; here neither is known. Fix: "
      "set flannel-iface, or add net.ipv6.conf.<uplink>.accept_ra = 2 by hand."),
)
def router_adverts(ctx: PreflightContext) -> Iterator[Finding]:
    plan, host = ctx.plan, ctx.host
    if plan.accept_ra == 2:
        if ctx.uplink is None:
            yield emit(
                "INST071",
                "the uplink is not known: the plan names no flannel-iface and this host's IPv6 "
                f"default route {'cannot be read here' if host.routes is None else 'was not found'}, "
                "so the value 2 is written for all and default only and an interface that already "
                "exists keeps its own accept_ra",
                "set flannel-iface to the uplink, or add net.ipv6.conf.<uplink>.accept_ra = 2 to "
                "the sysctl drop-in",
            )
        return
    for r in host.routes or ():
        if r.family != 6 or r.dst != "default" or r.proto != "ra":
            continue
        value = host.accept_ra.get(r.dev or "", host.accept_ra.get("all"))
        if value != 2:
            yield emit(
                "INST070",
                f"the IPv6 default route on {r.dev} is learnt from router advertisements and "
                f"accept_ra is {value if value is not None else '?'}: once K3s turns on "
                "forwarding the kernel ignores RAs and the route expires",
                "set accept_ra: 2 in the plan (k3stui writes the sysctl drop-in)",
            )


# --- the agent's join token ----------------------------------------------------------------------


@host_check(
    W("INST080", "token-file", "the join token file is readable by others", f"{NET} §2 (K3S_TOKEN_FILE)",
      "What: the token lets any node join the cluster. Fix: chmod 600 the file."),
    E("INST081", "token-file", "the join token file does not exist", f"{NET} §2 (K3S_TOKEN_FILE)",
      "What: an agent installed with K3S_TOKEN_FILE reads the server's token from it; without it the "
      "join fails. Fix: copy the server's <data-dir>/server/node-token there (mode 0600)."),
)
def token_file(ctx: PreflightContext) -> Iterator[Finding]:
    path = ctx.token_file
    if not path:
        return
    state = ctx.host.files.get(path)
    if state is None or state.exists:
        if state is not None and state.mode is not None and state.mode & 0o077:
            yield emit(
                "INST080", f"{path} is readable by others (mode {state.mode:04o})", f"chmod 600 {path}"
            )
        return
    yield emit(
        "INST081",
        f"the join token file {path} does not exist",
        f"copy the server's {ctx.paths.node_token} there (mode 0600)",
    )


@host_check(
    N("INST099", "host", "something of this host could not be read", "install/hostinfo.py",
      "What: a fact preflight needs (addresses, ports, modules, an existing K3s) was unknown, so its "
      "check was skipped; the note says which. Run as root, or check by hand."),
)
def host_notes(ctx: PreflightContext) -> Iterable[Finding]:
    return [emit("INST099", note) for note in ctx.host.notes]
