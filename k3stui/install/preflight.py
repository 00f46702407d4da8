"""Preflight: can this host take this plan? Pure: (plan, role, HostInfo, ...) -> findings.

`hostinfo` reads the host; nothing here touches it. Codes are INSTxxx so they never collide with
the plan rules' codes.
"""

from __future__ import annotations

import ipaddress
import shlex
from dataclasses import dataclass
from typing import Any

from k3stui import defaults, flags
from k3stui import plan as p
from k3stui.findings import Finding, error, info, warning
from k3stui.importers._common import SECRET_KEYS, canonical_name, scalar_text
from k3stui.importers.k3s_config import merge_documents, parse_config
from k3stui.install import existing
from k3stui.install.hostinfo import ExistingK3s, HostInfo

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


def check(
    plan: p.Plan,
    role: str,
    host: HostInfo,
    *,
    under_root: bool,
    airgap_problems: tuple[str, ...] = (),
    airgap_arches: tuple[str, ...] = (),
    token_file: str | None = None,
) -> list[Finding]:
    out: list[Finding] = []
    if not under_root and not host.is_root:
        out.append(
            error(
                "INST001",
                "root",
                "k3stui install must run as root: it writes /etc/rancher/k3s and runs the K3s install script",
                hint=NOT_ROOT_HINT,
            )
        )
    for problem in airgap_problems:
        out.append(
            error(
                "INST002",
                "airgap",
                problem,
                hint="re-make the bundle with 'k3stui bundle --artifacts DIR' and copy it again",
            )
        )
    out += _existing(plan, role, host)
    out += _modules(plan, host)
    out += _overlaps(plan, host)
    out += _interfaces(plan, host)
    out += _ports(plan, role, host)
    out += _router_adverts(plan, host)
    out += _token_file(token_file, host)
    if airgap_arches and host.machine:
        arch = _arch(host.machine)
        if arch not in airgap_arches:
            out.append(
                warning(
                    "INST030",
                    "airgap",
                    f"the bundle's images are for {', '.join(airgap_arches)}, "
                    f"this host is {arch} ({host.machine})",
                    hint=f"add k3s-airgap-images-{arch}.tar.zst to the bundle",
                )
            )
    for note in host.notes:
        out.append(info("INST099", "host", note))
    return out


def _arch(machine: str) -> str:
    from k3stui.install.airgap import ARCH_NAMES

    return ARCH_NAMES.get(machine, machine)


# --- an existing K3s -------------------------------------------------------------------------

_CIDR_FLAGS = ("cluster-cidr", "service-cidr")


def _norm(flag: flags.Flag, value: Any) -> Any:
    if flag.kind == "bool":
        return str(value).strip().lower() in ("1", "t", "true") if value is not None else False
    if flag.kind == "list":
        items = value if isinstance(value, (list, tuple)) else ([] if value in (None, "") else [value])
        out: list[str] = []
        for item in items:
            out += [s.strip() for s in str(item).split(",") if s.strip()]
        return tuple(out)
    return None if value in (None, "") else str(value).strip()


def _effective(plan: p.Plan, flag: flags.Flag) -> Any:
    """The value K3s runs with, defaults filled in, so "unset" and "the default" compare equal."""
    special = {
        "cluster-cidr": lambda: p.effective_cluster_cidr(plan),
        "service-cidr": lambda: p.effective_service_cidr(plan),
        "cluster-dns": lambda: p.effective_cluster_dns(plan),
        "cluster-domain": lambda: p.effective_cluster_domain(plan),
        "flannel-backend": lambda: plan.flannel.backend if plan.cni.kind == "flannel" else "none",
        "egress-selector-mode": lambda: plan.egress_selector_mode or defaults.EGRESS_SELECTOR_MODE,
    }
    if flag.name in special:
        raw = special[flag.name]()
    elif flag.field:
        raw = p.get_value(plan, flag.field)
    else:
        raw = plan.extra.get(flag.name)
    return _norm(flag, raw)


