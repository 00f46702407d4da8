#!/usr/bin/env python3
"""`make test-k3s-ansible K3S_ANSIBLE=/path/to/k3s-ansible`: the real k3s-ansible playbook, from a
checkout the user names (never cloned, never vendored), against nodes simulated on this host.

Per scenario (tests/fixtures/k3s-ansible/plans/*.yaml):
1. `k3stui render --ansible EXPORT --airgap ARTS` and `k3stui render --per-node --out PER_NODE`;
   ARTS holds the fake `k3s` and `k3s-install.sh` (tests/fixtures/k3s-ansible/fakenode.py) and an
   image archive, so k3s-ansible takes its air-gap path and downloads nothing. No token in EXPORT.
2. One network namespace per node, a veth from it to a bridge in a namespace of its own, the node's
   addresses from the plan on the interface the plan names (flannel-iface, else eth0); one root
   per node: the host's /usr under a copy-on-write overlay (the fakes `systemctl` and `sysctl` on
   top), an /etc skeleton, /dev/null & co bound in; no /proc, so nothing reaches the host's sysctls.
3. The user's files of the export: connection.yml (community.general.chroot with a chroot_exe that
   enters the node's namespace, then its root, with a clean environment) and, when the plan has a
   token, the vault file holding it. Ansible reaches a host at its exported `ansible_host`: the
   playbook runs in a folder where each address names its node's root.
4. The real `ansible-playbook` (the export's site.yml, else k3s.orchestration.site), then per node:
   /etc/rancher/k3s/config.yaml against `render --per-node`'s drop-in for that node (as data,
   modulo what k3s-ansible sets itself: the join keys, tls-san, the token), the node files (net-
   conf.json, the sysctl drop-in, applied), the air-gap binary, the units running, every node joined.
5. Always, also on failure or Ctrl-C: the nodes' processes killed, mounts undone, namespaces
   deleted. The whole run is in a private mount namespace (`unshare --mount`), so a mount can never
   outlive it; afterwards the host paths K3s and k3s-ansible would write are compared with before.

Needs root (namespaces, mounts, chroot), iproute2, util-linux, overlayfs, /usr/bin/python3 and an
ansible-playbook with community.general, ansible.posix and ansible.utils (`--ansible-bin`, the
target's own venv). Exit 0 all passed, 1 a check failed, 2 cannot run here (the reason is printed).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from k3stui.render.files import DROPIN_NODE_PATH

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "k3s-ansible"
FAKE = FIXTURES / "fakenode.py"
# A token given at export time (the HA scenario): it must appear in no exported file.
PLANTED_TOKEN = "e2e-planted-join-token-7f3a"
NODE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DROPIN = DROPIN_NODE_PATH.lstrip("/")  # the per-node drop-in, inside nodes/<name>/
INNER = "K3STUI_E2E_INNER"  # set in the re-run inside the private mount namespace
NEEDED_COLLECTIONS = ("community.general", "ansible.posix", "ansible.utils")
# Host paths K3s, its installer or k3s-ansible write on a real node: unchanged by a run.
WATCHED = ("/etc/rancher", "/var/lib/rancher", "/etc/systemd/system", "/usr/local/bin", "/etc/sysctl.d",
           "/etc/sysctl.conf", "/etc/modules-load.d", "/etc/default", "/etc/sudoers", "/root/.kube",
           "/run/k3stui-fake", "/proc/sys/net/ipv4/ip_forward",
           "/proc/sys/net/ipv6/conf/all/forwarding", "/proc/sys/net/ipv6/conf/all/accept_ra",
           "/proc/sys/net/ipv6/conf/default/accept_ra")


def _load_fake() -> Any:
    """The fakes' module: the driver reads unit files and sysctl files with their parsers."""
    spec = importlib.util.spec_from_file_location("k3stui_e2e_fakenode", FAKE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fake = _load_fake()


@dataclass(frozen=True)
class Scenario:
    name: str
    plan: Path
    exec_flags: tuple[str, ...] = ()  # extra `--exec` for render (the token given at export time)
    token: str | None = None  # the join token the user keeps in the export's vault file
    runs: int = 1  # 2: site.yml again on the running cluster (k3s-ansible restarts every node)


SCENARIOS = {
    "two-nodes": Scenario("two-nodes", FIXTURES / "plans" / "two-nodes.yaml"),
    "ha": Scenario("ha", FIXTURES / "plans" / "ha.yaml", (f"--token={PLANTED_TOKEN}",), PLANTED_TOKEN,
                   runs=2),
}


@dataclass
class SimNode:
    name: str
    role: str
    address: str  # ansible_host
    iface: str
    addresses: tuple[str, ...]
    netns: str = ""
    root: Path = field(default_factory=Path)


# --- pure parts (tests/e2e/test_k3s_ansible_parts.py) -----------------------------------------

# What k3s-ansible adds to a node's config.yaml itself (k3s_server/tasks/main.yml) and what the
# per-node drop-in carries instead for the same purpose: compared on their own, not as settings.
_ANSIBLE_OWN = ("token", "tls-san", "server", "cluster-init")
_DROPIN_JOIN = ("token", "token-file", "server", "cluster-init")
# Keys k3s-ansible's export always writes (its firewall tasks read them), K3s's defaults otherwise.
_K3S_DEFAULTS = {"cluster-cidr": ("10.42.0.0/16", "fd00:42::/56"),
                 "service-cidr": ("10.43.0.0/16", "fd00:43::/112")}


def as_k3s_list(value: Any) -> Any:
    """A StringSlice flag's value as K3s reads it: a list, or a string split on commas."""
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str) and "," in value:
        return value.split(",")
    return value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) or isinstance(b, list):
        a, b = as_k3s_list(a), as_k3s_list(b)
        return (a if isinstance(a, list) else [a]) == (b if isinstance(b, list) else [b])
    return a == b


