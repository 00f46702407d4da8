"""The node paths the installer reads and writes that live in K3s's data-dir, derived from the
plan's `data-dir` (default /var/lib/rancher/k3s). Pure.

K3s auto-deploys only from `<data-dir>/server/manifests`, imports images from
`<data-dir>/agent/images`, keeps the datastore in `<data-dir>/server/db` and writes the join token
to `<data-dir>/server/node-token` (reference §2; k3s pkg/cli/cmds/server.go DataDir). `defaults`
holds each path for the default data-dir; here they move with the plan's.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from k3stui import defaults
from k3stui.plan import Plan, is_node_path
from k3stui.records import record


def data_dir(plan: Plan) -> str:
    """The plan's data-dir when it is a usable node path, else K3s's default."""
    value = plan.extra.get("data-dir")
    text = str(value).rstrip("/") if isinstance(value, str) and value.strip() else ""
    return text if text and is_node_path(text) else defaults.DATA_DIR


def rebase(default_path: str, directory: str) -> str:
    """A `defaults` path below the default data-dir, moved below `directory`."""
    rel = PurePosixPath(default_path).relative_to(defaults.DATA_DIR)
    return str(PurePosixPath(directory) / rel)


@record
class NodePaths:
    data_dir: str = defaults.DATA_DIR

    @classmethod
    def of(cls, plan: Plan) -> NodePaths:
        return cls(data_dir(plan))

    @property
    def auto_deploy_dir(self) -> str:
        return rebase(defaults.AUTO_DEPLOY_DIR, self.data_dir)

    @property
    def images_dir(self) -> str:
        return rebase(defaults.IMAGES_DIR, self.data_dir)

    @property
    def node_token(self) -> str:
        return rebase(defaults.NODE_TOKEN, self.data_dir)

    @property
    def db(self) -> str:
        return f"{self.data_dir}/server/db"

    @property
    def server_token(self) -> str:
        return f"{self.data_dir}/server/token"

    @property
    def agent_dir(self) -> str:
        return f"{self.data_dir}/agent"

    def markers(self) -> tuple[str, ...]:
        """Node paths that show K3s has been installed (or run) here."""
        return (defaults.CONFIG_FILE, self.db, self.server_token, self.agent_dir, f"{defaults.BIN_DIR}/k3s")
