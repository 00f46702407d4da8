"""`k3stui bundle`: a folder (and DIR.tar.gz beside it) with everything an air-gapped node needs:
the plan, the rendered files, the packaged chart, upstream chart archives, K3s artifacts, a
SHA256SUMS and a README with the exact steps. Layout: see `airgap.py`.

`bundle_files` decides the content (pure over what it is given); `make_bundle` reads the
artifacts folder and writes, through `fsio`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from k3stui import defaults, fsio
from k3stui.install import airgap
from k3stui.install.airgap import ARTIFACTS, CHARTS, FILES, ChartArchive
from k3stui.plan import Plan

BUNDLE_JSON = "bundle.json"
WHEELS = "wheels"
# k3s-ansible's name for the install script (roles/airgap); accepted beside get.k3s.io's install.sh.
ANSIBLE_INSTALL_SH = "k3s-install.sh"
Progress = Callable[[int, int, str], None]  # (bytes packed, bytes in all, file being packed)


@dataclass(frozen=True)
class BundleFile:
    path: str
    mode: int
    content: bytes | None = field(default=None, repr=False)
    source: Path | None = None  # big artifacts are copied from here, never read whole


@dataclass
class BundleReport:
    path: str
    tarball: str | None
    files: list[str]
    missing: list[str]  # artifacts a node will need that were not supplied
    ignored: list[str]  # files in --artifacts that are not K3s artifacts or charts
    wheel_problem: str | None = None  # why k3stui's wheels are not in the bundle


@dataclass(frozen=True)
class Artifact:
    name: str
    kind: str  # binary | install-script | images | chart
    source: Path  # image archives run to hundreds of MB: keep the path, stream when copying
    chart: ChartArchive | None = None  # kind "chart": read whole (small; chartContent needs it)


def scan_artifacts(directory: str | Path | None) -> tuple[list[Artifact], list[str]]:
    if directory is None:
        return [], []
    d = Path(directory)
    if not d.is_dir():
        from k3stui.findings import InputError

        raise InputError(f"--artifacts {d}: not a folder")
    found, ignored = [], []
    for p in sorted(d.iterdir()):
        kind = airgap.classify(p.name) if p.is_file() else None
        if p.is_file() and p.name == ANSIBLE_INSTALL_SH:
            kind = "install-script"
        chart = None
        if kind == "chart":
            content = p.read_bytes()
            meta = airgap.chart_meta(content)
            if meta is None:  # no Chart.yaml inside: bundled, it would make the node refuse
                kind = None
            else:
                chart = ChartArchive(meta[0], meta[1], f"{CHARTS}/{p.name}", content)
        if kind is None:
            ignored.append(p.name)
            continue
        found.append(Artifact(p.name, kind, p, chart))
    scripts = [a for a in found if a.kind == "install-script"]
    if len(scripts) > 1:  # install.sh and k3s-install.sh: the first (get.k3s.io's name) wins
        found.remove(scripts[1])
        ignored.append(scripts[1].name)
    return found, ignored


# --- the k3s binary's version --------------------------------------------------------------

_VERSION_OUT = re.compile(r"^k3s version (v\S+)", re.MULTILINE)
_VERSION_IN = re.compile(rb"v[0-9]+\.[0-9]+\.[0-9]+(?:-rc[0-9]+)?\+k3s[0-9]+")


def binary_version(path: Path) -> str | None:
    """The K3s release of a k3s binary: what `k3s --version` prints ("k3s version v1.34.3+k3s1
    (...)"), else the release string found most often inside it (a binary for another
    architecture cannot run here). None when neither says."""
    if os.access(path, os.X_OK):
        try:
            done = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=30,
                                  check=False)
            m = _VERSION_OUT.search(done.stdout)
            if done.returncode == 0 and m:
                return m.group(1)
        except (OSError, subprocess.SubprocessError, UnicodeDecodeError):
            pass
    seen: Counter[bytes] = Counter()
    tail = b""
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            data = tail + chunk
            seen.update(m.group() for m in _VERSION_IN.finditer(data) if m.end() > len(tail))
            tail = data[-64:]
    return seen.most_common(1)[0][0].decode() if seen else None


def check_binary_version(path: Path, want: str) -> str | None:
    """A problem when the binary is not K3s `want` (or its version cannot be told)."""
    found = binary_version(path)
    if found is None:
        return (f"cannot tell which K3s release {path} is (neither `k3s --version` nor a version string "
                f"inside it); use the k3s binary of {want}")
    if found.removeprefix("v") != want.strip().removeprefix("v"):
        return (f"{path} is K3s {found} but the plan is for {want}: use the k3s binary of {want} "
                f"(https://github.com/k3s-io/k3s/releases/tag/{want.replace('+', '%2B')})")
    return None


# --- k3stui's own wheels (built where the registry is reachable) ---------------------------


@dataclass(frozen=True)
class Wheels:
    files: tuple[Path, ...] = ()
    problem: str | None = None  # why none were made


WheelMaker = Callable[[Path], Wheels]


def _project_root() -> Path | None:
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() and (root / "k3stui").is_dir() else None


def pip_wheels(dest: Path) -> Wheels:
    """k3stui's wheel and its dependencies' (`pip wheel`, from the checkout k3stui runs from, else
    this version from the registry). Needs the package registry; a failure is reported, not raised."""
    from k3stui import __version__

    root = _project_root()
    target = str(root) if root is not None else f"k3stui=={__version__}"
    cmd = [sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
           "--wheel-dir", str(dest), target]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return Wheels(problem=f"pip wheel could not run: {exc}")
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        return Wheels(problem=f"pip wheel failed (is the package registry reachable?): {last}")
    wheels = tuple(sorted(dest.glob("*.whl")))
    if not any(w.name.startswith("k3stui-") for w in wheels):
        return Wheels(problem="pip wheel made no k3stui wheel")
    return Wheels(wheels)


def bundle_files(
    plan: Plan, artifacts: list[Artifact], *, k3s_version: str | None = None, folder: str = "k3s-bundle",
    wheels: Wheels | None = None,
) -> tuple[list[BundleFile], list[str]]:
    """Every file of the bundle but SHA256SUMS; and what is missing for an air-gapped install."""
    from k3stui.chart import chart_export_files
    from k3stui.presets import Preset, dump_preset
    from k3stui.render.files import ChartExport, render_all

    chart = chart_export_files(plan, k3s_version=k3s_version)
    rendered = render_all(plan, k3s_version=k3s_version, chart=ChartExport(chart))
    archives = [a.chart for a in artifacts if a.chart is not None]
    missing: list[str] = []
    out: list[BundleFile] = []
    for f in rendered:
        content = f.content
        if f.dest and f.dest.startswith(defaults.AUTO_DEPLOY_DIR + "/"):
            content, miss = airgap.embed_in_manifest(content, archives)
            missing += [f"chart {m} (its .tgz)" for m in miss]
        if f.path.endswith(".tgz") and f.dest is None:
            out.append(BundleFile(f"{CHARTS}/{PurePosixPath(f.path).name}", 0o644, f.content))
        out.append(BundleFile(f"{FILES}/{f.path}", f.mode, content))
    # The preset writer leaves the token out: plan.yaml is safe to share.
    out.append(
        BundleFile(
            airgap.PLAN_FILE,
            0o644,
            dump_preset(Preset("airgap-bundle", "the plan this bundle installs", plan)).encode(),
        )
    )
    kinds = {a.kind for a in artifacts}
    for kind, name in (
        ("binary", "k3s (the K3s binary, same version)"),
        ("install-script", "install.sh (from https://get.k3s.io)"),
        ("images", "k3s-airgap-images-<arch>.tar.zst (same version)"),
    ):
        if kind not in kinds:
            missing.append(name)
    for a in artifacts:
        if a.chart is not None:
            out.append(BundleFile(a.chart.rel, 0o644, a.chart.content))
        else:
            mode = 0o755 if a.kind in ("binary", "install-script") else 0o644
            name = airgap.INSTALL_SH if a.kind == "install-script" else a.name
            out.append(BundleFile(f"{ARTIFACTS}/{name}", mode, source=a.source))
    for w in wheels.files if wheels is not None else ():
        out.append(BundleFile(f"{WHEELS}/{w.name}", 0o644, source=w))
    meta = {
        "generator": "k3stui",
        "k3s-version": k3s_version or plan.k3s_version,  # --k3s-version wins, as in install_command
        "role": plan.role,
        "images": [a.name for a in artifacts if a.kind == "images"],
        "charts": [{"name": c.name, "version": c.version, "path": c.rel} for c in archives],
        "missing": missing,
        "wheels": [w.name for w in wheels.files] if wheels is not None else [],
    }
    out.append(BundleFile(BUNDLE_JSON, 0o644, (json.dumps(meta, indent=2) + "\n").encode()))
    out.append(
        BundleFile(
            "README.md",
            0o644,
            readme(plan, artifacts, missing, k3s_version=k3s_version, folder=folder, wheels=wheels).encode(),
        )
    )
    return out, missing


def sums_file(files: list[BundleFile]) -> BundleFile:
    sums = {
        f.path: hashlib.sha256(f.content).hexdigest() if f.content is not None else fsio.sha256_file(f.source)
        for f in files
    }
    return BundleFile(airgap.SUMS, 0o644, airgap.format_sums(sums).encode())


_README_HEAD = """\
# K3s air-gapped install bundle