def compare_config(written: dict[str, Any], dropin: dict[str, Any], *, role: str, first: bool, ha: bool,
                   api_endpoint: str, token: str | None,
                   command_line: dict[str, str] | None = None) -> list[str]:
    """What differs between the config.yaml k3s-ansible wrote on a node and the drop-in `render
    --per-node` gives that node, beyond what each side sets for joining. `token`: the join token
    the node's config must carry (servers), None when k3s-ansible passes it otherwise (agents);
    `command_line`: an agent unit's flags, where k3s-ansible puts `--server`."""
    out = []
    mine = {k: v for k, v in written.items() if k not in _ANSIBLE_OWN}
    want = {k: v for k, v in dropin.items() if k not in _DROPIN_JOIN}
    for key in sorted(set(mine) | set(want)):
        if key not in want:
            if not any(_same(mine[key], d) for d in _K3S_DEFAULTS.get(key, ())):
                out.append(f"{key}: {mine[key]!r} in config.yaml, not in the per-node drop-in")
        elif key not in mine:
            out.append(f"{key}: {want[key]!r} in the per-node drop-in, missing from config.yaml")
        elif not _same(mine[key], want[key]):
            out.append(f"{key}: config.yaml {mine[key]!r} != per-node {want[key]!r}")
    if role == "agent":
        for key in ("server", "token", "cluster-init"):
            if key in written:
                out.append(f"{key} in an agent's config.yaml (k3s-ansible passes it on the command line)")
        joins = (command_line or {}).get("server")
        if joins != dropin.get("server"):
            out.append(f"the agent unit joins {joins!r}, the per-node drop-in {dropin.get('server')!r}")
        return out
    if written.get("tls-san") != api_endpoint:
        out.append(f"tls-san {written.get('tls-san')!r}, k3s-ansible's is the api_endpoint {api_endpoint}")
    if token is not None and written.get("token") != token:
        out.append("token: not the cluster's join token")
    if ha and first:
        if written.get("cluster-init") is not True or dropin.get("cluster-init") is not True:
            out.append("first server: cluster-init true expected on both sides")
    elif ha:
        if "server" not in written or written.get("server") != dropin.get("server"):
            out.append(f"server: config.yaml {written.get('server')!r} != per-node {dropin.get('server')!r}")
    elif "server" in written or "cluster-init" in written:
        out.append("a single server joins nothing: no server / cluster-init expected")
    return out


def same_file_data(rel: str, got: bytes, want: bytes) -> bool:
    """Equal as data: YAML/JSON loaded, a sysctl file as its key = value pairs, else bytes."""
    if rel.endswith((".yaml", ".yml", ".json")):
        return yaml.safe_load(got) == yaml.safe_load(want)
    if "/sysctl.d/" in "/" + rel:
        return dict(fake.sysctl_file_lines(got.decode())) == dict(fake.sysctl_file_lines(want.decode()))
    return got == want


