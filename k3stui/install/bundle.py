"""`k3stui bundle`: a folder (and DIR.tar.gz beside it) with everything an air-gapped node needs:
the plan, the rendered files, the packaged chart, upstream chart archives, K3s artifacts, a
SHA256SUMS and a README with the exact steps. Layout: see `airgap.py`.

`bundle_files` decides the content (pure over what it is given); `make_bundle` reads the
artifacts folder and writes, through `fsio`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from k3stui import defaults, fsio
from k3stui.install import airgap
from k3stui.install.airgap import ARTIFACTS, CHARTS, FILES, ChartArchive
from k3stui.plan import Plan

BUNDLE_JSON = "bundle.json"


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
    return found, ignored


def bundle_files(
    plan: Plan, artifacts: list[Artifact], *, k3s_version: str | None = None, folder: str = "k3s-bundle"
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
            out.append(BundleFile(f"{ARTIFACTS}/{a.name}", mode, source=a.source))
    meta = {
        "generator": "k3stui",
        "k3s-version": k3s_version or plan.k3s_version,  # --k3s-version wins, as in install_command
        "role": plan.role,
        "images": [a.name for a in artifacts if a.kind == "images"],
        "charts": [{"name": c.name, "version": c.version, "path": c.rel} for c in archives],
        "missing": missing,
    }
    out.append(BundleFile(BUNDLE_JSON, 0o644, (json.dumps(meta, indent=2) + "\n").encode()))
    out.append(
        BundleFile(
            "README.md",
            0o644,
            readme(plan, artifacts, missing, k3s_version=k3s_version, folder=folder).encode(),
        )
    )
    return out, missing


def sums_file(files: list[BundleFile]) -> BundleFile:
    sums = {
        f.path: hashlib.sha256(f.content).hexdigest() if f.content is not None else fsio.sha256_file(f.source)
        for f in files
    }
    return BundleFile(airgap.SUMS, 0o644, airgap.format_sums(sums).encode())


_README = """\
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
- `artifacts/`: {% for a in artifacts %}`{{ a }}`{{ ", " if not loop.last }}{% else %}(none yet){% endfor %}

## Install a node with k3stui (recommended)

1. Copy this folder, or `{{ tarball }}`, to the node and unpack it:
   `tar -xzf {{ tarball | q }} && cd {{ folder | q }}`
2. Check it: `sha256sum -c SHA256SUMS`
3. Make sure the node has a default route (K3s needs one to pick its node IP; a black-hole route
   is enough on an isolated network).
4. Look first, then install (as root):

       sudo k3stui install --airgap . --role server --dry-run
       sudo k3stui install --airgap . --role server --yes

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

## Install a node by hand

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
) -> str:
    """Every user value is shell-quoted where it is a command word, and never interpolated raw."""
    import jinja2

    from k3stui.chart import MANIFEST_DEST, chart_needed
    from k3stui.render.install_cmd import airgap_liner, install_command
    from k3stui.render.k3s_config import AGENT_TOKEN_FILE

    env = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["q"] = shlex.quote
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
    return env.from_string(_README).render(
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


def make_bundle(
    plan: Plan,
    out: str | Path,
    *,
    artifacts_dir: str | Path | None = None,
    force: bool = False,
    k3s_version: str | None = None,
) -> BundleReport:
    out = Path(os.path.abspath(out))  # "--out ." names the folder: DIR.tar.gz goes beside it
    tarball = out.with_name(out.name + ".tar.gz")
    if tarball.exists() and not force:
        raise fsio.WriteRefused(f"{tarball} exists; add --force to replace it")
    artifacts, ignored = scan_artifacts(artifacts_dir)
    files, missing = bundle_files(plan, artifacts, k3s_version=k3s_version, folder=out.name)
    files.append(sums_file(files))
    fsio.write_tree(out, files, force=force)
    _tar(out, tarball)
    return BundleReport(str(out), str(tarball), [f.path for f in files], missing, ignored)


def _tar(folder: Path, tarball: Path) -> None:
    """DIR.tar.gz with DIR/ inside, modes kept, written beside and renamed into place."""
    fd, tmp = tempfile.mkstemp(dir=tarball.parent, prefix=f".{tarball.name}.", suffix=".k3stui-tmp")
    os.close(fd)
    try:
        with tarfile.open(tmp, "w:gz") as tar:
            tar.add(folder, arcname=folder.name)
        os.chmod(tmp, 0o600)  # the rendered config may carry the join token
        os.replace(tmp, tarball)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
