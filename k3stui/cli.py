"""Command line: `k3stui` opens the TUI; `k3stui check|render|preset|install|bundle|rules` are its
twins for scripts and CI.

Start-up matters: only argparse and k3stui.defaults are imported here, and only the arguments of
the command that runs are built (`--help` lists every command without building any). Every command
imports what it needs when it runs, so `check` never loads textual, sh or jinja2 (tests/test_import_lists.py).
Exit codes (`exit_codes.py`): 0 fine, 1 the plan has errors (or the action failed), 2 unusable
input, 3 an internal error (a bug; K3STUI_DEBUG=1 shows the traceback), 130 interrupted. Every
`K3stuiError` a command raises is printed as one line and exits with its kind's code.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Callable, Sequence

from k3stui import __version__, exit_codes
from k3stui.defaults import NEWEST_KNOWN

_VERSION_HELP = (
    "K3s version the plan is for, as vX.Y.Z+k3sN. Without it, rules apply to the newest "
    f"K3s release k3stui knows: {NEWEST_KNOWN}."
)


def _roles() -> tuple[str, ...]:
    """The --role choices: plan.Role, the one choice set (imported only by the commands that take
    --role; the plan's dataclasses cost more than building the whole parser)."""
    from typing import get_args

    from k3stui.plan import Role

    return get_args(Role)


def _terminal_columns() -> int:
    """shutil.get_terminal_size().columns without importing shutil (and with it zlib, bz2, lzma):
    argparse asks for the width on every add_argument."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Formatter(argparse.HelpFormatter):
    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position,
                         _terminal_columns() - 2 if width is None else width)


def _add_inputs(p: argparse.ArgumentParser, *, preset: bool = True) -> None:
    """The inputs `check` takes; render, install and bundle take the same."""
    g = p.add_argument_group("inputs (merged as K3s merges them: config files, then flags)")
    g.add_argument("--config", "-c", action="append", default=[], metavar="FILE",
                   help="a K3s config.yaml; repeat for several (later files win, key+: appends)")
    g.add_argument("--config-dir", metavar="DIR",
                   help="a config.yaml.d folder: every *.yaml in it, alphabetically, after --config")
    g.add_argument("--exec", dest="exec_flags", metavar="'FLAGS'",
                   help="an INSTALL_K3S_EXEC-style string, e.g. 'server --flannel-backend=host-gw'; "
                        "overrides the config files as K3s's command line does")
    g.add_argument("--flannel-conf", metavar="FILE", help="a flannel net-conf.json")
    if preset:
        g.add_argument("--preset", metavar="FILE|NAME",
                       help="a k3stui preset file, or the name of a shipped preset (see 'preset list')")
    g.add_argument("--set", dest="settings", action="append", default=[], metavar="PATH=VALUE",
                   help="set one plan field after all other inputs, by its preset path, e.g. "
                        "cni.calico.ip-pools=192.168.200.0/24; PATH= resets it (pools: follow cluster-cidr)")
    g.add_argument("--server-config", action="append", default=[], metavar="FILE",
                   help="another server's config.yaml: its critical values must match this plan's")
    p.add_argument("--k3s-version", metavar="vX.Y.Z+k3sN", help=_VERSION_HELP)


def _formats(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="text for people (colour only on a terminal; NO_COLOR respected), json for tools")


def _check(p: argparse.ArgumentParser) -> None:
    _add_inputs(p)
    _formats(p)


def _render(p: argparse.ArgumentParser) -> None:
    _add_inputs(p)
    p.add_argument("--out", metavar="DIR", help="output folder (must be empty unless --force)")
    p.add_argument("--force", action="store_true", help="write into a non-empty --out")
    p.add_argument("--merge-into", metavar="PATH",
                   help="update this existing K3s config.yaml in place (comments kept, backup first)")
    p.add_argument("--role", choices=_roles(), help="with --merge-into: which role's config")
    p.add_argument("--dry-run", action="store_true", help="with --merge-into: show the diff only")
    p.add_argument("--explain", action="store_true",
                   help="print ports to open, MTU, node capacity and host-gw routes")
    p.add_argument("--no-chart", action="store_true", help="skip the Helm chart export")
    p.add_argument("--per-node", action="store_true",
                   help="with --out: a folder per node of the plan's node list (nodes/NAME/)")
    p.add_argument("--ansible", metavar="DIR",
                   help="write a k3s-ansible inventory folder (a re-export keeps the files you added)")
    p.add_argument("--airgap", metavar="ARTIFACTS",
                   help="with --ansible: lay out k3s, k3s-install.sh and the image archives as airgap_dir")


def _preset(p: argparse.ArgumentParser) -> None:
    psub = p.add_subparsers(dest="preset_command", metavar="ACTION", required=True)
    psub.add_parser("list", help="list the shipped presets", formatter_class=_Formatter)
    q = psub.add_parser("show", help="print a shipped preset", formatter_class=_Formatter)
    q.add_argument("name")
    q = psub.add_parser("validate", help="validate a preset file against the schema and the rules",
                        formatter_class=_Formatter)
    q.add_argument("file")
    q.add_argument("--k3s-version", metavar="vX.Y.Z+k3sN", help=_VERSION_HELP)
    q = psub.add_parser("import", help="write a preset from existing K3s flags or files",
                        formatter_class=_Formatter)
    _add_inputs(q, preset=False)
    q.add_argument("--name", required=True, help="preset name (lower case, digits, dashes)")
    q.add_argument("--description", default="", help="one line saying what the plan is for")
    q.add_argument("--out", metavar="FILE", help="where to write it (default: standard output)")
    q.add_argument("--force", action="store_true", help="replace an existing --out file")


def _install(p: argparse.ArgumentParser) -> None:
    _add_inputs(p)
    p.add_argument("--role", choices=_roles(), help="this host's role (default: the plan's)")
    p.add_argument("--node", metavar="NAME", help="install the plan's node NAME on this host (its role, its "
                                                  "node-ip...; see 'render --per-node')")
    p.add_argument("--dry-run", action="store_true", help="print the whole plan of action; change nothing")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--root", metavar="DIR", help="treat DIR as / (tests, image preparation)")
    p.add_argument("--airgap", metavar="DIR", help="install from a bundle made by 'k3stui bundle'")
    p.add_argument("--install-script", metavar="FILE", help="use this install.sh instead of downloading it")
    p.add_argument("--undo", action="store_true",
                   help="finish undoing an install that was killed or lost power midway (its journal "
                        "under --root); changes nothing else")


def _bundle(p: argparse.ArgumentParser) -> None:
    _add_inputs(p)
    p.add_argument("--out", metavar="DIR", required=True,
                   help="bundle folder (a .tar.gz is written beside it)")
    p.add_argument("--artifacts", metavar="DIR",
                   help="k3s binary, install.sh, k3s-airgap-images-<arch>.tar.zst, chart .tgz files")
    p.add_argument("--force", action="store_true", help="write into a non-empty --out")
    p.add_argument("--no-wheels", action="store_true",
                   help="do not build k3stui's wheels into the bundle (its README then shows the by-hand "
                        "install first)")


def _doctor(p: argparse.ArgumentParser) -> None:
    _add_inputs(p)
    _formats(p)
    g = p.add_argument_group("what to check (default: the cluster through kubectl)")
    g.add_argument("--node", action="store_true",
                   help="this node: addresses, routes, flannel files (no API needed)")
    g.add_argument("--all-nodes", action="store_true",
                   help="the node checks on every node, through a read-only probe DaemonSet")
    g.add_argument("--connectivity", action="store_true",
                   help="deploy a test (echo pods, NodePort, clients) and probe pod, Service, DNS and MTU")
    g.add_argument("--preflight", action="store_true", help="before an install: this host's network checks")
    g = p.add_argument_group("where")
    g.add_argument("--kubeconfig", metavar="FILE",
                   help="kubeconfig (default: kubectl's; on a server K3s's own)")
    g.add_argument("--context", metavar="NAME", help="kubeconfig context (with --inventory: k3s-ansible)")
    g.add_argument("--inventory", metavar="FILE", help="a k3s-ansible inventory.yml: the cluster's nodes")
    g.add_argument("--root", metavar="DIR", help="read this node's files under DIR instead of /")
    g.add_argument("--node-name", metavar="NAME", help="with --node: which plan node this host is")
    g.add_argument("--role", choices=_roles(), help="with --preflight: this host's role")
    g.add_argument("--probe-server", action="store_true",
                   help="with --preflight on an agent: fetch the plan's <server>/cacerts once (5 s)")
    g = p.add_argument_group("how")
    g.add_argument("--wait", metavar="DURATION", help="poll until nothing fails or DURATION passes (90s, 5m)")
    g.add_argument("--image", help="image of the probe and test pods (default: the busybox K3s ships "
                                   "for local-path, in its air-gap images)")
    g.add_argument("--keep", action="store_true", help="keep the k3stui-doctor namespace afterwards")


def _rules(p: argparse.ArgumentParser) -> None:
    p.add_argument("code", nargs="?", metavar="CODE", help="explain this code (e.g. HA001, INST013)")
    _formats(p)


# name: (help, description, the function adding its arguments), in the order --help lists them.
_COMMANDS: dict[str, tuple[str, str | None, Callable[[argparse.ArgumentParser], None]]] = {
    "check": ("validate a network plan from presets, configs and flags",
              "Validate a plan. Exit 0: no errors (warnings allowed); 1: at least one error; "
              "2: unusable input.",
              _check),
    "render": ("write every file a cluster needs, per node role",
               "Render K3s config drop-ins, net-conf.json, sysctl drop-ins, install commands, the chart "
               "values and a manifest.json.", _render),
    "preset": ("list, show, validate or import presets",
               "Presets capture a whole network plan in a versioned YAML file.", _preset),
    "install": ("install K3s on this host with the plan (dry run first)", None, _install),
    "bundle": ("make an air-gapped install bundle", None, _bundle),
    "doctor": ("prove the running cluster's network is the planned one",
               "Check the cluster (kubectl), this node (--node), every node (--all-nodes) or pod "
               "connectivity (--connectivity) against the plan. Exit 0: nothing failed; 1: a check "
               "failed; 2: unusable input.", _doctor),
    "rules": ("list every code k3stui can print; explain one",
              "Every code of the importers, the plan rules, the installer's preflight and the doctor, "
              "from the one registry. With CODE: what it checks, why, how to fix it and its source.",
              _rules),
}
_TOP_VALUED = ("--root", "--out")  # the top-level options that take a value


def _top_level(argv: Sequence[str]) -> tuple[list[str], str | None]:
    """The top-level options before the command word, and that word (None: the TUI, or a word
    argparse will refuse)."""
    options: list[str] = []
    it = iter(argv)
    for word in it:
        if word == "--":
            return options, next(it, None)
        if word.startswith("-"):
            options.append(word)
            if len(word) > 2 and "=" not in word and any(o.startswith(word) for o in _TOP_VALUED):
                next(it, None)  # argparse accepts any unambiguous prefix: --ro DIR
            continue
        return options, word
    return options, None


def command_word(argv: Sequence[str]) -> str | None:
    """The command `argv` runs (None: the TUI, or a word argparse will refuse)."""
    return _top_level(argv)[1]


def top_help(argv: Sequence[str]) -> bool:
    """`k3stui --help [COMMAND]`: a top-level -h/--help (or a prefix argparse takes for it), which
    prints the whole command list."""
    return any(w == "-h" or (len(w) >= 3 and "--help".startswith(w)) for w in _top_level(argv)[0])


def build_parser(only: str | None = None, *, all_commands: bool = True,
                 list_all: bool = True) -> argparse.ArgumentParser:
    """The whole parser; with `all_commands=False`, every command is listed (for --help) but only
    `only`'s arguments are added: building all of them costs as much as checking a plan. With
    `list_all=False` too, only `only` is listed: its run never shows the top-level help (`top_help`)."""
    parser = argparse.ArgumentParser(
        prog="k3stui",
        description="Plan a K3s pod network, check it, render its files and install it. "
                    "Without a command, opens the terminal UI.",
        epilog=f"Rules apply to {NEWEST_KNOWN} unless --k3s-version says otherwise.",
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"k3stui {__version__}")
    tui = parser.add_argument_group("terminal UI (without a command)")
    tui.add_argument("--root", metavar="DIR",
                     help="read this host's K3s config and install under DIR instead of / (default /)")
    tui.add_argument("--out", metavar="DIR", help="default export folder (default: the current folder)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, description, add_arguments) in _COMMANDS.items():
        if not (list_all or name == only):
            continue
        p = sub.add_parser(name, help=help_text, description=description, formatter_class=_Formatter)
        if all_commands or name == only:
            add_arguments(p)
    return parser


def _command(name: str) -> Callable[[argparse.Namespace], int]:
    """Import a command's module only when it runs."""
    import importlib

    module = importlib.import_module(f"k3stui.commands.{name}")
    return module.run


def _join_exec_values(argv: list[str]) -> list[str]:
    """`--exec '--flannel-backend=host-gw'` is how people write it, but argparse reads a value that
    starts with a dash as an option; `--exec=VALUE` is unambiguous."""
    out: list[str] = []
    it = iter(argv)
    for word in it:
        if word == "--exec":
            value = next(it, None)
            out.append("--exec" if value is None else f"--exec={value}")
        else:
            out.append(word)
    return out


def _ready_for_ctrl_c() -> None:
    """From here on Ctrl-C is a KeyboardInterrupt again (k3stui/__init__ exited quietly before)."""
    import _signal  # the C module: `signal` builds its enums at import

    import k3stui

    if _signal.getsignal(_signal.SIGINT) is k3stui._quiet_exit:
        _signal.signal(_signal.SIGINT, _signal.default_int_handler)


# Commands that read their inputs, compute, write and end within a moment (see main).
_BRIEF = frozenset({"check", "render", "rules", "preset"})


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command `argv` (default: sys.argv) names; its exit code. The cyclic garbage collector
    is off while a brief command runs: reference counting frees what such a run drops, the few cycles
    (classes, tracebacks) die with the process, and the collector's passes over every object the
    imports made were a twentieth of `check` and `render`. The TUI and the long-running commands
    (install, doctor, bundle) keep it. A caller in the same process (with `argv`) gets it back on
    return; run as the program (the `k3stui` script, `python -m k3stui`: no `argv`), the process ends
    with it off, which spares the exit one more pass over every object."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _main(argv, collecting)
    finally:
        if collecting and argv is not None:
            gc.enable()


def _main(argv: Sequence[str] | None, collecting: bool) -> int:
    try:  # Ctrl-C in the first moments (nothing changed yet): a quiet exit, not a traceback
        _ready_for_ctrl_c()
        words = _join_exec_values(list(sys.argv[1:] if argv is None else argv))
        only = command_word(words)
        known = only in _COMMANDS
        args = build_parser(only, all_commands=only is not None and not known,
                            list_all=not known or top_help(words)).parse_args(words)
        from k3stui.errors import K3stuiError  # inside the try: an import can take the Ctrl-C too
    except KeyboardInterrupt:
        return exit_codes.INTERRUPTED
    if collecting and args.command not in _BRIEF:
        gc.enable()
    if args.command is None:
        return _command("tui")(args)
    try:
        return _command(args.command)(args)
    except K3stuiError as exc:  # an ordinary condition (bad input, a refused write): its own exit code
        print(f"k3stui: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("k3stui: interrupted", file=sys.stderr)
        return exit_codes.INTERRUPTED
    except BrokenPipeError:
        return exit_codes.OK
    except Exception as exc:  # a bug: say so plainly, no traceback unless asked
        import os

        if os.environ.get("K3STUI_DEBUG"):
            raise
        print(f"k3stui: internal error: {type(exc).__name__}: {exc} "
              "(run with K3STUI_DEBUG=1 for details and report it)", file=sys.stderr)
        return exit_codes.INTERNAL