def secret_hits(folder: Path, secrets: list[str]) -> list[str]:
    return [f"{p.relative_to(folder)} holds a planted secret" for p in sorted(folder.rglob("*"))
            if p.is_file() and any(s.encode() in p.read_bytes() for s in secrets)]


def inventory_nodes(inventory: dict[str, Any]) -> list[SimNode]:
    """The hosts of an exported inventory.yml, in its order (servers first, as k3s-ansible reads)."""
    nodes = []
    children = inventory["k3s_cluster"]["children"]
    for role in ("server", "agent"):
        for name, hv in ((children.get(role) or {}).get("hosts") or {}).items():
            own = hv.get("k3stui_node") or {}
            addrs = tuple(dict.fromkeys([str(hv["ansible_host"]), *map(str, as_list(own.get("node-ip")))]))
            nodes.append(SimNode(str(name), role, str(hv["ansible_host"]), own.get("flannel-iface") or "eth0",
                                 addrs))
    return nodes


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else str(value).split(",")


def enter_script(netns: str, root: Path) -> str:
    """The chroot_exe for a node. community.general.chroot runs `EXE <dir> /bin/sh -c CMD`: enter
    the node's network namespace, then its root, with the clean environment an SSH login has.
    `ip netns exec` gives the command a mount namespace of its own with the node's /sys, bound
    read-only into the root (Ansible's network facts list interfaces there); it ends with the command."""
    env = ["env", "-i", f"PATH={NODE_PATH}", "HOME=/root", "USER=root", "LOGNAME=root", "LANG=C.UTF-8"]
    inside = f'mount -o bind,ro /sys "$0/sys" && exec {shlex.join(env)} chroot "$0" "$@"'
    cmd = ["ip", "netns", "exec", netns, "/bin/sh", "-c", inside, str(root)]
    return ("#!/bin/sh\n# k3stui e2e: enter one simulated node (its <dir> argument is replaced)\nshift\n"
            f"exec {shlex.join(cmd)} \"$@\"\n")


def preflight(k3s_ansible: str | None, ansible_bin: Path) -> list[str]:
    """Why this cannot run here; empty when it can."""
    if not k3s_ansible:
        return ["name a k3s-ansible checkout: make test-k3s-ansible K3S_ANSIBLE=/path/to/k3s-ansible "
                "(git clone https://github.com/k3s-io/k3s-ansible; this target never clones it)"]
    problems = []
    checkout = Path(k3s_ansible)
    galaxy = checkout / "galaxy.yml"
    try:
        meta = yaml.safe_load(galaxy.read_text())
    except (OSError, yaml.YAMLError):
        meta = None
    if not isinstance(meta, dict) or (meta.get("namespace"), meta.get("name")) != ("k3s", "orchestration"):
        problems.append(f"K3S_ANSIBLE={k3s_ansible}: no k3s-ansible checkout there ({galaxy} does not name "
                        "the k3s.orchestration collection)")
    elif not (checkout / "playbooks" / "site.yml").is_file():
        problems.append(f"K3S_ANSIBLE={k3s_ansible}: playbooks/site.yml is missing")
    if os.geteuid() != 0:
        problems.append("needs root: it creates network namespaces, mounts and chroots "
                        "(sudo make test-k3s-ansible K3S_ANSIBLE=...)")
    for tool in ("ip", "unshare", "chroot", "mount", "umount"):
        if shutil.which(tool) is None:
            problems.append(f"needs `{tool}` (iproute2 / util-linux / coreutils)")
    if not os.access("/usr/bin/python3", os.X_OK):
        problems.append("needs /usr/bin/python3: the simulated nodes run Ansible's modules with it")
    try:
        overlay = "overlay" in Path("/proc/filesystems").read_text()
    except OSError:
        overlay = False
    if not overlay:
        problems.append("needs overlayfs (each node's /usr is the host's under a copy-on-write layer)")
    if not (ansible_bin / "ansible-playbook").is_file():
        problems.append(f"no ansible-playbook in {ansible_bin} (the target installs `ansible` in its venv)")
    return problems


# --- running things ---------------------------------------------------------------------------


def run(cmd: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=True, text=True, capture_output=True, timeout=120, **kw)