def critical_changes(old: p.Plan, new: p.Plan) -> list[tuple[str, Any, Any]]:
    """(flag, value today, value planned) for every critical value that would change."""
    out = []
    for name in flags.CRITICAL:
        flag = flags.FLAGS[name]
        before, after = _effective(old, flag), _effective(new, flag)
        if before != after:
            out.append((name, before, after))
    return out


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(value) or "(none)"
    return "(unset)" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def our_dropin(plan: p.Plan, role: str) -> str:
    """The text of k3stui's drop-in for `role`, as `render` writes it (render.files._role_files)."""
    from k3stui.render.k3s_config import config_yaml, k3s_args

    return config_yaml(k3s_args(plan, role), role=role)


def install_exec(plan: p.Plan, role: str) -> str:
    """What the unit's ExecStart will say after the install: INSTALL_K3S_EXEC + script args."""
    from k3stui.render.install_cmd import install_command

    try:
        cmd = install_command(plan, role)
    except ValueError:  # an agent without a server URL: INST090 refuses the run anyway
        return role
    return shlex.join([cmd.env.get("INSTALL_K3S_EXEC", role), *cmd.args])


@dataclass(frozen=True)
class Outlook:
    """An existing K3s today and after this install, each merged as K3s merges it."""

    now: existing.Setup
    after: existing.Setup
    now_plan: p.Plan  # == now.plan, unless HostInfo was built by hand without its files
    ours: dict[str, Any]  # k3stui's drop-in: long flag name -> value
    known: bool  # the host's files were read (False: only a Plan was given, sources unknown)

    def now_source(self, name: str) -> str:
        return self.now.where(name) if self.known else "the existing configuration"


def outlook(plan: p.Plan, role: str, ex: ExistingK3s) -> Outlook | None:
    if not ex.installed or ex.plan is None:
        return None
    ours_text = our_dropin(plan, role)
    args = (ex.config_files, ex.unit, ex.unit_args)
    now = existing.now(*args)
    after = existing.after(*args, role=role, ours=ours_text, install_exec=install_exec(plan, role))
    ours = merge_documents([("ours", parse_config(ours_text, existing.dropin_path())[0])])
    known = bool(ex.config_files or ex.unit_args)
    return Outlook(now, after, now.plan if known else ex.plan, ours, known)


def critical_rows(o: Outlook) -> list[tuple[str, str, str, str, str]]:
    """(flag, value today, from where, value after the install, from where) per critical value."""
    out = []
    for name in flags.CRITICAL:
        flag = flags.FLAGS[name]
        out.append(
            (
                name,
                _show(_effective(o.now_plan, flag)),
                o.now_source(name),
                _show(_effective(o.after.plan, flag)),
                o.after.where(name),
            )
        )
    return out


def _norm_key(name: str, value: Any) -> Any:
    flag = flags.lookup(name)
    if flag is not None:
        return _norm(flag, value)
    if isinstance(value, (list, tuple)):
        return tuple(scalar_text(v) for v in value)
    return scalar_text(value)


def _show_key(name: str, value: Any) -> str:
    return "'********'" if name in SECRET_KEYS else _show(value)


def _existing(plan: p.Plan, role: str, host: HostInfo) -> list[Finding]:
    ex = host.existing
    if not ex.installed:
        return []
    out = [
        info(
            "INST010",
            "existing",
            "K3s is already on this host ("
            + ", ".join(ex.found[:4])
            + (", ..." if len(ex.found) > 4 else "")
            + "): this run updates it; every replaced "
            "file is backed up first",
        )
    ]
    if ex.role and ex.role != role:
        out.append(
            error(
                "INST011",
                "role",
                f"this host runs a K3s {ex.role}; the plan installs a {role}",
                hint=f"use --role {ex.role}, or uninstall K3s first (k3s-uninstall.sh / "
                "k3s-agent-uninstall.sh)",
            )
        )
    if ex.error:
        out.append(
            warning(
                "INST012",
                "existing",
                f"could not read the existing K3s configuration: {ex.error}",
                hint="critical values could not be compared; check them by hand",
            )
        )
    o = outlook(plan, role, ex)
    if o is None:
        return out
    out += _overrides(o)
    out += _dropped_unit_flags(o, role, critical_checked=ex.has_state and role == "server")
    out += _kept_values(plan, role, o)
    if ex.has_state and role == "server":
        out += _critical(o)
    return out


