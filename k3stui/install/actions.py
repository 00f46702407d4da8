"""The installer's plan of action, as data: which files go where (with a diff against what is
there), which commands run with which environment, and what preflight found.

Pure: a `PreflightContext` (plan, role, host facts, the existing set-up, the plan rendered once,
the bundle) and the files wanted in, `Actions` out; `api.prepare` builds both. `runner` carries
them out; `describe` is the dry run. Every printable form goes through `mask`: no secret is ever shown.
"""

from __future__ import annotations

import difflib
import hashlib
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

from k3stui import defaults
from k3stui import secrets as secrets_mod
from k3stui.findings import Finding, has_errors, sort_findings
from k3stui.install import preflight
from k3stui.install.airgap import Bundle, embed_in_manifest
from k3stui.install.hostinfo import FileState
from k3stui.install.paths import NodePaths
from k3stui.install.preflight import PreflightContext
from k3stui.install.rendered import Rendered

MASK = secrets_mod.MASK
BINARY_DEST = f"{defaults.BIN_DIR}/k3s"
# What the official install.sh writes: guarded so a failed run can be undone (k3s:install.sh).
SCRIPT_BIN_FILES = (
    "k3s",
    "kubectl",
    "crictl",
    "ctr",
    "k3s-killall.sh",
    "k3s-uninstall.sh",
    "k3s-agent-uninstall.sh",
)
SCRIPT_UNIT_FILES = ("k3s.service", "k3s.service.env", "k3s-agent.service", "k3s-agent.service.env")


@dataclass(frozen=True)
class FileAction:
    dest: str  # absolute path on the node
    target: str  # where it is written: dest under root
    mode: int
    description: str
    content: bytes | None = field(default=None, repr=False)  # what to write...
    source: str | None = None  # ...or a bundle artifact to copy (too big to hold)
    existed: bool = False
    changed: bool = True
    diff: str = ""  # masked unified diff, or a one-line summary for binary files
    sha256: str | None = None  # the bundle's checksum of `source`: verified again as it is copied


@dataclass(frozen=True)
class CommandAction:
    kind: str  # "sysctl" | "install"
    argv: tuple[str, ...]
    env: dict[str, str]  # the plan's variables; the runner adds PATH, HOME, LANG
    description: str
    skip: str | None = None  # why it does not run (under --root)
    download: str | None = None  # fetch argv[1] from this URL first (online, no --install-script)
    guard: tuple[str, ...] = ()  # paths (under root) the command may write: undone on failure
    sysctl_keys: tuple[str, ...] = ()  # values to put back if a later step fails
    script_sha256: str | None = None  # the bundle's checksum of argv[1]: verified again right before it runs


@dataclass(frozen=True)
class Actions:
    role: str
    root: str
    files: tuple[FileAction, ...]
    commands: tuple[CommandAction, ...]
    findings: tuple[Finding, ...]
    log_path: str
    notes: tuple[str, ...] = ()
    secrets: tuple[str, ...] = field(default=(), repr=False)
    # An existing K3s: (key, today, from where, after the install, from where) for every critical
    # value (servers) and every other key whose effective value the install changes.
    existing: tuple[tuple[str, str, str, str, str], ...] = ()

    @property
    def refused(self) -> bool:
        return has_errors(list(self.findings))

    def mask(self, text: str) -> str:
        return mask(text, self.secrets)


# One masking module for every output (k3stui/secrets.py); these names stay as thin aliases.
mask = secrets_mod.mask_text
plan_secrets = secrets_mod.plan_secrets


def target_path(root: str, dest: str) -> str:
    """`dest` below `root`, lexically (fsio.under_root checks symlinks when writing)."""
    rel = PurePosixPath(dest).relative_to("/")
    return str(PurePosixPath(root) / rel) if root != "/" else dest


# --- what goes on the node -------------------------------------------------------------------


@dataclass(frozen=True)
class _Wanted:
    dest: str
    mode: int
    description: str
    content: bytes | None = None
    source: str | None = None
    sha256: str | None = None