def snapshot(paths: tuple[str, ...] = WATCHED) -> dict[str, str]:
    """Every file, link and folder under `paths` with a digest of its content and mode."""
    out: dict[str, str] = {}

    def add(p: Path) -> None:
        try:
            st = p.lstat()
            if p.is_symlink():
                out[str(p)] = "-> " + os.readlink(p)
            elif p.is_dir():
                out[str(p)] = f"dir {st.st_mode:o}"
                for child in sorted(p.iterdir()):
                    add(child)
            else:
                out[str(p)] = f"{st.st_mode:o} " + hashlib.sha256(p.read_bytes()).hexdigest()
        except OSError:
            pass

    for p in paths:
        add(Path(p))
    return out


def kill_in(netns: str) -> None:
    """End what runs in a namespace (the fake K3s daemons): TERM, then KILL, each time waiting
    (bounded) until the processes are gone."""
    pids = subprocess.run(["ip", "netns", "pids", netns], text=True, capture_output=True).stdout.split()
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(int(pid), sig)
        deadline = time.monotonic() + 10
        while pids and time.monotonic() < deadline:
            pids = [p for p in pids if Path(f"/proc/{p}").exists()]
            if pids:
                time.sleep(0.05)


# The host's /etc a node gets (the rest of /etc starts empty, as on a fresh node).
ETC_COPIED = ("passwd", "group", "nsswitch.conf", "os-release", "debian_version", "ld.so.cache", "ld.so.conf",
              "ld.so.conf.d", "alternatives", "apt", "localtime", "login.defs", "shells")


class Sim(contextlib.ExitStack):
    """The simulated nodes of one scenario: namespaces, roots, mounts; all undone on exit."""

    def __init__(self, work: Path, tag: str, nodes: list[SimNode]) -> None:
        super().__init__()
        self.work, self.tag, self.nodes = work, tag, nodes
        self.bridge = f"{tag}-br"
        self.namespaces: list[str] = []

    def __exit__(self, *exc: object) -> bool:
        for name in self.namespaces:  # first the nodes' processes, which hold their roots' mounts
            kill_in(name)
        return super().__exit__(*exc)

    def netns(self, name: str) -> None:
        run(["ip", "netns", "add", name])
        self.namespaces.append(name)
        self.callback(self._drop_netns, name)

    @staticmethod
    def _drop_netns(name: str) -> None:
        kill_in(name)
        subprocess.run(["ip", "netns", "del", name], capture_output=True)

    def mount(self, *args: str) -> None:
        run(["mount", *args])
        self.callback(self._umount, args[-1])

    @staticmethod
    def _umount(target: str) -> None:
        if subprocess.run(["umount", target], capture_output=True).returncode:
            subprocess.run(["umount", "-l", target], capture_output=True)  # busy: detach it now

    def build(self) -> None:
        self.netns(self.bridge)
        run(["ip", "-n", self.bridge, "link", "add", "br0", "type", "bridge"])
        run(["ip", "-n", self.bridge, "link", "set", "br0", "up"])
        for i, node in enumerate(self.nodes):
            node.netns = f"{self.tag}-{node.name}"
            self.netns(node.netns)
            run(["ip", "-n", self.bridge, "link", "add", f"h{i}", "type", "veth", "peer", "name", node.iface,
                 "netns", node.netns])
            run(["ip", "-n", self.bridge, "link", "set", f"h{i}", "master", "br0", "up"])
            for dev in ("lo", node.iface):
                run(["ip", "-n", node.netns, "link", "set", dev, "up"])
            for addr in node.addresses:
                v6 = ":" in addr
                run(["ip", "-n", node.netns, "addr", "add", f"{addr}/{64 if v6 else 24}", "dev", node.iface,
                     *(["nodad"] if v6 else [])])
            node.root = self.work / "nodes" / node.name / "root"
            self.root(node)

    def root(self, node: SimNode) -> None:
        base = node.root.parent
        upper, scratch = base / "usr-upper", base / "usr-work"
        for d in (upper / "bin", upper / "sbin", upper / "local" / "bin", upper / "local" / "sbin", scratch):
            d.mkdir(parents=True, exist_ok=True)
        os.setxattr(upper / "local", "trusted.overlay.opaque", b"y")  # a fresh node's /usr/local is empty
        for fake in ("bin/systemctl", "sbin/sysctl"):
            shutil.copyfile(FAKE, upper / fake)
            (upper / fake).chmod(0o755)
        r = node.root
        for d in ("usr", "etc", "dev", "proc", "sys", "tmp", "root", "run/systemd/system", "var/lib/dpkg",
                  "var/tmp", "var/log", "var/cache"):
            (r / d).mkdir(parents=True, exist_ok=True)
        (r / "tmp").chmod(0o1777)
        (r / "root").chmod(0o700)
        self.mount("-t", "overlay", "overlay", "-o", f"lowerdir=/usr,upperdir={upper},workdir={scratch}",
                   str(r / "usr"))
        for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            host = Path("/") / top
            if host.is_symlink():
                (r / top).symlink_to(os.readlink(host))
            elif host.is_dir():
                (r / top).mkdir()
                self.mount("--bind", "-o", "ro", str(host), str(r / top))
        for name in ETC_COPIED:
            src = Path("/etc") / name
            if src.is_dir() and not src.is_symlink():
                shutil.copytree(src, r / "etc" / name, symlinks=True)
            elif os.path.lexists(src):
                shutil.copy2(src, r / "etc" / name, follow_symlinks=False)
        for p in Path("/etc").glob("python3*"):
            shutil.copytree(p, r / "etc" / p.name, symlinks=True)
        (r / "etc" / "hostname").write_text(node.name + "\n")
        (r / "etc" / "hosts").write_text(f"127.0.0.1 localhost\n{node.address} {node.name}\n")
        (r / "etc" / "resolv.conf").write_text("")
        if Path("/var/lib/dpkg/status").is_file():  # package_facts reads it
            shutil.copy2("/var/lib/dpkg/status", r / "var/lib/dpkg/status")
        for dev in ("null", "zero", "full", "random", "urandom", "tty"):
            (r / "dev" / dev).touch()
            self.mount("--bind", f"/dev/{dev}", str(r / "dev" / dev))


