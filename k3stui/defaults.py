"""Every default k3stui knows, in one place: K3s's own defaults and the pinned upstream charts.

Sources: `../shared/reference/k3s-network.md` (K3s) and `cni-charts.md` (charts).
"""

from __future__ import annotations

# The newest K3s release the versions table (versions.py) knows: rules apply to it when the plan
# names no version.
NEWEST_KNOWN = "v1.37.1+k3s1"

# --- K3s defaults (k3s pkg/cli/cmds/server.go, pkg/util/net.go) ---
CLUSTER_CIDR_V4 = "10.42.0.0/16"
CLUSTER_CIDR_V6 = "fd00:42::/56"  # used when the node's primary IP is IPv6
SERVICE_CIDR_V4 = "10.43.0.0/16"
SERVICE_CIDR_V6 = "fd00:43::/112"
CLUSTER_DOMAIN = "cluster.local"
SERVICE_NODE_PORT_RANGE = "30000-32767"
CLUSTER_DNS_INDEX = 10  # cluster-dns defaults to the 10th address of each service CIDR
NODE_CIDR_MASK_V4 = 24
NODE_CIDR_MASK_V6 = 64
FLANNEL_BACKEND = "vxlan"
EGRESS_SELECTOR_MODE = "agent"
DATA_DIR = "/var/lib/rancher/k3s"
CONFIG_FILE = "/etc/rancher/k3s/config.yaml"
NODE_TOKEN = "/var/lib/rancher/k3s/server/node-token"  # the token agents join with
# Where an agent's config points `token-file` when the plan names neither a token nor a file:
# the operator copies the server's node-token there.
AGENT_TOKEN_FILE = "/etc/rancher/k3s/k3stui-agent-token"
CONFIG_DROPIN_DIR = "/etc/rancher/k3s/config.yaml.d"
AUTO_DEPLOY_DIR = "/var/lib/rancher/k3s/server/manifests"
IMAGES_DIR = "/var/lib/rancher/k3s/agent/images"
SYSCTL_DIR = "/etc/sysctl.d"
# Where k3stui puts a rendered net-conf.json when the plan names no path (`flannel-conf`): a plan
# whose flannel.conf is None means this path, so importing it back gives None again.
FLANNEL_CONF_PATH = "/etc/rancher/k3s/flannel-net-conf.json"
SUPERVISOR_PORT = 6443
APISERVER_LOCAL_PORT = 6444  # kube-apiserver on servers, client load balancer on agents
INSTALL_SCRIPT_URL = "https://get.k3s.io"
# Where the install script puts the binary and the units (k3s:install.sh BIN_DIR, SYSTEMD_DIR).
BIN_DIR = "/usr/local/bin"
SYSTEMD_DIR = "/etc/systemd/system"

# --- flannel (flannel Documentation/backends.md, pkg/backend/*) ---
VXLAN_PORT = 8472
VXLAN_VNI = 1
WIREGUARD_PORT_V4 = 51820
WIREGUARD_PORT_V6 = 51821
WIREGUARD_KEEPALIVE = 25  # what K3s writes for wireguard-native
# --- the custom CNIs' data-plane ports (Calico and Cilium system requirements; ports.py's table) ---
CALICO_VXLAN_PORT = 4789
CILIUM_VXLAN_PORT = 8472
CILIUM_GENEVE_PORT = 6081
HOST_MTU = 1500

# --- upstream charts, pinned (cni-charts.md), overridable in a preset ---
CILIUM_REPO = "https://helm.cilium.io"
CILIUM_VERSION = "1.20.0"
CALICO_REPO = "https://docs.tigera.io/calico/charts"
CALICO_VERSION = "v3.32.1"
MULTUS_REPO = "https://rke2-charts.rancher.io"
MULTUS_VERSION = "v4.3.017"

# --- where the K3s containerd looks for CNI files (cni-charts.md "K3s CNI paths") ---
CNI_BIN_DIR_DEFAULT = "/opt/cni/bin"
CNI_CONF_DIR_DEFAULT = "/etc/cni/net.d"
CNI_BIN_DIR_FLANNEL = "/var/lib/rancher/k3s/data/cni"
CNI_BIN_DIR_FLANNEL_OLD = "/var/lib/rancher/k3s/data/current/bin"
CNI_CONF_DIR_FLANNEL = "/var/lib/rancher/k3s/agent/etc/cni/net.d"

# --- ports ---
EPHEMERAL_PORTS = (32768, 60999)  # Linux net.ipv4.ip_local_port_range default
K3S_LOCAL_PORTS = (2381, 2382, 6444, 10010, 10248, 10249, 10250, 10256, 10257, 10258, 10259)