Made by k3stui for the plan in `plan.yaml`{% if version %} (K3s {{ version }}){% endif %}.
Everything a node needs without network access is in this folder; `SHA256SUMS` covers every file.
{% if missing %}
## Missing: add these before you use the bundle

Put them in a folder and make the bundle again (`k3stui bundle --preset plan.yaml --artifacts DIR --out ...`):
{% for m in missing %}
- {{ m }}
{%- endfor %}
{% endif %}
## Contents

- `plan.yaml`: the plan (a k3stui preset; the join token is never in it)
- `files/`: the rendered files per role (`files/server/...`, `files/agent/...`)
- `charts/`: the packaged k3s-cni chart and the upstream chart archives
- `wheels/`: {% if wheels %}k3stui and its dependencies as wheels, for an offline `pip install`
{%- else %}(none: {{ wheel_problem }}){% endif %}
- `artifacts/`: {% for a in artifacts %}`{{ a }}`{{ ", " if not loop.last }}{% else %}(none yet){% endfor %}

{% if not wheels %}k3stui is not in this bundle ({{ wheel_problem }}), so the by-hand steps come first;
to use k3stui on the node, install it there yourself (or make the bundle again where the package
registry is reachable).

{% endif %}"""

_README_K3STUI = """\
## Install a node with k3stui (recommended)

