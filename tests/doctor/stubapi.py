"""A small Kubernetes API stand-in for real kubectl: discovery documents (with shortNames, as
kubectl's RESTMapper needs) and recorded objects, on 127.0.0.1, plain HTTP, in a thread.

Objects come from a fixture: {"objects": [...]} (kind, apiVersion, metadata as the API returns
them) and "version". Broken variants are a base fixture plus "patch": a list of
{"kind", "namespace", "name", "set": {dotted.path: value}} or {"delete": true}.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "doctor"

# (group, version, plural, kind, namespaced, shortNames)
RESOURCES = [
    ("", "v1", "nodes", "Node", False, ["no"]),
    ("", "v1", "services", "Service", True, ["svc"]),
    ("", "v1", "configmaps", "ConfigMap", True, ["cm"]),
    ("", "v1", "namespaces", "Namespace", False, ["ns"]),
    ("", "v1", "pods", "Pod", True, ["po"]),
    ("", "v1", "endpoints", "Endpoints", True, ["ep"]),
    ("apps", "v1", "daemonsets", "DaemonSet", True, ["ds"]),
    ("apps", "v1", "deployments", "Deployment", True, ["deploy"]),
    ("batch", "v1", "jobs", "Job", True, []),
    ("helm.cattle.io", "v1", "helmcharts", "HelmChart", True, []),
    ("crd.projectcalico.org", "v1", "ippools", "IPPool", False, []),
]


def load_fixture(name: str) -> dict[str, Any]:
    data = json.loads((FIXTURES / f"{name}.json").read_text())
    if "base" not in data:
        return data
    base = load_fixture(data["base"])
    objects = base["objects"]
    for change in data.get("patch", []):
        hit = [
            o
            for o in objects
            if o["kind"] == change["kind"]
            and o["metadata"]["name"] == change["name"]
            and o["metadata"].get("namespace", "") == change.get("namespace", "")
        ]
        assert hit, f"{name}: patch target {change} not in {data['base']}"
        if change.get("delete"):
            objects = [o for o in objects if o is not hit[0]]
            continue
        for path, value in change["set"].items():
            target = hit[0]
            *parents, leaf = path.split(".")
            for part in parents:
                target = target[int(part)] if isinstance(target, list) else target.setdefault(part, {})
            if isinstance(target, list):
                target[int(leaf)] = value
            else:
                target[leaf] = value
    return {**base, "objects": objects, **{k: v for k, v in data.items() if k not in ("base", "patch")}}


def _resource_list(group: str, version: str) -> dict[str, Any]:
    gv = f"{group}/{version}" if group else version
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": gv,
        "resources": [
            {
                "name": plural,
                "singularName": kind.lower(),
                "namespaced": namespaced,
                "kind": kind,
                "verbs": ["get", "list", "create", "delete", "patch", "update", "watch"],
                "shortNames": short,
            }
            for g, v, plural, kind, namespaced, short in RESOURCES
            if (g, v) == (group, version)
        ],
    }


class StubAPI:
    def __init__(self, fixture: dict[str, Any]) -> None:
        self.objects = copy.deepcopy(fixture["objects"])
        self.version = fixture.get("version", "v1.34.3+k3s1")
        self.requests: list[str] = []

    def route(self, path: str) -> tuple[int, Any]:
        parts = [p for p in path.split("/") if p]
        if path == "/version":
            return 200, {"major": "1", "minor": "34", "gitVersion": self.version}
        if path == "/api":
            return 200, {"kind": "APIVersions", "versions": ["v1"]}
        if path == "/apis":
            groups = sorted({(g, v) for g, v, *_ in RESOURCES if g})
            return 200, {
                "kind": "APIGroupList",
                "apiVersion": "v1",
                "groups": [
                    {
                        "name": g,
                        "versions": [{"groupVersion": f"{g}/{v}", "version": v}],
                        "preferredVersion": {"groupVersion": f"{g}/{v}", "version": v},
                    }
                    for g, v in groups
                ],
            }
        if parts[:2] == ["api", "v1"] and len(parts) == 2:
            return 200, _resource_list("", "v1")
        if parts[:1] == ["apis"] and len(parts) == 3:
            return 200, _resource_list(parts[1], parts[2])
        group, version, rest = (
            ("", "v1", parts[2:]) if parts[:1] == ["api"] else (parts[1], parts[2], parts[3:])
        )
        namespace = None
        if rest[:1] == ["namespaces"] and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
        spec = next((r for r in RESOURCES if r[0] == group and r[1] == version and r[2] == rest[0]), None)
        if spec is None:
            return 404, _status(404, f"the server could not find the requested resource ({path})")
        kind = spec[3]
        found = [
            o
            for o in self.objects
            if o["kind"] == kind and (namespace is None or o["metadata"].get("namespace") == namespace)
        ]
        if len(rest) == 2:
            one = next((o for o in found if o["metadata"]["name"] == rest[1]), None)
            if one is None:
                return 404, _status(404, f'{spec[2]} "{rest[1]}" not found')
            return 200, one
        api_version = f"{group}/{version}" if group else version
        return 200, {"kind": f"{kind}List", "apiVersion": api_version, "metadata": {}, "items": found}


def _status(code: int, message: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "message": message,
        "reason": "NotFound",
        "code": code,
    }


@contextmanager
def serve(fixture: dict[str, Any], tmp: Path) -> Iterator[tuple[StubAPI, Path]]:
    """Start the stub on a free port; yield it and an insecure kubeconfig (context "stub") for it."""
    api = StubAPI(fixture)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urlparse(self.path).path
            api.requests.append(path)
            code, body = api.route(path)
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # shutdown() waits for serve_forever's next poll: 0.5 s by default, at every test's teardown.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    kubeconfig = tmp / "kubeconfig"
    kubeconfig.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "stub",
                "clusters": [
                    {"name": "stub", "cluster": {"server": f"http://127.0.0.1:{server.server_port}"}}
                ],
                "contexts": [
                    {"name": "stub", "context": {"cluster": "stub", "user": "stub"}},
                    {"name": "k3s-ansible", "context": {"cluster": "stub", "user": "stub"}},
                ],
                "users": [{"name": "stub", "user": {}}],
            }
        )
    )
    try:
        yield api, kubeconfig
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