def _critical(o: Outlook) -> list[Finding]:
    """Real changes of critical values between today and after the install (both merged)."""
    out = []
    ours = existing.dropin_path()
    for name, before, after in critical_changes(o.now_plan, o.after.plan):
        why = (
            "CIDRs cannot change on an existing cluster"
            if name in _CIDR_FLAGS
            else f"{name} is a critical value and cannot change on an existing cluster"
        )
        old_src, new_src = o.now_source(name), o.after.where(name)
        if ours in new_src:
            hint = f"keep {name}: {_show(before)} in the plan"
        else:  # the change is not the plan's: the old value lived in the unit the install rewrites
            hint = (
                f"put {name}: {_show(before)} into the plan (k3stui writes it into its drop-in) "
                f"or into {defaults.CONFIG_FILE}"
            )
        out.append(
            error(
                "INST013",
                name,
                f"{why}: it is {_show(before)} here (from {old_src}), after the install it would be "
                f"{_show(after)} (from {new_src})",
                hint=hint + ", or uninstall K3s and install a new cluster "
                "(the datastore holds the old value)",
            )
        )
    return out


def _overrides(o: Outlook) -> list[Finding]:
    """Keys k3stui's drop-in writes that the user's files (or a surviving unit) also set."""
    out: list[Finding] = []
    path = existing.dropin_path()
    later = set(existing.later_dropins(o.after))
    for name, value in o.ours.items():
        mine = _norm_key(name, value)
        if name in o.after.exec_args:
            final, winner = o.after.exec_args[name], o.after.exec_source
        else:
            final, winner = o.after.file_values.get(name), o.after.where(name)
        if _norm_key(name, final) != mine:
            users = [s for s in o.after.file_sources(name) if s in later] or [winner]
            out.append(
                error(
                    "INST015",
                    name,
                    f"the plan sets {name}: {_show_key(name, mine)}, but {' + '.join(users)} "
                    f"{'overrides every file' if winner == o.after.exec_source else 'is read after ' + path}"
                    f": K3s would run with {_show_key(name, _norm_key(name, final))}, not what the plan says",
                    hint=f"remove {name} from {' and '.join(users)}, or give it the plan's value there",
                )
            )
            continue
        for source, doc in o.after.docs:
            if source == path:
                break  # only files read before ours are overridden by it
            theirs = [v for k, v in doc.items() if canonical_name(k.removesuffix("+")) == name]
            if theirs and _norm_key(name, theirs[-1]) != mine:
                out.append(
                    warning(
                        "INST014",
                        name,
                        f"{source} sets {name}: {_show_key(name, _norm_key(name, theirs[-1]))}; "
                        f"k3stui's drop-in {path} is read after it and wins: K3s will run with "
                        f"{_show_key(name, mine)}",
                        hint=f"remove {name} from {source} so one file says what runs",
                    )
                )
    return out


def _dropped_unit_flags(o: Outlook, role: str, *, critical_checked: bool) -> list[Finding]:
    """Flags of the old ExecStart that the install script's rewrite of the unit drops."""
    if not o.now.exec_args or o.after.exec_source == o.now.exec_source:
        return []  # no flags today, or the unit is not rewritten (it keeps its flags)
    out = []
    for name, raw in o.now.exec_args.items():
        if name in o.after.exec_args:
            continue
        flag = flags.lookup(name)
        if flag is not None and (flag.field or flag.critical):
            before, after = _effective(o.now.plan, flag), _effective(o.after.plan, flag)
        else:
            before, after = _norm_key(name, raw), _norm_key(name, o.after.file_values.get(name))
        if before == after or (critical_checked and name in flags.CRITICAL):
            continue  # the same value from the files; critical changes are INST013's
        out.append(
            warning(
                "INST017",
                name,
                f"{o.now.exec_source} sets --{name}={_show_key(name, before)}; the install rewrites it "
                f"to {shlex.quote('k3s ' + (o.after.exec_flags or role))}, so after it {name} is "
                f"{_show_key(name, after)} (from {o.after.where(name)})",
                hint=f"to keep it, put {name}: {_show_key(name, before)} into the plan or into "
                f"{defaults.CONFIG_FILE}",
            )
        )
    return out


