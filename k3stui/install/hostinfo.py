"""Read what preflight needs from a host: addresses, routes, sockets, kernel modules, sysctls, an
existing K3s, and the files the installer would replace.

Everything goes through a `root` (a folder standing for /) and an injectable command runner, so
tests can feed fixture trees, canned `ip -j` output or a network namespace they created. What
cannot be read is `None` ("unknown"), never a guess; preflight says so instead of passing.
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Callable, Iterable, Sequence
from dataclasses import field
from pathlib import Path
from typing import Any

from k3stui import defaults
from k3stui.install.paths import NodePaths
from k3stui.records import record

# argv -> stdout. Raises CommandFailed when the command cannot run or exits non-zero.
Runner = Callable[[Sequence[str]], str]


class CommandFailed(Exception):
    pass


_TOOL_TIMEOUT = 30.0  # seconds: a tool that hangs (`cat` of a FIFO in a namespace) must not hang preflight


def sh_runner(argv: Sequence[str]) -> str:
    """The real runner: `sh`, imported only when a host is actually read. Output through pipes
    (sh's default is a pty, where tools format for a terminal), stdin on /dev/null, bytes that are
    not UTF-8 replaced (never a UnicodeDecodeError), bounded in time; a failure is one line."""
    import sh

    what = shlex.join(argv)
    try:
        with open(os.devnull, "rb") as null:
            return str(sh.Command(argv[0])(
                *argv[1:], _err_to_out=False, _env=_tool_env(), _in=null, _tty_out=False,
                _encoding="utf-8", _decode_errors="replace", _timeout=_TOOL_TIMEOUT,
            ))
    except sh.ErrorReturnCode as exc:
        err = exc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise CommandFailed(f"{what}: exit status {exc.exit_code}" + (f": {err[-1]}" if err else "")) from exc
    except sh.TimeoutException as exc:
        raise CommandFailed(f"{what}: no answer within {_TOOL_TIMEOUT:g} s") from exc
    except sh.CommandNotFound as exc:
        raise CommandFailed(f"{what}: {argv[0]} not found") from exc
    except (sh.ForkException, OSError) as exc:
        raise CommandFailed(f"{what}: {exc}") from exc


def _tool_env() -> dict[str, str]:
    # C locale: tool output is parsed, not read.
    return {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), "LC_ALL": "C"}


@record
class Address:
    ifname: str
    address: str
    prefixlen: int
    family: int  # 4 or 6

    @property
    def cidr(self) -> str:
        return f"{self.address}/{self.prefixlen}"


@record
class Route:
    dst: str  # "default" or a CIDR ("10.0.0.0/8", "192.0.2.1" for a host route)
    dev: str | None
    proto: str | None
    gateway: str | None
    family: int


@record
class Socket:
    proto: str  # "tcp" | "udp"
    family: int
    address: str
    port: int


@record
class ModuleState:
    name: str
    loaded: bool | None  # in /proc/modules
    builtin: bool | None  # /sys/module/<m> without being loaded, or modules.builtin
    available: bool | None  # a loadable .ko (modules.dep / modinfo)

    @property
    def usable(self) -> bool | None:
        """True: present or loadable; False: known absent; None: could not tell."""
        facts = (self.loaded, self.builtin, self.available)
        if any(f is True for f in facts):
            return True
        if all(f is None for f in facts):
            return None
        return False


@record
class FileState:
    exists: bool
    content: bytes | None = field(default=None, repr=False)  # None: folder, unreadable or big
    mode: int | None = None
    is_dir: bool = False
    sha256: str | None = None
    size: int | None = None


# Bigger files (the k3s binary, image archives) are compared by checksum, not kept in memory.
_CONTENT_LIMIT = 1 << 20


@record
class ExistingK3s:
    found: tuple[str, ...] = ()  # node paths that show a K3s install (config, units, data)
    role: str | None = None  # "server" | "agent" | None (config only: never started)
    has_state: bool = False  # a datastore exists: critical values are fixed from now on
    plan: Any = None  # a Plan standing for today's configuration when there are no files (tests)
    error: str | None = None  # why the existing configuration could not be read
    # The raw inputs K3s merges (preflight merges them once, today and with k3stui's drop-in):
    config_files: tuple[tuple[str, str], ...] = ()  # (node path, text), in K3s's read order
    unit: str | None = None  # node path of the unit whose ExecStart was read
    unit_args: tuple[str, ...] = ()  # its arguments, role word first

    @property
    def installed(self) -> bool:
        return bool(self.found)


@record
class HostInfo:
    root: str = "/"
    is_root: bool = False
    interfaces: tuple[str, ...] | None = None
    addresses: tuple[Address, ...] | None = None
    link_mtus: dict[str, int] | None = None  # interface -> MTU (from the same `ip -j addr`)
    routes: tuple[Route, ...] | None = None
    resolv_conf: str | None = None  # /etc/resolv.conf under the root (the nameservers K3s passes on)
    sockets: tuple[Socket, ...] | None = None
    modules: dict[str, ModuleState] = field(default_factory=dict)
    accept_ra: dict[str, int] = field(default_factory=dict)  # "all", "default", interface -> value
    kernel_release: str | None = None
    machine: str | None = None
    existing: ExistingK3s = field(default_factory=ExistingK3s)
    files: dict[str, FileState] = field(default_factory=dict)  # node path -> what is there
    notes: tuple[str, ...] = ()  # what could not be read, for the preflight report
    # Under --root: paths of the running host (not the image) that install.sh writes or removes
    # whatever its BIN/SYSTEMD dirs say, which exist here. None: not looked at (no --root).
    outside_root: tuple[str, ...] | None = None


# Modules preflight may ask about; reading them all costs one pass over each module list.
KNOWN_MODULES = ("vxlan", "wireguard", "br_netfilter", "overlay", "macvlan", "ip_tables", "nf_conntrack")

# Paths of the running host install.sh touches outside INSTALL_K3S_BIN_DIR / SYSTEMD_DIR
# (k3s:install.sh verify_system: OpenRC; systemd_disable: the unit of the role it installs).
OUTSIDE_ROOT_PATHS = (
    "/sbin/openrc-run",
    *(
        f"{defaults.SYSTEMD_DIR}/{name}{ext}"
        for name in ("k3s.service", "k3s-agent.service")
        for ext in ("", ".env")
    ),
)


class HostReader:
    """Reads a host. `root`: folder standing for / (files, /proc, /sys are read below it).
    `use_ip`: run `ip -j` through `run` (off under an image --root: that host is not this one).
    `netns`: read a network namespace instead: `ip -n NS`, /proc/net and /proc/sys/net through
    `ip netns exec NS cat`."""

    def __init__(
        self,
        root: str | Path = "/",
        run: Runner | None = None,
        *,
        use_ip: bool | None = None,
        netns: str | None = None,
        is_root: bool | None = None,
        host_root: str | Path = "/",
    ) -> None:
        self.root = Path(root)
        self.host_root = Path(host_root)  # the running host, for what install.sh does outside --root
        self.run = run or sh_runner
        self.netns = netns
        self.use_ip = (str(root) == "/" or netns is not None) if use_ip is None else use_ip
        self.is_root = os.geteuid() == 0 if is_root is None else is_root
        self.notes: list[str] = []
        self._bytes_cache: dict[str, bytes | OSError] = {}

    # --- paths ---------------------------------------------------------------------------
    def path(self, node_path: str) -> Path:
        return self.root / node_path.lstrip("/")

    def _read_text(self, node_path: str) -> str | None:
        try:
            return self.path(node_path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    def _bytes(self, node_path: str) -> bytes:
        """A host file's bytes, read once per `read()` (a config file is also a file the install
        may replace). Raises OSError."""
        got = self._bytes_cache.get(node_path)
        if got is None:
            try:
                got = self.path(node_path).read_bytes()
            except OSError as exc:
                got = exc
            self._bytes_cache[node_path] = got
        if isinstance(got, OSError):
            raise got
        return got

    def _read_net(self, node_path: str) -> str | None:
        """/proc/net and /proc/sys/net belong to a network namespace: read them inside it."""
        if self.netns is None:
            return self._read_text(node_path)
        try:
            return self.run(["ip", "netns", "exec", self.netns, "cat", node_path])
        except CommandFailed:
            return None

    def _ip_json(self, *args: str) -> list[dict[str, Any]] | None:
        argv = ["ip", *(["-n", self.netns] if self.netns else []), "-j", *args]
        try:
            out = self.run(argv)
        except CommandFailed as exc:
            self.notes.append(f"could not run {shlex.join(argv)}: {exc}")
            return None
        try:
            data = json.loads(out or "[]")
        except json.JSONDecodeError:
            self.notes.append(f"{shlex.join(argv)} gave output that is not JSON")
            return None
        return [d for d in data if isinstance(d, dict)]

    # --- network -------------------------------------------------------------------------
    def addresses(self) -> tuple[tuple[str, ...], tuple[Address, ...]] | None:
        data = self._ip_json("addr")
        if data is None:
            return None
        names, addrs = [], []
        self._mtus = {}
        for link in data:
            name = str(link.get("ifname", ""))
            if name:
                names.append(name)
                if isinstance(link.get("mtu"), int):
                    self._mtus[name] = link["mtu"]
            for a in link.get("addr_info", []) or []:
                fam = {"inet": 4, "inet6": 6}.get(a.get("family"))
                if fam and a.get("local") is not None:
                    addrs.append(
                        Address(name, str(a["local"]), int(a.get("prefixlen", 32 if fam == 4 else 128)), fam)
                    )
        return tuple(names), tuple(addrs)

    def routes(self) -> tuple[Route, ...] | None:
        out: list[Route] = []
        for fam in (4, 6):
            data = self._ip_json(f"-{fam}", "route")
            if data is None:
                return None
            for r in data:
                out.append(
                    Route(str(r.get("dst", "")), r.get("dev"), r.get("protocol"), r.get("gateway"), fam)
                )
        return tuple(out)

    def sockets(self) -> tuple[Socket, ...] | None:
        socks: list[Socket] = []
        read_any = False
        for proto, fam, name in (
            ("tcp", 4, "tcp"),
            ("tcp", 6, "tcp6"),
            ("udp", 4, "udp"),
            ("udp", 6, "udp6"),
        ):
            text = self._read_net(f"/proc/net/{name}")
            if text is None:
                continue
            read_any = True
            socks.extend(parse_proc_net(text, proto, fam))
        if not read_any:
            self.notes.append("could not read /proc/net/{tcp,udp}: ports not checked")
            return None
        return tuple(socks)

    def accept_ra(self, devs: Iterable[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for dev in ("all", "default", *devs):
            if "/" in dev or dev in ("", ".", ".."):
                continue  # an interface name is never a path
            text = self._read_net(f"/proc/sys/net/ipv6/conf/{dev}/accept_ra")
            if text is not None and text.strip().lstrip("-").isdigit():
                out[dev] = int(text.strip())
        return out

    # --- kernel --------------------------------------------------------------------------
    def kernel_release(self) -> str | None:
        text = self._read_text("/proc/sys/kernel/osrelease")
        if text:
            return text.strip()
        return os.uname().release if str(self.root) == "/" else None

    def modules(self, names: Iterable[str], release: str | None) -> dict[str, ModuleState]:
        wanted = {_modname(n) for n in names}
        proc = self._read_text("/proc/modules")
        loaded = {_modname(line.split()[0]) for line in proc.splitlines() if line.strip()} if proc else None
        sys_dir = self.path("/sys/module")
        sys_has = sys_dir.is_dir()
        builtin_text = self._read_text(f"/lib/modules/{release}/modules.builtin") if release else None
        builtin = _module_list(builtin_text) if builtin_text is not None else None
        dep_text = self._read_text(f"/lib/modules/{release}/modules.dep") if release else None
        available = {_modname(n) for n in _module_list(dep_text)} if dep_text is not None else None
        import shutil  # here: `k3stui rules` imports this module for its codes only

        modinfo = shutil.which("modinfo") if str(self.root) == "/" else None
        out: dict[str, ModuleState] = {}
        for m in sorted(wanted):
            is_loaded = (m in loaded) if loaded is not None else None
            is_builtin: bool | None = None
            if builtin is not None:
                is_builtin = m in builtin
            if sys_has and (sys_dir / m).is_dir() and not is_loaded:
                is_builtin = True  # /sys/module/<m> without /proc/modules entry: built in
            avail = (m in available) if available is not None else None
            if not avail and modinfo:
                try:
                    self.run([modinfo, "-n", m])
                    avail = True
                except CommandFailed:
                    avail = False if avail is None else avail
            out[m] = ModuleState(m, is_loaded, is_builtin, avail)
        if loaded is None and builtin is None and available is None:
            self.notes.append("could not read /proc/modules or /lib/modules: kernel modules not checked")
        return out

    # --- K3s already here? -----------------------------------------------------------------
    def existing(self, paths: NodePaths | None = None) -> ExistingK3s:
        try:
            return self._existing(paths or NodePaths())
        except OSError as exc:  # e.g. /var/lib/rancher/k3s/server is 0700 and this is no root
            self.notes.append(
                f"could not look for an existing K3s ({exc.filename or ''}: {exc.strerror or exc}); "
                "run as root to compare with it"
            )
            return ExistingK3s()

    def _existing(self, paths: NodePaths) -> ExistingK3s:
        found = [p for p in paths.markers() if self.path(p).exists()]
        dropins = sorted(self.path(defaults.CONFIG_DROPIN_DIR).glob("*.yaml"))
        found += [f"{defaults.CONFIG_DROPIN_DIR}/{p.name}" for p in dropins]
        units = sorted(self.path(defaults.SYSTEMD_DIR).glob("k3s*.service"))
        found += [f"{defaults.SYSTEMD_DIR}/{u.name}" for u in units]
        if not found:
            return ExistingK3s()
        role = None
        unit_args: list[str] = []
        unit: str | None = None
        for u in units:
            args = unit_exec_args(self._read_text(f"{defaults.SYSTEMD_DIR}/{u.name}") or "")
            if args:
                unit_args, unit = args, f"{defaults.SYSTEMD_DIR}/{u.name}"
                role = "agent" if args[0] == "agent" else "server"
        has_db = self.path(paths.db).exists()
        if has_db:
            role = "server"
        elif role is None and self.path(paths.agent_dir).exists():
            role = "agent"
        configs, error = self._config_files()
        return ExistingK3s(tuple(found), role, has_db, None, error, configs, unit, tuple(unit_args))

    def _config_files(self) -> tuple[tuple[tuple[str, str], ...], str | None]:
        """config.yaml, then the drop-ins in K3s's order, listed and read by the functions
        `--config` and `--config-dir` use (inputs.config_dir_files, inputs.read_text), so the host
        is read exactly as a user's files are. Each file's bytes are kept for `file_state`."""
        from k3stui.errors import K3stuiError
        from k3stui.inputs import config_dir_files, read_text

        paths = [defaults.CONFIG_FILE] if self.path(defaults.CONFIG_FILE).is_file() else []
        out = []
        try:
            if self.path(defaults.CONFIG_DROPIN_DIR).is_dir():
                listed = config_dir_files(self.path(defaults.CONFIG_DROPIN_DIR))
                paths += [f"{defaults.CONFIG_DROPIN_DIR}/{p.name}" for p in listed]
            for node_path in paths:
                text = read_text(self.path(node_path), "config file")
                self._bytes_cache[node_path] = text.encode("utf-8")  # read_text decoded it strictly
                out.append((node_path, text))
        except K3stuiError as exc:
            return (), str(exc)
        return tuple(out), None

    def outside_root(self) -> tuple[str, ...] | None:
        """Under --root: which of OUTSIDE_ROOT_PATHS the running host has (install.sh touches them)."""
        if str(self.root) == "/":
            return None
        return tuple(p for p in OUTSIDE_ROOT_PATHS if (self.host_root / p.lstrip("/")).exists())

    # --- files the installer would replace -----------------------------------------------
    def file_state(self, node_path: str) -> FileState:
        p = self.path(node_path)
        try:
            st = p.lstat()
        except FileNotFoundError:
            return FileState(False)
        except OSError:
            return FileState(True)
        if p.is_dir():
            return FileState(True, None, st.st_mode & 0o7777, is_dir=True)
        mode = st.st_mode & 0o7777
        try:
            if st.st_size > _CONTENT_LIMIT:
                from k3stui.fsio import sha256_file

                return FileState(True, None, mode, sha256=sha256_file(p), size=st.st_size)
            data = self._bytes(node_path)
        except OSError:
            return FileState(True, None, mode, size=st.st_size)
        import hashlib

        return FileState(True, data, mode, sha256=hashlib.sha256(data).hexdigest(), size=len(data))

    # --- all of it -----------------------------------------------------------------------
    def read(
        self,
        *,
        files: Iterable[str] = (),
        modules: Iterable[str] = KNOWN_MODULES,
        paths: NodePaths | None = None,
    ) -> HostInfo:
        """Everything preflight needs, each host file read once. `paths`: the plan's data-dir."""
        self.notes = []
        self._bytes_cache = {}
        self._mtus: dict[str, int] = {}
        interfaces = addresses = routes = None
        if self.use_ip:
            got = self.addresses()
            if got is not None:
                interfaces, addresses = got
            routes = self.routes()
        else:
            self.notes.append(
                f"--root {self.root}: this host's addresses, routes and interfaces "
                "are not the target's; not checked"
            )
        ra_devs = sorted({r.dev for r in routes or () if r.family == 6 and r.dev})
        release = self.kernel_release()
        return HostInfo(
            root=str(self.root),
            is_root=self.is_root,
            interfaces=interfaces,
            addresses=addresses,
            link_mtus=dict(self._mtus) if addresses is not None else None,
            routes=routes,
            resolv_conf=self._read_text("/etc/resolv.conf"),
            sockets=self.sockets(),
            modules=self.modules(modules, release),
            accept_ra=self.accept_ra(ra_devs),
            kernel_release=release,
            machine=os.uname().machine if str(self.root) == "/" else None,
            existing=self.existing(paths),
            files={f: self.file_state(f) for f in files},
            notes=tuple(self.notes),
            outside_root=self.outside_root(),
        )


