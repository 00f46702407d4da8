"""scripts/release_history.py on a tiny K3s-shaped git repository made here: urfave v1 flags
(`Name: "token,t"`, inline lists) at one tag, urfave v2 (`ServerFlags` variable, `Aliases`) at the
next, a flag removed, a flag added, a manifest added; also a branch read by its Kubernetes bumps."""

from __future__ import annotations

import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "release_history.py"
pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

V1_SERVER = '''package cmds
var ServerToken = cli.StringFlag{Name: "token,t", Usage: "x, y"}
func NewServerCommand() cli.Command {
	return cli.Command{
		Name: "server",
		Flags: []cli.Flag{
			ConfigFlag,
			cli.StringSliceFlag{Name: "cluster-cidr", Usage: "a {b} c"},
			ServerToken,
			// Hidden/Deprecated flags below
			cli.BoolFlag{Name: "no-deploy", Hidden: true},
			&NodeIPFlag,
		},
	}
}
'''
V1_AGENT = '''package cmds
var (
	ConfigFlag = cli.StringFlag{Name: "config,c"}
	NodeIPFlag = cli.StringSliceFlag{Name: "node-ip,i"}
)
func NewAgentCommand() cli.Command {
	return cli.Command{Name: "agent", Flags: []cli.Flag{ConfigFlag, NodeIPFlag}}
}
'''
V2_SERVER = '''package cmds
var ServerFlags = []cli.Flag{
	ConfigFlag,
	&cli.StringSliceFlag{Name: "cluster-cidr"},
	&cli.StringFlag{Name: "token", Aliases: []string{"t"}},
	&cli.BoolFlag{Name: "disable-agent", Hidden: true},
	NodeIPFlag,
}
func NewServerCommand() *cli.Command {
	return &cli.Command{Name: "server", Flags: ServerFlags}
}
'''
V2_AGENT = '''package cmds
var (
	ConfigFlag = &cli.StringFlag{Name: "config", Aliases: []string{"c"}}
	NodeIPFlag = &cli.StringSliceFlag{Name: "node-ip", Aliases: []string{"i"}}
)
func NewAgentCommand() *cli.Command {
	return &cli.Command{
		Name:  "agent",
		Flags: []cli.Flag{ConfigFlag, NodeIPFlag, &cli.IntFlag{Name: "lb-server-port"}},
	}
}
'''


def _commit(repo: Path, files: dict[str, str], message: str) -> None:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid",
                    "commit", "-qm", message], check=True)


def _run(*sources: str) -> dict:
    out = subprocess.run([sys.executable, str(SCRIPT), "--since", "v1.19.1", *sources], capture_output=True,
                         text=True, check=True).stdout
    module = Path(sources[0].split(":")[0]).parent.parent / "generated.py"
    module.write_text(out)
    return runpy.run_path(str(module))  # the generated module, as Python reads it


def test_flags_and_manifests_per_tag(tmp_path: Path) -> None:
    repo = tmp_path / "k3s"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    _commit(repo, {"pkg/cli/cmds/server.go": V1_SERVER, "pkg/cli/cmds/agent.go": V1_AGENT,
                   "manifests/coredns.yaml": "", "manifests/metrics-server/a.yaml": "",
                   "go.mod": "require (\n\tk8s.io/kubernetes v1.19.1\n)\n"}, "one")
    subprocess.run(["git", "-C", str(repo), "tag", "v1.19.1+k3s1"], check=True)
    _commit(repo, {"pkg/cli/cmds/server.go": V2_SERVER, "pkg/cli/cmds/agent.go": V2_AGENT,
                   "manifests/runtimes.yaml": "",
                   "go.mod": "require (\n\tk8s.io/kubernetes v1.20.0\n)\n"}, "two")
    subprocess.run(["git", "-C", str(repo), "tag", "v1.20.0+k3s1"], check=True)

    data = _run(str(repo / ".git"))
    assert data["RELEASES"] == ("v1.19.1+k3s1", "v1.20.0+k3s1")
    flags = data["FLAG_HISTORY"]
    assert flags["token"] == ("str", "server", ("v1.19.1+k3s1",), ())  # "token,t": the long name
    assert flags["node-ip"] == ("list", "agent", ("v1.19.1+k3s1",), ())  # on both commands
    assert flags["no-deploy"] == ("bool", "server", ("v1.19.1+k3s1",), ("v1.20.0+k3s1",))
    assert flags["disable-agent"] == ("bool", "server", ("v1.20.0+k3s1",), ())
    assert flags["lb-server-port"] == ("int", "agent-only", ("v1.20.0+k3s1",), ())
    assert set(flags) == {"config", "cluster-cidr", "token", "no-deploy", "node-ip", "disable-agent",
                          "lb-server-port"}
    assert data["MANIFEST_HISTORY"] == {"coredns": (("v1.19.1+k3s1",), ()),
                                        "metrics-server": (("v1.19.1+k3s1",), ()),
                                        "runtimes": (("v1.20.0+k3s1",), ())}

    # Without tags: the branch's Kubernetes bumps stand for the releases.
    subprocess.run(["git", "-C", str(repo), "tag", "-d", "v1.19.1+k3s1", "v1.20.0+k3s1"], check=True,
                   capture_output=True)
    branch = subprocess.run(["git", "-C", str(repo), "branch", "--show-current"], capture_output=True,
                            text=True, check=True).stdout.strip()
    bumps = _run(f"{repo / '.git'}:{branch}")
    assert bumps["RELEASES"] == ("v1.19.1+k3s1", "v1.20.0+k3s1") and bumps["FLAG_HISTORY"] == flags
    assert bumps["UNSURE"] == {}
    assert _run(f"{repo / '.git'}:{branch}:1.20")["RELEASES"] == ("v1.20.0+k3s1",)

    # A flag merged after the v1.20.0 bump, within its window: v1.20.0's tag may or may not have it.
    _commit(repo, {"pkg/cli/cmds/server.go": V2_SERVER.replace(
        "\tNodeIPFlag,\n}", '\tNodeIPFlag,\n\t&cli.BoolFlag{Name: "kine-tls"},\n}')}, "three")
    late = _run(f"{repo / '.git'}:{branch}")
    assert late["FLAG_HISTORY"]["kine-tls"] == ("bool", "server", ("v1.20.0+k3s1",), ())
    assert late["UNSURE"] == {"kine-tls": ("v1.20.0+k3s1",)}