def wanted_files(
    rendered: Rendered, role: str, bundle: Bundle | None, paths: NodePaths | None = None
) -> tuple[list[_Wanted], list[str]]:
    """Files for this role's node, air-gap artifacts included; and charts the bundle lacks."""
    paths = paths or NodePaths.of(rendered.plan)
    out = [_Wanted(f.dest, f.mode, f.description, f.content) for f in rendered.node_files(role) if f.dest]
    missing: list[str] = []
    if bundle is None:
        return out, missing
    embedded = []
    for w in out:
        if w.dest.startswith(paths.auto_deploy_dir + "/") and w.content is not None:
            content, miss = embed_in_manifest(w.content, bundle.charts)
            missing += miss
            w = _Wanted(w.dest, w.mode, w.description + " (upstream charts embedded: chartContent)", content)
        embedded.append(w)
    out = embedded
    base = bundle.path.rstrip("/") + "/"
    if bundle.binary:
        rel = bundle.binary.removeprefix(base)
        out.append(
            _Wanted(
                BINARY_DEST,
                0o755,
                "the k3s binary from the bundle",
                source=bundle.binary,
                sha256=bundle.sums.get(rel),
            )
        )
    for img in bundle.images:
        name = PurePosixPath(img).name
        rel = img.removeprefix(base)
        out.append(
            _Wanted(
                f"{paths.images_dir}/{name}",
                0o644,
                "K3s images, imported at start",
                source=img,
                sha256=bundle.sums.get(rel),
            )
        )
    return out, missing


def node_paths(rendered: Rendered, role: str, wanted: Sequence[_Wanted]) -> list[str]:
    """Every node path `plan_actions` wants to know the current state of (for HostReader.read)."""
    cmd = rendered.command(role)
    token = cmd.env.get("K3S_TOKEN_FILE") if cmd is not None and role == "agent" else None
    return [w.dest for w in wanted] + ([token] if token else [])


# --- diffs ------------------------------------------------------------------------------------


def _text(data: bytes) -> str | None:
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def file_diff(
    dest: str,
    old: FileState,
    new: bytes | None,
    new_mode: int,
    secrets: Sequence[str],
    *,
    new_sha: str | None = None,
) -> tuple[bool, str]:
    """(changed, masked diff). Binary or big content gets a one-line summary instead."""
    mode_note = ""
    if old.exists and old.mode is not None and old.mode != new_mode:
        mode_note = f"mode {old.mode:04o} -> {new_mode:04o}\n"
    if new is None:  # an artifact copied from the bundle: compare checksums
        same = old.exists and old.sha256 is not None and old.sha256 == new_sha
        if same and not mode_note:
            return False, ""
        what = "replace" if old.exists else "new"
        return True, mode_note + f"{what} binary file {dest} (sha256 {new_sha or '?'})\n"
    same = old.content == new if old.content is not None else old.sha256 == hashlib.sha256(new).hexdigest()
    if old.exists and same and not mode_note:
        return False, ""  # big files are known by checksum only
    old_text = "" if not old.exists else _text(old.content) if old.content is not None else None
    new_text = _text(new)
    if old_text is None or new_text is None:
        sha = hashlib.sha256(new).hexdigest()
        return True, mode_note + f"binary file {dest}: {len(new)} bytes, sha256 {sha}\n"
    hide = secrets_mod.mask_yaml if dest.endswith((".yaml", ".yml")) else mask  # YAML: by key, any quoting
    lines = difflib.unified_diff(
        hide(old_text, secrets).splitlines(keepends=True),
        hide(new_text, secrets).splitlines(keepends=True),
        fromfile=f"a{dest}" if old.exists else "/dev/null",
        tofile=f"b{dest}",
    )
    body = "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )
    return True, mode_note + body


# --- the plan of action ------------------------------------------------------------------------


def _with_uplink(ctx: PreflightContext, wanted: list[_Wanted]) -> tuple[list[_Wanted], list[str]]:
    """The sysctl drop-in with the uplink's own accept_ra line when the uplink was found on the host
    (the interface of its IPv6 default route): the kernel does not copy all.accept_ra to an
    interface that already exists (reference §9)."""
    plan = ctx.plan
    if ctx.uplink is None or plan.flannel.iface or plan.accept_ra is None:
        return wanted, []  # flannel-iface: the renderer already wrote its line
    from k3stui.plan import with_value
    from k3stui.render.sysctl import SYSCTL_NODE_PATH, sysctl_dropin

    text = sysctl_dropin(with_value(plan, "flannel.iface", ctx.uplink))  # only this file's text
    if text is None:
        return wanted, []
    out = [replace(w, content=text.encode()) if w.dest == SYSCTL_NODE_PATH else w for w in wanted]
    note = (
        f"accept_ra: the sysctl drop-in also sets {ctx.uplink}'s own accept_ra, the interface of this "
        "node's IPv6 default route (all/default do not reach an interface that already exists)"
    )
    return out, [note]