# --- one scenario -----------------------------------------------------------------------------


def artifacts(folder: Path, version: str) -> None:
    """The --airgap folder: fake k3s (the plan's release), fake k3s-install.sh, an image archive."""
    folder.mkdir(parents=True)
    text = FAKE.read_text()
    (folder / "k3s").write_text(text.replace('"__K3S_VERSION__"', json.dumps(version)))
    (folder / "k3s-install.sh").write_text(text)
    for f in ("k3s", "k3s-install.sh"):
        (folder / f).chmod(0o755)
    (folder / "k3s-airgap-images-amd64.tar.zst").write_bytes(b"(fake image archive)\n")


def k3stui(args: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", "k3stui", *args], text=True, capture_output=True, cwd=REPO)
    if done.returncode != 0:
        raise RuntimeError(f"k3stui {' '.join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}")


def user_files(export: Path, enter_dir: Path, token: str | None) -> None:
    """What the user adds to an export: how Ansible reaches the nodes, and the vault with the token
    (plain here: ansible-vault encryption changes nothing the playbook sees)."""
    connection = {
        "ansible_connection": "community.general.chroot",
        "ansible_chroot_exe": f"{enter_dir}/{{{{ inventory_hostname }}}}",
        "ansible_python_interpreter": "/usr/bin/python3",
        "ansible_user": "root",
        "ansible_become": False,  # the chroot connection is root already (and nodes have no sudo)
    }
    (export / "group_vars/k3s_cluster/connection.yml").write_text("---\n" + yaml.safe_dump(connection))
    if token:
        (export / "group_vars/k3s_cluster/vault.yml").write_text("---\n" + yaml.safe_dump({"token": token}))


def ansible_env(work: Path, ansible_bin: Path, collections: Path) -> dict[str, str]:
    home = work / "home"
    home.mkdir(exist_ok=True)
    cfg = work / "ansible.cfg"
    cfg.write_text("[defaults]\n"
                   f"collections_path = {collections}\n"
                   "retry_files_enabled = False\nhost_key_checking = False\nnocolor = True\n"
                   f"local_tmp = {home}/.ansible/tmp\n"
                   "[connection]\npipelining = True\n")
    return {"PATH": f"{ansible_bin}:{NODE_PATH}", "HOME": str(home), "LANG": "C.UTF-8",
            "ANSIBLE_CONFIG": str(cfg), "K3STUI_E2E_TAG": os.environ.get("K3STUI_E2E_TAG", "")}


SHOWN = ("TASK", "PLAY", "fatal", "failed", "FAILED", "ERROR", "[ERROR")  # lines echoed while it runs


def playbook(export: Path, hosts_dir: Path, env: dict[str, str], ansible_bin: Path, log: Path) -> int:
    book = str(export / "site.yml") if (export / "site.yml").is_file() else "k3s.orchestration.site"
    cmd = [str(ansible_bin / "ansible-playbook"), "-i", str(export / "inventory.yml"), book]
    print(f"  $ (cd {hosts_dir} && {shlex.join(cmd)})", flush=True)
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=hosts_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, stdin=subprocess.DEVNULL)
        assert proc.stdout is not None
        try:
            for line in proc.stdout:
                out.write(line)
                if line.startswith(SHOWN) or "unreachable=" in line:
                    print("   ", line.rstrip(), flush=True)
            return proc.wait(timeout=1800)
        finally:  # interrupted: stop it before the nodes go
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=60)


