"""Optional: the same inputs through k3stui and through k3s-oracle (the real K3s v1.34.3 config merge,
flag parser and start-up checks, compiled). Runs only when K3STUI_ORACLE names the binary; the suite
never depends on it and never looks for it outside the checkout.

For each input, K3s refusing to start (any stage but "ok") must be an error in k3stui and K3s
starting must leave k3stui without errors. The inputs avoid the checks where k3stui is stricter
than K3s on purpose (host bits, overlaps, ...), which are tested with K3s's answer elsewhere.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path

import pytest

from k3stui.findings import Severity
from k3stui.importers import build_plan
from k3stui.release_history import FLAG_HISTORY as HISTORY
from k3stui.rules import validate

ORACLE = os.environ.get("K3STUI_ORACLE", "")
pytestmark = pytest.mark.skipif(not ORACLE or not os.access(ORACLE, os.X_OK),
                                reason="set K3STUI_ORACLE=/path/to/k3s-oracle to run")
VERSION = "v1.34.3+k3s1"  # the release the oracle is built from
DUAL = "cluster-cidr: 10.42.0.0/16,2001:db8:42::/56\nservice-cidr: 10.43.0.0/16,2001:db8:43::/112\n"

CASES: list[tuple[str, str]] = [
    ("cluster-cidr: 10.42.0.0/16\n", "server --cluster-cidr=10.52.0.0/16"),
    ("cluster-cidr: 10.42.0.0/16\nservice-cidr: 10.43.0.0/16\n",
     "server --cluster-cidr=2001:db8:42::/56 --service-cidr=2001:db8:43::/112"),
    ('cluster-cidr: "10.42.0.0/16, 2001:db8:42::/56"\n', "server"),
    ('cluster-cidr: "10.42.0.0/16,"\n', "server"),
    ('cluster-cidr: [10.42.0.0/16, " 2001:db8:42::/56"]\nservice-cidr: 10.43.0.0/16,2001:db8:43::/112\n',
     "server"),
    ("cluster-domain: a.local\ncluster-domain+: b.local\n", "server"),
    ('flannel-backend: "vxlan "\n', "server"),
    ('service-node-port-range: "30000 - 32767"\n', "server"),
    ("disable-network-policy: y\n", "server"),
    ('disable-network-policy: "y"\n', "server"),
    ("disable-network-policy: tRuE\n", "server"),
    ("cluster-cidr:\n", "server"),
    ("cluster-dns: ''\n", "server"),
    ("flannel-backend: ''\n", "server"),
    ("node-ip: ''\n", "server"),
    ("--cluster-domain: x.local\n", "server"),
    ("cluster-domain: x.local\n", "server --bogus-flag"),
    ("cluster-domain: x.local\n", "server extra --cluster-domain=y.local"),
    ("", "server --no-deploy=traefik"),
    ("disable-agent: true\n", "server"),
    ("", "server --helm-controller-arg=a=1"),  # newer than v1.34.3 (the flag history)
    ("", "server --multi-cluster-cidr"),  # gone since v1.29.2
    ("", "server --disable-api-server"),  # renamed disable-apiserver in v1.21.1
    ("supervisor-metrics: true\nkine-tls: true\n", "server --disable-apiserver-lb=false"),  # agent-only
    ("disable: [runtimes, trafik]\n", "server"),  # K3s ignores an unknown name: a warning, no error
    (DUAL + "node-ip: 192.0.2.10\n", "server"),
    ("cluster-cidr: 2001:db8:42::/56,10.42.0.0/16\nservice-cidr: 2001:db8:43::/112,10.43.0.0/16\n"
     "node-ip: 2001:db8::10\n", "server"),
    (DUAL + "node-ip: 192.0.2.10,2001:db8::10\n", "server"),
    ("kube-controller-manager-arg: node-cidr-mask-size-ipv6=64\n", "server"),
    (DUAL + "kube-controller-manager-arg: node-cidr-mask-size=24\n", "server"),
    ("service-cidr: 10.0.0.0/8\ncluster-cidr: 172.16.0.0/16\n", "server"),
    ("service-cidr: 10.43.0.0/30\ncluster-dns: 10.43.0.2\n", "server"),
    ("service-cidr: 10.43.0.0/29\ncluster-dns: 10.43.0.5\n", "server"),
    ("cluster-cidr: 10.42.0.0/16\nservice-cidr: 2001:db8:43::/112\n", "server"),
    ("cluster-cidr: 2001:db8:42::/40\nservice-cidr: 2001:db8:43::/112\n", "server"),
]


def _oracle(tmp_path: Path, config: str, args: str) -> dict:
    path = tmp_path / "config.yaml"
    path.write_text(config)
    run = subprocess.run([ORACLE, "k3s", str(path), *shlex.split(args)], capture_output=True, text=True,
                         timeout=60, check=False)
    return json.loads(run.stdout)


@pytest.mark.parametrize(("config", "args"), CASES)
def test_k3stui_fails_where_k3s_fails(tmp_path: Path, config: str, args: str) -> None:
    answer = _oracle(tmp_path, config, args)
    plan, found = build_plan(configs=[("config.yaml", config)] if config else [], exec_flags=args)
    errors = [f for f in found + validate(plan, k3s_version=VERSION) if f.severity is Severity.ERROR]
    assert (answer["stage"] != "ok") == bool(errors), (answer, [(f.code, f.message) for f in errors])


def test_every_flag_the_oracle_defines_is_in_the_flag_table(tmp_path: Path) -> None:
    from k3stui import flags
    from k3stui.versions import K3sVersion, flag_state

    # The server flag set of v1.34.3: the flag history says which names that release defines; the
    # oracle's parser accepts exactly those (agent-only flags are not server flags).
    v = K3sVersion.parse(VERSION)
    for name, flag in flags.FLAGS.items():
        value = "true" if flag.kind == "bool" else "1" if flag.kind == "int" else "x"
        answer = _oracle(tmp_path, "", f"server --{name}={value}")
        defined = "not defined" not in answer.get("error", "")
        agent_only = HISTORY[name][1] == "agent-only"
        assert defined == (flag_state(name, v) == "present" and not agent_only), name