def _install_env(ctx: PreflightContext, bin_dir: str, unit_dir: str) -> tuple[dict[str, str], list[str]]:
    """The install script's environment, and what the dry run says about it."""
    cmd = ctx.command
    assert cmd is not None
    env = dict(cmd.env)
    notes = [
        f"INSTALL_K3S_VERSION={env['INSTALL_K3S_VERSION']}: the install is pinned to the K3s release the "
        "plan was checked against (--k3s-version, else the plan's, else the newest k3stui knows)"
    ]
    if ctx.bundle is not None:
        env["INSTALL_K3S_SKIP_DOWNLOAD"] = "true"
    if ctx.under_root:
        env.update(
            {
                "INSTALL_K3S_SKIP_START": "true",
                "INSTALL_K3S_SKIP_ENABLE": "true",
                "INSTALL_K3S_BIN_DIR": bin_dir,
                "INSTALL_K3S_SYSTEMD_DIR": unit_dir,
                # install.sh setup_selinux: else it adds a yum/zypper repository and the k3s-selinux
                # RPM to the host it runs on, not to the image.
                "INSTALL_K3S_SKIP_SELINUX_RPM": "true",
                # create_symlinks: else the image's kubectl/crictl/ctr links depend on this host's PATH.
                "INSTALL_K3S_SYMLINK": "force",
            }
        )
        notes.append("--root: K3s is installed into the folder but neither enabled nor started")
        notes.append(
            "--root: INSTALL_K3S_SKIP_SELINUX_RPM=true (install.sh would add a package repository and "
            "the k3s-selinux RPM to this host) and INSTALL_K3S_SYMLINK=force (the folder gets its "
            "kubectl, crictl and ctr links whatever this host's PATH holds)"
        )
    return env, notes


def plan_actions(
    ctx: PreflightContext,
    wanted: Sequence[_Wanted],
    *,
    install_script: str | None = None,
    findings: Sequence[Finding] = (),
    stamp: str = "now",
) -> Actions:
    """Everything `k3stui install` would do on this host, and whether it may (the findings, with
    every registered preflight check's)."""
    plan, role, root = ctx.plan, ctx.role, ctx.root
    secrets = plan_secrets(plan)
    wanted_now, notes = _with_uplink(ctx, list(wanted))

    files = []
    for w in wanted_now:
        content = w.content
        mode = w.mode
        if content is not None and any(s.encode() in content for s in secrets):
            mode = 0o600  # it carries the token: owner-only, whatever the renderer said
        old = ctx.host.files.get(w.dest, FileState(False))
        changed, diff = file_diff(w.dest, old, content, mode, secrets, new_sha=w.sha256)
        files.append(
            FileAction(
                dest=w.dest,
                target=target_path(root, w.dest),
                mode=mode,
                description=w.description,
                content=content,
                source=w.source,
                existed=old.exists,
                changed=changed,
                diff=diff,
                sha256=w.sha256,
            )
        )

    commands: list[CommandAction] = []
    sysctl = next((f for f in files if f.dest.startswith(defaults.SYSCTL_DIR + "/")), None)
    if sysctl is not None and sysctl.content is not None:
        commands.append(
            CommandAction(
                "sysctl",
                ("sysctl", "-p", sysctl.dest),
                {},
                "apply the sysctl drop-in now",
                skip=(
                    "--root: not applied to this host; the image applies it at boot (systemd-sysctl)"
                    if ctx.under_root
                    else None
                ),
                sysctl_keys=sysctl_keys(sysctl.content),
            )
        )

    if ctx.command is not None:
        bin_dir, unit_dir = target_path(root, defaults.BIN_DIR), target_path(root, defaults.SYSTEMD_DIR)
        env, env_notes = _install_env(ctx, bin_dir, unit_dir)
        notes += env_notes
        download = None
        if ctx.bundle is not None:
            script = ctx.bundle.install_script or f"{ctx.bundle.path}/artifacts/install.sh"
        elif install_script:
            script = install_script
        else:
            script, download = "<downloaded install.sh>", defaults.INSTALL_SCRIPT_URL
        guard = tuple(f"{bin_dir}/{n}" for n in SCRIPT_BIN_FILES) + tuple(
            f"{unit_dir}/{n}" for n in SCRIPT_UNIT_FILES
        )
        commands.append(
            CommandAction(
                "install",
                ("sh", script, *ctx.command.args),
                env,
                f"the official K3s install script ({'air-gapped, ' if ctx.bundle else ''}{role})",
                download=download,
                guard=guard,
                script_sha256=ctx.bundle.sums.get(script.removeprefix(ctx.bundle.path.rstrip("/") + "/"))
                if ctx.bundle
                else None,
            )
        )

    found = [*findings, *preflight.run(ctx)]
    return Actions(
        role=role,
        root=root,
        files=tuple(files),
        commands=tuple(commands),
        findings=tuple(sort_findings(found)),
        log_path=target_path(root, f"/var/log/k3stui-install-{stamp}.log"),
        notes=tuple(notes),
        secrets=secrets,
        existing=tuple(preflight.outlook_rows(ctx.outlook, role)) if ctx.outlook else (),
    )