def in_node(node: SimNode, *cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", "netns", "exec", node.netns, "env", "-i", f"PATH={NODE_PATH}", "chroot",
                           str(node.root), *cmd], text=True, capture_output=True, timeout=60)


def check_nodes(nodes: list[SimNode], per_node: Path, arts: Path, api_endpoint: str,
                token: str | None) -> list[str]:
    out: list[str] = []
    servers = [n for n in nodes if n.role == "server"]
    first = servers[0]
    cluster_token = (first.root / "var/lib/rancher/k3s/server/token").read_text().strip()
    for node in nodes:
        say: list[str] = []
        r, mine = node.root, per_node / "nodes" / node.name
        config = r / "etc/rancher/k3s/config.yaml"
        if not config.is_file():
            out.append(f"{node.name}: no /etc/rancher/k3s/config.yaml")
            continue
        if config.stat().st_mode & 0o777 != 0o644:
            say.append(f"config.yaml mode {config.stat().st_mode & 0o777:o}, k3s-ansible writes 0644")
        # The token in a server's config.yaml: the user's (vault), else the first server's for the
        # others (k3s-ansible reads its token file); agents get theirs in the unit's environment.
        expected = token if token is not None else None if node is first else cluster_token
        unit = "k3s" if node.role == "server" else "k3s-agent"
        service = fake.parse_unit((r / f"etc/systemd/system/{unit}.service").read_text())
        say += compare_config(yaml.safe_load(config.read_text()), yaml.safe_load((mine / DROPIN).read_text()),
                              role=node.role, first=node is first, ha=len(servers) > 1,
                              api_endpoint=api_endpoint, token=None if node.role == "agent" else expected,
                              command_line=fake.parse_flags(shlex.split(service["ExecStart"][0])[2:]))
        applied = json.loads((r / "run/k3stui-fake/sysctl.json").read_text())
        for f in sorted(p for p in mine.rglob("*") if p.is_file()):
            rel = str(f.relative_to(mine))
            if rel in (DROPIN, "install.sh"):
                continue
            placed = r / rel
            if not placed.is_file():
                say.append(f"/{rel} (a per-node file) not placed")
            elif not same_file_data(rel, placed.read_bytes(), f.read_bytes()):
                say.append(f"/{rel} differs from the per-node file")
            elif "/sysctl.d/" in "/" + rel:
                wrong = {k: v for k, v in fake.sysctl_file_lines(f.read_text()) if applied.get(k) != v}
                if wrong:
                    say.append(f"sysctl drop-in not applied: {wrong}")
        forwarding = {"net.ipv4.ip_forward": "1"} | (  # prereq's, IPv6 when the node has an address
            {"net.ipv6.conf.all.forwarding": "1"} if any(":" in a for a in node.addresses) else {})
        if any(applied.get(k) != v for k, v in forwarding.items()):
            say.append(f"forwarding not enabled: {forwarding} expected, sysctl has {applied}")
        if (r / "usr/local/bin/k3s").read_bytes() != (arts / "k3s").read_bytes():
            say.append("/usr/local/bin/k3s is not the air-gap binary")
        if not list((r / "var/lib/rancher/k3s/agent/images").glob("*.tar.zst")):
            say.append("the air-gap image archive was not distributed")
        for verb, want in (("is-active", "active"), ("is-enabled", "enabled")):
            got = in_node(node, "systemctl", verb, unit).stdout.strip()
            if got != want:
                say.append(f"{unit}: {verb} says {got!r}")
        if node.role == "agent":
            env = (r / "etc/systemd/system/k3s-agent.service.env").read_text()
            if f"K3S_TOKEN={token or cluster_token}\n" not in env:
                say.append("k3s-agent.service.env: K3S_TOKEN is not the cluster's token")
        out += [f"{node.name}: {s}" for s in say]
    listed = in_node(first, "k3s", "kubectl", "get", "nodes", "-o=jsonpath={.items[*].metadata.name}")
    if sorted(listed.stdout.split()) != sorted(n.name for n in nodes):
        out.append(f"nodes joined (k3s kubectl get nodes on {first.name}): {listed.stdout!r} {listed.stderr}")
    return out