def _kept_values(plan: p.Plan, role: str, o: Outlook) -> list[Finding]:
    """Values the plan leaves alone (its drop-in has no key) that the user's files set otherwise:
    K3s keeps the user's value, but what k3stui derives from the plan assumes its own."""
    out = []
    for flag in flags.FLAGS.values():
        name = flag.name
        if name in o.ours or flag.secret or not (flag.field or flag.critical):
            continue
        if role == "agent" and flag.scope == "server":
            continue  # a K3s agent ignores server flags
        src = o.after.where(name)
        if src == existing.DEFAULT_SOURCE:
            continue
        planned, kept = _effective(plan, flag), _effective(o.after.plan, flag)
        if planned == kept:
            continue
        # A critical value the plan does not describe is an error: the chart values, net-conf.json
        # and address checks k3stui derives from the plan would not match what K3s runs.
        make = error if flag.critical else info
        out.append(
            make(
                "INST016",
                name,
                f"the plan leaves {name} at {_show(planned)}, but {src} sets {_show(kept)} and K3s "
                f"keeps it (k3stui's drop-in does not write {name})",
                hint="import the host's settings into the plan so it says what runs (k3stui preset "
                f"import --config {defaults.CONFIG_FILE} --config-dir {defaults.CONFIG_DROPIN_DIR} "
                "--name host, or start the TUI from this host's config); what k3stui derives from the "
                "plan (charts, net-conf.json, these checks) uses the plan's value",
            )
        )
    return out


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


def _modules(plan: p.Plan, host: HostInfo) -> list[Finding]:
    out = []
    for mod, why, required in required_modules(plan):
        state = host.modules.get(mod)
        usable = state.usable if state else None
        if usable is False:
            make = error if required else warning
            out.append(
                make(
                    "INST020",
                    mod,
                    f"kernel module {mod} is not loaded, built in or installed; needed for {why}",
                    hint=f"install it (modprobe {mod}; on Ubuntu/Raspberry Pi linux-modules-extra-*, "
                    "on RHEL kernel-modules-extra) or choose another backend",
                )
            )
        elif usable is None and required:
            out.append(
                info(
                    "INST021",
                    mod,
                    f"could not tell whether kernel module {mod} is available (needed for {why})",
                )
            )
    return out


# --- addresses, routes, interfaces -----------------------------------------------------------


def _k3s_link(name: str | None) -> bool:
    return bool(name) and (name in _K3S_LINKS or name.startswith(_K3S_LINK_PREFIXES))


def _overlaps(plan: p.Plan, host: HostInfo) -> list[Finding]:
    out: list[Finding] = []
    ours = [("cluster-cidr", c) for c in p.effective_cluster_cidr(plan)]
    ours += [("service-cidr", c) for c in p.effective_service_cidr(plan)]
    skip_own = host.existing.installed  # its own cni0/flannel routes are K3s's, not conflicts
    for key, cidr in ours:
        net = p.parse_network(cidr)
        if net is None:
            continue  # the plan rules report the bad value
        for a in host.addresses or ():
            if a.family != net.version or (skip_own and _k3s_link(a.ifname)):
                continue
            if ipaddress.ip_network(a.cidr, strict=False).overlaps(net):
                out.append(
                    error(
                        "INST040",
                        key,
                        f"{key} {cidr} overlaps this host's address {a.cidr} on {a.ifname}",
                        hint=f"choose a {key} that no host network uses",
                    )
                )
        for r in host.routes or ():
            rnet = p.parse_network(r.dst) if r.dst != "default" else None
            if rnet is None or rnet.prefixlen == 0 or rnet.version != net.version:
                continue
            if skip_own and _k3s_link(r.dev):
                continue
            if rnet.overlaps(net):
                via = f" via {r.gateway}" if r.gateway else ""
                out.append(
                    error(
                        "INST041",
                        key,
                        f"{key} {cidr} overlaps this host's route to {r.dst}"
                        f"{via} on {r.dev or '?'}; that traffic would go to pods instead",
                        hint=f"choose a {key} outside every network this host reaches",
                    )
                )
    return out


