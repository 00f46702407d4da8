"""Installer test helpers: the fake install.sh, tree snapshots, plans, a sandbox host reader.

Nothing here touches the real /etc or /var/lib/rancher, runs a real K3s install or downloads."""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from pathlib import Path

from k3stui.install.hostinfo import HostReader
from k3stui.plan import Plan, Secret, with_value

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "install"
FAKE_SCRIPT = FIXTURES / "fake-install.sh"
SERVER_URL = "https://10.0.0.1:6443"
TOKEN = "K10sup3r-s3cret-t0ken::server:abcdef"
# What the fake script may see besides the plan's variables (sh adds PWD, SHLVL, _).
ALLOWED_OTHER_ENV = {"PATH", "HOME", "LANG", "TERM", "PWD", "OLDPWD", "SHLVL", "_"}


def recorded_env(script: Path) -> dict[str, str]:
    out = {}
    for line in (script.parent / "record.env").read_text().splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out[k] = v
    return out


def install_env(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k.startswith(("INSTALL_K3S_", "K3S_"))}


def snapshot(root: Path, *, ignore_logs: bool = True) -> dict[str, tuple[str, object, int]]:
    """Every path under root: kind, bytes (or link target) and mode. The kept install log is the
    one thing a failed run may leave, so it is left out on request."""
    out: dict[str, tuple[str, object, int]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            if ignore_logs and rel.startswith("var/log/k3stui-install-"):
                continue
            st = p.lstat()
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(p), 0)
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", None, stat.S_IMODE(st.st_mode))
            else:
                out[rel] = ("file", p.read_bytes(), stat.S_IMODE(st.st_mode))
    return out


def reader(root: Path) -> HostReader:
    """The sandbox as the host: no `ip` (it is an image), root privileges assumed; the "running
    host" whose /etc install.sh would touch under --root is an empty folder beside it."""
    running = root.parent / "running-host"
    return HostReader(root, run=_no_commands, use_ip=False, is_root=True, host_root=running)


def _no_commands(argv):  # pragma: no cover - a test reaching it is a bug
    raise AssertionError(f"no command may run here: {argv}")


def agent_plan(plan: Plan) -> Plan:
    return replace(with_value(plan, "role", "agent"), server=SERVER_URL)


def token_plan(plan: Plan) -> Plan:
    return replace(plan, token=Secret(TOKEN))


def place_agent_token(root: Path) -> None:
    from k3stui.render.k3s_config import AGENT_TOKEN_FILE

    p = root / AGENT_TOKEN_FILE.lstrip("/")
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text("node-token-from-server\n")
    os.chmod(p, 0o600)


def presets() -> list[tuple[str, Plan]]:
    from k3stui.presets import load_preset_text

    out = []
    for p in sorted((REPO / "presets").glob("*.yaml")):
        out.append((p.stem, load_preset_text(p.read_text(), str(p)).plan))
    return out


def prepare(plan: Plan, role: str, root: Path, script: Path | str | None, bundle=None, *, k3s_version=None):
    """The sandbox read and the plan of action, through the installer's own entry point."""
    from k3stui.install.api import prepare as api_prepare

    return api_prepare(
        plan,
        role,
        root=str(root),
        airgap=bundle,
        install_script=str(script) if script else None,
        k3s_version=k3s_version,
        reader=reader(root),
        stamp="test",
    )


def install(
    plan: Plan, role: str, root: Path, script: Path | None, bundle=None, *, k3s_version=None, on_line=None
):
    """preflight + plan_actions + run_actions in the sandbox; (actions, result, lines)."""
    from k3stui.install.runner import as_lines, run_actions

    actions = prepare(plan, role, root, script, bundle, k3s_version=k3s_version)
    lines: list[str] = []

    def collect(line: str) -> None:
        lines.append(line)
        if on_line:
            on_line(line)

    return actions, run_actions(actions, as_lines(collect)), lines


def expected_env(
    plan: Plan, role: str, root: Path, *, airgap: bool = False, k3s_version: str | None = None
) -> dict[str, str]:
    from k3stui.render.k3s_config import AGENT_TOKEN_FILE
    from k3stui.versions import NEWEST_KNOWN

    # Always pinned: the release the plan was judged for (--k3s-version, the plan's, the newest known).
    env = {"INSTALL_K3S_EXEC": role, "INSTALL_K3S_VERSION": k3s_version or plan.k3s_version or NEWEST_KNOWN}
    if role == "agent":
        env["K3S_URL"] = plan.server or SERVER_URL
        env["K3S_TOKEN_FILE"] = plan.token_file or AGENT_TOKEN_FILE
    if airgap:
        env["INSTALL_K3S_SKIP_DOWNLOAD"] = "true"
    env.update(
        {
            "INSTALL_K3S_SKIP_START": "true",
            "INSTALL_K3S_SKIP_ENABLE": "true",
            "INSTALL_K3S_BIN_DIR": f"{root}/usr/local/bin",
            "INSTALL_K3S_SYSTEMD_DIR": f"{root}/etc/systemd/system",
            "INSTALL_K3S_SKIP_SELINUX_RPM": "true",  # install.sh would add a repo and an RPM to this host
            "INSTALL_K3S_SYMLINK": "force",
        }
    )
    return env