def run_scenario(sc: Scenario, work: Path, tag: str, checkout: Path, ansible_bin: Path) -> list[str]:
    work.mkdir(parents=True)
    version = yaml.safe_load(sc.plan.read_text())["spec"]["k3s-version"]
    arts, export, per_node = work / "arts", work / "export", work / "per-node"
    artifacts(arts, version)
    flags = [f"--exec={f}" for f in sc.exec_flags]
    k3stui(["render", "--preset", str(sc.plan), *flags, "--ansible", str(export), "--airgap", str(arts)])
    k3stui(["render", "--preset", str(sc.plan), *flags, "--per-node", "--out", str(per_node)])
    problems = secret_hits(export, [PLANTED_TOKEN])
    nodes = inventory_nodes(yaml.safe_load((export / "inventory.yml").read_text()))
    api_endpoint = yaml.safe_load((export / "group_vars/k3s_cluster/k3stui.yml").read_text())["api_endpoint"]
    enter_dir, hosts_dir = work / "enter", work / "hosts"
    user_files(export, enter_dir, sc.token)
    collections = work / "collections" / "ansible_collections" / "k3s"
    collections.mkdir(parents=True)
    (collections / "orchestration").symlink_to(checkout.resolve())
    env = ansible_env(work, ansible_bin, work / "collections")
    with Sim(work, tag, nodes) as sim:
        sim.build()
        enter_dir.mkdir()
        hosts_dir.mkdir()
        for node in nodes:
            (enter_dir / node.name).write_text(enter_script(node.netns, node.root))
            (enter_dir / node.name).chmod(0o755)
            (hosts_dir / node.address).symlink_to(node.root)  # the chroot connection's `ansible_host`
        for n in range(1, sc.runs + 1):
            log = work / f"ansible-playbook-{n}.log"
            rc = playbook(export, hosts_dir, env, ansible_bin, log)
            if rc != 0:
                return [*problems, f"ansible-playbook (run {n}) exited {rc}: see {log}"]
        problems += check_nodes(nodes, per_node, arts, api_endpoint, sc.token)
    return problems + check_kubeconfig(work / "home" / ".kube" / "config", api_endpoint)


def check_kubeconfig(path: Path, api_endpoint: str) -> list[str]:
    """With kubectl on the controller, k3s-ansible merges the cluster into ~/.kube/config (here the
    run's own HOME) as context k3s-ansible, the name `k3stui doctor` looks for."""
    if shutil.which("kubectl", path=NODE_PATH) is None:
        print("  note: no kubectl on this host: k3s-ansible skips the controller's kubeconfig")
        return []
    if not path.is_file():
        return ["no ~/.kube/config on the controller although kubectl is there"]
    data = yaml.safe_load(path.read_text())
    clusters = {c["name"]: c["cluster"].get("server") for c in data.get("clusters") or []}
    host = f"[{api_endpoint}]" if ":" in api_endpoint else api_endpoint
    if clusters.get("k3s-ansible") != f"https://{host}:6443":
        return [f"controller kubeconfig: cluster k3s-ansible is {clusters.get('k3s-ansible')!r}"]
    return []


# --- main -------------------------------------------------------------------------------------


def inner(args: argparse.Namespace, work: Path) -> int:
    run(["mount", "--make-rprivate", "/"])  # unshare did; said again: nothing leaks to the host
    # The nodes' namespace names live in a /run/netns of this run's own: the host's `ip netns list`
    # never sees them, and they go with this mount namespace.
    Path("/run/netns").mkdir(exist_ok=True)
    run(["mount", "-t", "tmpfs", "-o", "mode=0755,size=1m", "k3stui-e2e-netns", "/run/netns"])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))  # unwinds: cleanup runs
    failed = 0
    for i, name in enumerate(args.scenario or SCENARIOS):
        sc = SCENARIOS[name]
        print(f"== {name}: {sc.plan.relative_to(REPO)}", flush=True)
        try:
            problems = run_scenario(sc, work / name, f"{os.environ['K3STUI_E2E_TAG']}{i}",
                                    Path(args.k3s_ansible), Path(args.ansible_bin))
        except (RuntimeError, OSError, subprocess.SubprocessError, KeyError, yaml.YAMLError) as exc:
            problems = [f"{type(exc).__name__}: {exc}" + (f"\n{exc.stderr}" if getattr(exc, "stderr", None)
                                                          else "")]
        for p in problems:
            print(f"  FAIL {p}", flush=True)
        print(f"  {'FAILED' if problems else 'ok'}: {name}", flush=True)
        failed += bool(problems)
    return 1 if failed else 0