# --- parsers (pure) ---------------------------------------------------------------------------


def _modname(name: str) -> str:
    return name.replace("-", "_")


def _module_list(text: str | None) -> set[str]:
    """Module names from modules.builtin / modules.dep lines (`kernel/.../vxlan.ko.xz: deps`)."""
    out = set()
    for line in (text or "").splitlines():
        path = line.split(":", 1)[0].strip()
        if not path:
            continue
        base = path.rsplit("/", 1)[-1]
        out.add(_modname(base.split(".ko", 1)[0]))
    return out


_TCP_LISTEN = "0A"
_UDP_UNCONN = "07"


def parse_proc_net(text: str, proto: str, family: int) -> list[Socket]:
    """Listening TCP / bound UDP sockets from /proc/net/{tcp,tcp6,udp,udp6}."""
    out = []
    for line in text.splitlines()[1:]:
        cols = line.split()
        if len(cols) < 4 or ":" not in cols[1]:
            continue
        state = cols[3].upper()
        if (proto == "tcp" and state != _TCP_LISTEN) or (proto == "udp" and state != _UDP_UNCONN):
            continue
        addr_hex, port_hex = cols[1].rsplit(":", 1)
        try:
            port = int(port_hex, 16)
            address = _hex_addr(addr_hex, family)
        except ValueError:
            continue
        out.append(Socket(proto, family, address, port))
    return out


def _hex_addr(text: str, family: int) -> str:
    import ipaddress
    import sys

    raw = bytes.fromhex(text)
    # /proc prints each 32-bit word in host byte order.
    if sys.byteorder == "little":
        raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return str(ipaddress.IPv4Address(raw) if family == 4 else ipaddress.IPv6Address(raw))


def unit_exec_args(unit_text: str) -> list[str]:
    """The K3s arguments of a systemd unit's ExecStart (continuation lines joined, binary dropped)."""
    joined = unit_text.replace("\\\n", " ")
    for line in joined.splitlines():
        line = line.strip()
        if line.startswith("ExecStart="):
            try:
                words = shlex.split(line[len("ExecStart=") :])
            except ValueError:
                return []
            return words[1:] if words else []
    return []