{% if wheels %}1. Copy this folder, or `{{ tarball }}`, to the node and unpack it:
   `tar -xzf {{ tarball | q }} && cd {{ folder | q }}`
2. Check it: `sha256sum -c SHA256SUMS`
   Install k3stui from the bundle, without network (Python 3.11 or later):
   `python3 -m venv /opt/k3stui && /opt/k3stui/bin/pip install --no-index --find-links wheels k3stui`
   and use `/opt/k3stui/bin/k3stui` below (or put it on root's PATH).
{%- else %}1. Install k3stui on the node, copy this folder to it, unpack and check it:
   `sha256sum -c SHA256SUMS`
{%- endif %}
3. Make sure the node has a default route (K3s needs one to pick its node IP; a black-hole route
   is enough on an isolated network).
4. Look first, then install (as root):

       sudo {{ k3stui }} install --airgap . --role server --dry-run
       sudo {{ k3stui }} install --airgap . --role server --yes
{%- if nodes %}

   The plan lists its nodes ({{ nodes | join(", ") }}): on each, use `--node <name>` instead of
   `--role`, so the node gets its own node-ip, flannel-iface and name.
{%- endif %}

{%- if agents %}
   On agents use `--role agent`; first copy the server's `{{ data_dir }}/server/node-token`
   to {{ token_file | q }} (mode 0600).
{%- else %}
   This plan names no server URL, so it cannot install agents: set `server: https://<server>:6443`
   in the plan and make the bundle again.
{%- endif %}
   k3stui verifies every checksum, places `k3s` at `{{ bin_dir }}/k3s` (0755) and the images in
   `{{ images_dir }}/`, writes the config files (backing up what it replaces),
   embeds the upstream charts into the auto-deploy manifest (`chartContent`) and runs
   `install.sh` with `INSTALL_K3S_SKIP_DOWNLOAD=true`. If anything fails it undoes every change.

"""

_README_BY_HAND = """\
## Install a node by hand

    tar -xzf {{ tarball | q }} && cd {{ folder | q }} && sha256sum -c SHA256SUMS
    sudo install -m 0755 artifacts/k3s {{ bin_dir }}/k3s
    sudo mkdir -p {{ images_dir }}
    sudo cp artifacts/k3s-airgap-images-*.tar* {{ images_dir }}/
{%- for role, cmd in commands %}
    # {{ role }}:
    sudo K3STUI_AIRGAP_INSTALL_SH="$PWD/artifacts/install.sh" sh files/{{ role }}/install.sh
    #   (which runs: {{ cmd }})
{%- endfor %}
{%- if manifest %}
    # servers, before the first start: the pod network chart
    sudo install -D -m 0600 {{ manifest.path | q }} {{ manifest.dest | q }}
{%- endif %}

"""


def readme(
    plan: Plan,
    artifacts: list[Artifact],
    missing: list[str],
    *,
    k3s_version: str | None = None,
    folder: str = "k3s-bundle",
    wheels: Wheels | None = None,
) -> str:
    """Every user value is shell-quoted where it is a command word, and never interpolated raw.
    With k3stui's wheels in the bundle the k3stui path comes first, else the by-hand one."""
    from k3stui.chart import MANIFEST_DEST, chart_needed
    from k3stui.render.install_cmd import airgap_liner, install_command
    from k3stui.render.k3s_config import AGENT_TOKEN_FILE
    from k3stui.textout import render_text

    commands = []
    for role in ("server", "agent"):
        try:
            commands.append(
                (role, airgap_liner(install_command(plan, role, k3s_version=k3s_version, airgap=True)))
            )
        except ValueError:
            continue
    token_file = plan.token_file or AGENT_TOKEN_FILE
    manifest = {"path": f"files/server{MANIFEST_DEST}", "dest": MANIFEST_DEST}
    version = k3s_version or plan.k3s_version
    have_wheels = wheels is not None and bool(wheels.files)
    order = (_README_K3STUI, _README_BY_HAND) if have_wheels else (_README_BY_HAND, _README_K3STUI)
    problem = wheels.problem if wheels is not None and wheels.problem else "not built for this bundle"
    return render_text(
        _README_HEAD + "".join(order),
        wheels=have_wheels,
        nodes=[n.name for n in plan.nodes],
        wheel_problem=problem,
        k3stui="/opt/k3stui/bin/k3stui" if have_wheels else "k3stui",
        version=shlex.quote(version) if version else "",
        missing=missing,
        artifacts=[a.name for a in artifacts],
        commands=commands,
        token_file=token_file,
        manifest=manifest if chart_needed(plan) else None,
        tarball=f"{folder}.tar.gz",
        folder=folder,
        agents=any(r == "agent" for r, _ in commands),
        bin_dir=defaults.BIN_DIR,
        images_dir=defaults.IMAGES_DIR,
        data_dir=defaults.DATA_DIR,
    )


def required_version(plan: Plan, k3s_version: str | None) -> str:
    """A bundle is for one K3s release: --k3s-version, else the plan's. InputError without one."""
    from k3stui.findings import InputError
    from k3stui.versions import K3sVersion

    version = (k3s_version or plan.k3s_version or "").strip()
    if not version:
        raise InputError("a bundle needs the K3s version its artifacts are for: add --k3s-version "
                         "vX.Y.Z+k3sN (or k3s-version in the preset)")
    try:
        K3sVersion.parse(version)
    except ValueError as exc:
        raise InputError(f"--k3s-version {version}: {exc}") from None
    return version


def make_bundle(
    plan: Plan,
    out: str | Path,
    *,
    artifacts_dir: str | Path | None = None,
    force: bool = False,
    k3s_version: str | None = None,
    wheels: WheelMaker | None = pip_wheels,
    progress: Progress | None = None,
) -> BundleReport:
    """Check, then write the folder and DIR.tar.gz. Refused (nothing written) without a K3s
    version or with a k3s binary of another release. `wheels` makes k3stui's wheels (None: none);
    `progress` hears how far the archive is."""
    from k3stui.findings import InputError

    out = Path(os.path.abspath(out))  # "--out ." names the folder: DIR.tar.gz goes beside it
    tarball = out.with_name(out.name + ".tar.gz")
    if tarball.exists() and not force:
        raise fsio.WriteRefused(f"{tarball} exists; add --force to replace it")
    version = required_version(plan, k3s_version)
    artifacts, ignored = scan_artifacts(artifacts_dir)
    for a in artifacts:
        problem = check_binary_version(a.source, version) if a.kind == "binary" else None
        if problem:
            raise InputError(f"--artifacts: {problem}")
    scratch = Path(tempfile.mkdtemp(prefix="k3stui-wheels-"))
    try:
        made = wheels(scratch) if wheels is not None else None
        files, missing = bundle_files(plan, artifacts, k3s_version=version, folder=out.name, wheels=made)
        files.append(sums_file(files))
        fsio.write_tree(out, files, force=force)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    _tar(out, tarball, progress)
    report = BundleReport(str(out), str(tarball), [f.path for f in files], missing, ignored)
    report.wheel_problem = made.problem if made is not None else None
    return report


class _Counting:
    """A file whose reads report how far packing has come."""

    def __init__(self, f: BinaryIO, seen: list[int], total: int, name: str, progress: Progress) -> None:
        self._f, self._seen, self._total, self._name, self._progress = f, seen, total, name, progress

    def read(self, size: int = -1) -> bytes:
        data = self._f.read(size)
        self._seen[0] += len(data)
        self._progress(self._seen[0], self._total, self._name)
        return data


# Already compressed (the image archive is zstd, charts and wheels are gzip/zip): deflating them
# again costs most of a bundle's time and gains nothing, so their bytes are stored, not deflated.
_COMPRESSED = (".zst", ".gz", ".tgz", ".xz", ".bz2", ".lz4", ".zip", ".whl")
_STORE, _DEFLATE = 0, 6  # gzip levels: 0 stored blocks, 6 gzip's own default


class _GzipMembers:
    """A .gz written as a series of gzip members (RFC 1952 2.2: "a gzip file consists of a series
    of members"), a new one whenever the level changes. gzip, `tar -xzf` and Python's tarfile read
    the members as one stream: the archive stays a standard .tar.gz."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._gz: gzip.GzipFile | None = None
        self._level = -1
        self._offset = 0

    def use_level(self, level: int) -> None:
        if level != self._level:
            self._end_member()
            self._gz = gzip.GzipFile(filename="", mode="wb", compresslevel=level, fileobj=self._raw)
            self._level = level

    def write(self, data: bytes) -> int:
        assert self._gz is not None
        self._offset += len(data)
        return self._gz.write(data)

    def tell(self) -> int:  # tarfile keeps its offset from it
        return self._offset

    def _end_member(self) -> None:
        if self._gz is not None:
            self._gz.close()  # the member's trailer; the file it writes to stays open
            self._gz = None

    def close(self) -> None:
        self._end_member()


def _tar(folder: Path, tarball: Path, progress: Progress | None = None) -> None:
    """DIR.tar.gz with DIR/ inside, modes kept, written beside under a temporary name and renamed
    into place only when complete: a failure or an interrupt never leaves a partial archive.
    Streamed in 1 MiB reads; compressed members are stored, the rest deflated (`_GzipMembers`)."""
    fd, tmp = tempfile.mkstemp(dir=tarball.parent, prefix=f".{tarball.name}.", suffix=".k3stui-tmp")
    entries = [folder, *sorted(folder.rglob("*"))]
    total = sum(p.stat().st_size for p in entries if p.is_file() and not p.is_symlink())
    seen = [0]
    try:
        with os.fdopen(fd, "wb") as raw:
            gz = _GzipMembers(raw)
            gz.use_level(_DEFLATE)
            with tarfile.open(fileobj=gz, mode="w") as tar:  # type: ignore[call-overload]
                tar.copybufsize = 1 << 20
                for path in entries:
                    arcname = str(PurePosixPath(folder.name, *path.relative_to(folder).parts))
                    info = tar.gettarinfo(str(path), arcname)
                    if not info.isreg():
                        tar.addfile(info)
                        continue
                    gz.use_level(_STORE if path.name.endswith(_COMPRESSED) else _DEFLATE)
                    with open(path, "rb") as f:
                        source = _Counting(f, seen, total, path.name, progress) if progress else f
                        tar.addfile(info, source)  # type: ignore[arg-type]
                gz.use_level(_DEFLATE)  # the end-of-archive blocks: zeros, deflated to nothing
            gz.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(tmp, 0o600)  # the rendered config may carry the join token
        os.replace(tmp, tarball)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
