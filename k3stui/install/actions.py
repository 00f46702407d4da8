"""The installer's plan of action, as data: which files go where (with a diff against what is
there), which commands run with which environment, and what preflight found.

Pure: (Plan, role, root, HostInfo, Bundle) in, `Actions` out. `runner` carries them out;
`describe` is the dry run. Every printable form goes through `mask`: no secret is ever shown.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from k3stui import defaults
from k3stui.findings import Finding, error, has_errors, sort_findings
from k3stui.install import preflight
from k3stui.install.airgap import Bundle, embed_in_manifest
from k3stui.install.hostinfo import FileState, HostInfo
from k3stui.plan import Plan

MASK = "********"
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
_SECRET_LINE = re.compile(
    r"^(?P<head>[ \t+-]*['\"]?[A-Za-z0-9_-]*(?:token|TOKEN|password|secret)"
    r"(?![A-Za-z0-9_-]*(?:file|File|FILE))[A-Za-z0-9_-]*['\"]?\s*[:=]\s*).+$",
    re.M,
)


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
    # An existing K3s: (flag, today, from where, after the install, from where) per critical value.
    existing: tuple[tuple[str, str, str, str, str], ...] = ()

    @property
    def refused(self) -> bool:
        return has_errors(list(self.findings))

    def mask(self, text: str) -> str:
        return mask(text, self.secrets)


def mask(text: str, secrets: Iterable[str]) -> str:
    """Hide every known secret value, and any value of a token/password-looking key (catches an
    old token in a file being replaced, which the plan does not know)."""
    for s in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(s, MASK)
    return _SECRET_LINE.sub(lambda m: m.group("head") + MASK, text)


def plan_secrets(plan: Plan) -> tuple[str, ...]:
    from k3stui.importers._common import SECRET_KEYS

    out = [plan.token.value] if plan.token is not None and plan.token.value else []
    for key, value in plan.extra.items():
        if key in SECRET_KEYS and value:
            out += [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return tuple(out)


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


def _rendered(plan: Plan, role: str, k3s_version: str | None) -> list[_Wanted]:
    from k3stui.chart import chart_export_files
    from k3stui.render.files import ChartExport, render_all

    chart = ChartExport(chart_export_files(plan, k3s_version=k3s_version)) if role == "server" else None
    return [
        _Wanted(f.dest, f.mode, f.description, f.content)
        for f in render_all(plan, k3s_version=k3s_version, chart=chart)
        if f.dest and role in f.roles
    ]


def wanted_files(
    plan: Plan, role: str, bundle: Bundle | None, k3s_version: str | None = None
) -> tuple[list[_Wanted], list[str]]:
    """Files for this role's node, air-gap artifacts included; and charts the bundle lacks."""
    out = _rendered(plan, role, k3s_version)
    missing: list[str] = []
    if bundle is None:
        return out, missing
    embedded = []
    for w in out:
        if w.dest.startswith(defaults.AUTO_DEPLOY_DIR + "/") and w.content is not None:
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
                f"{defaults.IMAGES_DIR}/{name}",
                0o644,
                "K3s images, imported at start",
                source=img,
                sha256=bundle.sums.get(rel),
            )
        )
    return out, missing


def token_file_needed(plan: Plan, role: str, k3s_version: str | None = None) -> str | None:
    """The token file an agent joins with, when the plan points at one instead of carrying the token."""
    if role != "agent":
        return None
    try:
        from k3stui.render.install_cmd import install_command

        return install_command(plan, role, k3s_version=k3s_version).env.get("K3S_TOKEN_FILE")
    except ValueError:
        return None


def node_paths(plan: Plan, role: str, bundle: Bundle | None, k3s_version: str | None = None) -> list[str]:
    """Every node path `plan_actions` wants to know the current state of (for HostReader.read)."""
    files, _ = wanted_files(plan, role, bundle, k3s_version)
    paths = [w.dest for w in files]
    token = token_file_needed(plan, role, k3s_version)
    return paths + ([token] if token else [])


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
    lines = difflib.unified_diff(
        mask(old_text, secrets).splitlines(keepends=True),
        mask(new_text, secrets).splitlines(keepends=True),
        fromfile=f"a{dest}" if old.exists else "/dev/null",
        tofile=f"b{dest}",
    )
    body = "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )
    return True, mode_note + body