def _interfaces(plan: p.Plan, host: HostInfo) -> list[Finding]:
    if host.interfaces is None:
        return []
    wanted: list[tuple[str, str]] = []
    if plan.flannel.iface and p.uses_flannel(plan):
        wanted.append(("flannel-iface", plan.flannel.iface))
    if plan.cni.multus:
        wanted += [(f"cni.multus.networks.{n.name}.master", n.master) for n in plan.cni.multus.networks]
    known = set(host.interfaces)
    return [
        error(
            "INST050",
            key,
            f"interface {name!r} does not exist on this host",
            hint="interfaces here: " + (", ".join(sorted(known)) or "(none)"),
        )
        for key, name in wanted
        if name not in known
    ]


# --- ports -------------------------------------------------------------------------------------


def required_ports(plan: p.Plan, role: str) -> list[tuple[str, int, str]]:
    out = [("tcp", defaults.SUPERVISOR_PORT, "K3s supervisor and API server")] if role == "server" else []
    out.append(("tcp", 10250, "kubelet"))
    if p.uses_flannel(plan):
        if plan.flannel.backend == "vxlan":
            out.append(("udp", plan.flannel.port or defaults.VXLAN_PORT, "flannel VXLAN"))
        if plan.flannel.backend == "wireguard-native":
            fam = p.ip_family(plan)
            if fam != "ipv6":
                out.append(("udp", defaults.WIREGUARD_PORT_V4, "flannel WireGuard (IPv4)"))
            if fam != "ipv4":
                out.append(("udp", defaults.WIREGUARD_PORT_V6, "flannel WireGuard (IPv6)"))
    if plan.cni.kind == "cilium" and plan.cni.cilium.routing_mode == "tunnel":
        port = 8472 if plan.cni.cilium.tunnel_protocol == "vxlan" else 6081
        out.append(("udp", port, f"Cilium {plan.cni.cilium.tunnel_protocol}"))
    return out


def _ports(plan: p.Plan, role: str, host: HostInfo) -> list[Finding]:
    if host.sockets is None:
        return []
    out = []
    for proto, port, why in required_ports(plan, role):
        users = sorted({s.address for s in host.sockets if s.proto == proto and s.port == port})
        if not users:
            continue
        where = ", ".join(users)
        if host.existing.installed:
            out.append(
                info(
                    "INST061",
                    f"{port}/{proto}",
                    f"{port}/{proto} ({why}) is in use on {where}, probably by the K3s already here",
                )
            )
        else:
            out.append(
                error(
                    "INST060",
                    f"{port}/{proto}",
                    f"{port}/{proto} is needed for {why} but is already in use on {where}",
                    hint="stop what listens there (ss -lntup shows it)",
                )
            )
    return out


def _router_adverts(plan: p.Plan, host: HostInfo) -> list[Finding]:
    if plan.accept_ra == 2 or host.routes is None:
        return []
    out = []
    for r in host.routes:
        if r.family != 6 or r.dst != "default" or r.proto != "ra":
            continue
        value = host.accept_ra.get(r.dev or "", host.accept_ra.get("all"))
        if value != 2:
            out.append(
                warning(
                    "INST070",
                    "accept_ra",
                    f"the IPv6 default route on {r.dev} is learnt from "
                    f"router advertisements and accept_ra is {value if value is not None else '?'}: "
                    "once K3s turns on forwarding the kernel ignores RAs and the route expires",
                    hint="set accept_ra: 2 in the plan (k3stui writes the sysctl drop-in)",
                )
            )
    return out


def _token_file(token_file: str | None, host: HostInfo) -> list[Finding]:
    if not token_file:
        return []
    state = host.files.get(token_file)
    if state is None or state.exists:
        if state is not None and state.mode is not None and state.mode & 0o077:
            return [
                warning(
                    "INST080",
                    "token-file",
                    f"{token_file} is readable by others (mode {state.mode:04o})",
                    hint=f"chmod 600 {token_file}",
                )
            ]
        return []
    return [
        error(
            "INST081",
            "token-file",
            f"the join token file {token_file} does not exist",
            hint=f"copy the server's {defaults.NODE_TOKEN} there (mode 0600)",
        )
    ]