def reap(tag: str, work: Path) -> None:
    """After the inner run, whatever it left (killed before its cleanup): processes rooted in a
    node's chroot (the fake K3s daemons) or carrying this run's tag (ansible-playbook). Their
    network and mount namespaces go with them."""
    mine = f"K3STUI_E2E_TAG={tag}".encode()
    for sig in (signal.SIGTERM, signal.SIGKILL):
        left = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit() or int(proc.name) == os.getpid():
                continue
            try:
                rooted = os.readlink(proc / "root").startswith(str(work))
                tagged = mine in (proc / "environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if rooted or tagged:
                with contextlib.suppress(OSError):
                    os.kill(int(proc.name), sig)
                left.append(proc)
        deadline = time.monotonic() + 10
        while left and time.monotonic() < deadline:
            left = [p for p in left if p.exists()]
            if left:
                time.sleep(0.05)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--k3s-ansible", default=os.environ.get("K3S_ANSIBLE"), help="a k3s-ansible checkout")
    ap.add_argument("--ansible-bin", default=str(Path(sys.executable).parent),
                    help="folder with ansible-playbook (and the collections it needs)")
    ap.add_argument("--scenario", action="append", choices=sorted(SCENARIOS), help="default: all")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (logs, roots) for a look")
    args = ap.parse_args(argv)
    args.ansible_bin = os.path.abspath(args.ansible_bin)
    if os.environ.get(INNER):
        try:
            return inner(args, Path(os.environ["K3STUI_E2E_WORK"]))
        except KeyboardInterrupt:  # the nodes are gone already (the with-blocks unwound)
            print("k3s-ansible e2e: interrupted", file=sys.stderr)
            return 130
    problems = preflight(args.k3s_ansible, Path(args.ansible_bin))
    if problems:
        for p in problems:
            print(f"k3s-ansible e2e: cannot run: {p}", file=sys.stderr)
        return 2
    missing = subprocess.run([str(Path(args.ansible_bin) / "ansible-galaxy"), "collection", "list",
                              "--format", "json"], text=True, capture_output=True)
    listed = missing.stdout
    absent = [c for c in NEEDED_COLLECTIONS if f'"{c}"' not in listed]
    if absent:
        print(f"k3s-ansible e2e: cannot run: collections missing beside {args.ansible_bin}: "
              f"{', '.join(absent)} (pip install ansible netaddr)", file=sys.stderr)
        return 2
    tag = f"k3e{os.getpid()}"
    work = Path(tempfile.mkdtemp(prefix="k3stui-k3s-ansible-e2e-"))
    before = snapshot()
    env = {**os.environ, INNER: "1", "K3STUI_E2E_TAG": tag, "K3STUI_E2E_WORK": str(work)}
    again = [str(Path(__file__).resolve()), *(argv if argv is not None else sys.argv[1:])]
    proc = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "--", sys.executable, *again],
                            env=env)
    # Ctrl-C reaches the inner run too (one process group): wait for its cleanup; pass TERM on.
    signal.signal(signal.SIGINT, lambda *_: None)
    signal.signal(signal.SIGTERM, lambda *_: proc.send_signal(signal.SIGTERM))
    try:
        rc = proc.wait()
    finally:
        reap(tag, work)
        after = snapshot()
        changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        mounts = Path("/proc/self/mountinfo").read_text().splitlines()
        changed += [f"a mount left: {line.split()[4]}" for line in mounts if str(work) in line]
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if changed:
        print("FAIL the host changed outside the work folder: " + ", ".join(changed), file=sys.stderr)
        rc = rc or 1
    verdict = "passed" if rc == 0 else "interrupted" if rc >= 128 else "FAILED"
    print(f"k3s-ansible e2e: {verdict}" + (f" (kept {work})" if args.keep else ""))
    return rc


if __name__ == "__main__":
    sys.exit(main())