def sysctl_keys(content: bytes) -> tuple[str, ...]:
    keys = []
    for line in content.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";")) and "=" in line:
            keys.append(line.split("=", 1)[0].strip().lstrip("-"))
    return tuple(keys)


# --- the dry run --------------------------------------------------------------------------------


def env_text(env: dict[str, str], secrets: Sequence[str]) -> str:
    return " ".join(f"{k}={shlex.quote(mask(v, secrets))}" for k, v in env.items())


def command_text(c: CommandAction, secrets: Sequence[str]) -> str:
    words = " ".join(shlex.quote(mask(a, secrets)) for a in c.argv)
    return f"{env_text(c.env, secrets)} {words}".strip()


def describe(actions: Actions, *, dry_run: bool = True) -> str:
    """Everything a run would do, for people: preflight, each file with its diff, each command
    with its environment. Secrets masked. `dry_run=False`: the text shown before asking."""
    from k3stui.report import format_findings

    s = actions.secrets
    out = [
        f"k3stui install: {actions.role} on {actions.root}",
        "",
        "Preflight",
        format_findings(list(actions.findings)),
        "",
    ]
    if actions.existing:
        what = (
            "critical values and every value this install changes"
            if actions.role == "server"
            else ("every value this install changes")
        )
        out.append(f"Existing K3s: {what}, today -> after this install")
        out.append("  (merged as K3s merges config.yaml, config.yaml.d/*.yaml by name with k3stui's drop-in,")
        out.append("  then ExecStart)")
        for name, before, src_before, after, src_after in actions.existing:
            if before == after and src_before == src_after:
                out.append(f"  {name}: {before}  [{src_before}]  unchanged")
            else:
                mark = "unchanged value" if before == after else "CHANGES"
                out.append(f"  {name}: {before}  [{src_before}]  ->  {after}  [{src_after}]  {mark}")
        out.append("")
    out.append("Files")
    for f in actions.files:
        state = "unchanged" if not f.changed else ("replace (backup first)" if f.existed else "new")
        out.append(f"  {f.dest}  [{f.mode:04o}, {state}]  {f.description}")
        if actions.root != "/":
            out.append(f"    written to {f.target}")
        if f.changed and f.diff:
            out += ["    " + _clip(line) for line in mask(f.diff, s).rstrip("\n").splitlines()]
    out += ["", "Commands"]
    for c in actions.commands:
        out.append(f"  {c.description}:")
        if c.download:
            out.append(f"    download {c.download} (only on a real run)")
        # One variable a line: the pinned version and the --root switches stay readable.
        out += [f"    {k}={shlex.quote(mask(v, s))} \\" for k, v in c.env.items()]
        out.append("    " + " ".join(shlex.quote(mask(a, s)) for a in c.argv))
        if c.skip:
            out.append(f"    skipped: {c.skip}")
    for n in actions.notes:
        out.append(f"Note: {n}")
    out.append(f"Log of a real run: {actions.log_path}")
    verdict = (
        "REFUSED: fix the errors above first"
        if actions.refused
        else "dry run: nothing was changed"
        if dry_run
        else "about to do the above"
    )
    out += ["", verdict]
    return mask("\n".join(out), s) + "\n"


def _clip(line: str, width: int = 240) -> str:
    """Embedded charts are one huge base64 line: show its start, not 100 kB."""
    return line if len(line) <= width else f"{line[:width]}... (+{len(line) - width} characters)"