# --- the plan of action ------------------------------------------------------------------------


def plan_actions(
    plan: Plan,
    role: str,
    root: str,
    host: HostInfo,
    airgap: Bundle | None = None,
    *,
    k3s_version: str | None = None,
    install_script: str | None = None,
    findings: Sequence[Finding] = (),
    stamp: str = "now",
) -> Actions:
    """Everything `k3stui install` would do on this host, and whether it may (findings)."""
    from k3stui.render.install_cmd import install_command

    secrets = plan_secrets(plan)
    under_root = root != "/"
    found = list(findings)
    notes: list[str] = []
    wanted, missing_charts = wanted_files(plan, role, airgap, k3s_version)
    found += [
        error(
            "INST003",
            "airgap",
            f"upstream chart {m} is not in the bundle; nothing can download it on an air-gapped host",
            hint="put its .tgz into --artifacts and make the bundle again",
        )
        for m in missing_charts
    ]

    files = []
    for w in wanted:
        content = w.content
        mode = w.mode
        if content is not None and any(s.encode() in content for s in secrets):
            mode = 0o600  # it carries the token: owner-only, whatever the renderer said
        old = host.files.get(w.dest, FileState(False))
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
                    if under_root
                    else None
                ),
                sysctl_keys=sysctl_keys(sysctl.content),
            )
        )

    try:
        cmd = install_command(plan, role, k3s_version=k3s_version, airgap=airgap is not None)
    except ValueError as exc:
        cmd = None
        found.append(
            error("INST090", "server", f"cannot install {'an' if role == 'agent' else 'a'} {role}: {exc}")
        )
    if cmd is not None:
        env = dict(cmd.env)
        url = env.get("K3S_URL")
        if url is not None and not url.startswith("https://"):
            found.append(
                error(
                    "INST091",
                    "server",
                    f"K3S_URL must start with https:// (the K3s install script refuses it): {url!r}",
                    hint="server: https://<server>:6443",
                )
            )
        bin_dir, unit_dir = target_path(root, defaults.BIN_DIR), target_path(root, defaults.SYSTEMD_DIR)
        if under_root:
            env.update(
                {
                    "INSTALL_K3S_SKIP_START": "true",
                    "INSTALL_K3S_SKIP_ENABLE": "true",
                    "INSTALL_K3S_BIN_DIR": bin_dir,
                    "INSTALL_K3S_SYSTEMD_DIR": unit_dir,
                }
            )
            notes.append("--root: K3s is installed into the folder but neither enabled nor started")
        download = None
        if airgap is not None:
            script = airgap.install_script or f"{airgap.path}/artifacts/install.sh"
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
                ("sh", script, *cmd.args),
                env,
                f"the official K3s install script ({'air-gapped, ' if airgap else ''}{role})",
                download=download,
                guard=guard,
                script_sha256=airgap.sums.get(script.removeprefix(airgap.path.rstrip("/") + "/"))
                if airgap
                else None,
            )
        )

    found += preflight.check(
        plan,
        role,
        host,
        under_root=under_root,
        airgap_problems=airgap.problems if airgap else (),
        airgap_arches=airgap.image_arches if airgap else (),
        token_file=cmd.env.get("K3S_TOKEN_FILE") if cmd else None,
    )
    outlook = preflight.outlook(plan, role, host.existing)
    return Actions(
        role=role,
        root=root,
        files=tuple(files),
        commands=tuple(commands),
        findings=tuple(sort_findings(found)),
        log_path=target_path(root, f"/var/log/k3stui-install-{stamp}.log"),
        notes=tuple(notes),
        secrets=secrets,
        existing=tuple(preflight.critical_rows(outlook)) if outlook and role == "server" else (),
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
        out.append("Existing K3s: critical values today -> after this install (merged as K3s merges")
        out.append("  config.yaml, config.yaml.d/*.yaml by name with k3stui's drop-in, then ExecStart)")
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
        out.append(f"    {command_text(c, s)}")
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
