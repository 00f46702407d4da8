"""Codes emitted outside the rule functions — by the importers (stage "import"), by `rules.evaluate`
for implied values and by `preset import` — so that RULES, and `k3stui rules`, show every code and
`emit` gives each the severity registered here.

The importers build their findings with `registry.emit`; `tests/test_registry_emitted.py` checks
that every code any module emits is registered with the severity it is emitted at.
"""

from __future__ import annotations

from k3stui.rules.registry import NET, E, N, W, register

_CFG = "k3s pkg/configfilearg/parser.go"
_CLI = "urfave/cli v1 + Go flag package (as K3s links them)"
_FLANNEL = "flannel pkg/subnet/config.go, pkg/backend/*"

register(
    W("IMPORT001", "config", "unknown config-file key: K3s skips it with a log line", f"{NET} §2; {_CFG}",
      stage="import", doc="K3s reads only the keys that are flags of the command; any other key in "
      "config.yaml is skipped (a log line, no error), so the setting is silently lost. k3stui keeps "
      "the key as written so nothing you had is dropped. Fix: correct the spelling or delete it."),
    E("IMPORT002", "config", "a flag value of the wrong type (bool / int)",
      f"{NET} §2; Go strconv.ParseBool / strconv.Atoi", stage="import",
      doc="Bool flags accept only 1 t T TRUE true True and 0 f F FALSE false False (strconv.ParseBool; "
      "YAML's yes/no/on/off/y/n are booleans already); int flags a decimal number. Anything else "
      "stops K3s at start-up. Fix: write true/false or a whole number."),
    W("IMPORT003", "exec", "a positional word: K3s stops reading flags there", f"{NET} §2; {_CLI}",
      stage="import", doc="Go's flag parser stops at the first word that is not a flag (or at '--'); "
      "every flag after it is ignored by K3s, so k3stui ignores it too. Fix: remove the word, or "
      "write it as --flag=value."),
    W("IMPORT004", "config", "a key appears twice in one YAML mapping", f"{NET} §2; go-yaml v2",
      stage="import", doc="The last value wins, as K3s's YAML reader keeps it. Fix: keep one."),
    E("IMPORT005", "exec", "a flag that needs a value has none", f"{NET} §2; {_CLI}", stage="import",
      doc="urfave/cli: 'flag needs an argument'. Fix: give --flag=value."),
    W("IMPORT006", "config", "a single-value flag given several times; the last wins", f"{NET} §2; {_CLI}",
      stage="import", doc="K3s passes every value to the flag parser; a plain (non-list) flag keeps the "
      "last one, also for `key+:` in a drop-in (it does not join). Fix: give the flag once."),
    E("IMPORT007", "config", "a config value K3s cannot use (a mapping, a nested list)", f"{NET} §2; {_CFG}",
      stage="import", doc="A mapping becomes Go's text of it ('[{a b}]') and a nested list is dropped; "
      "neither is what was meant. Fix: write a string, number, boolean or list of them."),
    N("IMPORT009", "no-flannel", "no-flannel read as flannel-backend: none", f"{NET} §1 (#6574)",
      stage="import", doc="The removed --no-flannel meant flannel-backend none; the plan says so. "
      "The version rules (FLANNEL011/012) say whether K3s still accepts it."),
    E("IMPORT010", "exec", "unknown command-line flag (fatal)", f"{NET} §2; {_CLI}", stage="import",
      doc="urfave/cli refuses a flag it does not define ('flag provided but not defined') and K3s "
      "exits. Fix: correct the spelling (did-you-mean) or remove the flag."),
    E("IMPORT011", "config", "unknown config-file key that is a close match of a K3s flag",
      f"{NET} §2; {_CFG}", stage="import",
      doc="K3s skips an unknown key silently, so a misspelt key (flanel-backend) loses the setting: the "
      "cluster starts with the default (vxlan). An error because the intent is plain. Fix: use the "
      "flag's spelling."),
    E("IMPORT012", "config", "an empty or space-padded value K3s refuses", f"{NET} §2; {_CFG}; "
      "k3s pkg/cli/server/server.go (util.SplitStringSlice)", stage="import",
      doc="K3s splits list values on commas and does not trim the parts: ' 2001:db8::/56', a trailing "
      "comma or 'a,,b' are fatal ('invalid cluster-cidr'). An empty value is not 'unset': "
      "cluster-cidr: '' or null is fatal, cluster-domain: ~ gives an empty domain. Fix: delete the "
      "key for the default, or write the values without spaces."),
    E("IMPORT013", "config", "a config key written with dashes", f"{_CFG}; {_CLI}", stage="import",
      doc="K3s turns key k into --k; '--cluster-domain' becomes '----cluster-domain', which the flag "
      "parser refuses ('bad flag syntax'). Fix: write the key without dashes."),
    E("IMPORT014", "kube-apiserver-arg", "a pass-through argument disagrees with the K3s flag",
      "k3s pkg/daemons/control/server.go (extra args appended after K3s's own)", stage="import",
      doc="kube-apiserver-arg service-cluster-ip-range / service-node-port-range and "
      "kube-controller-manager-arg cluster-cidr / service-cluster-ip-range reach the component after "
      "K3s's own value and win there, while K3s (flannel, CoreDNS, kube-proxy) keeps using its flag: "
      "the cluster disagrees with itself. Fix: set the K3s flag only."),
    E("NETCONF002", "Backend.Type", "net-conf.json without Backend or Backend.Type",
      f"{NET} §0.9, §4; {_FLANNEL}", stage="import",
      doc="Without a Backend flannel falls back to udp, which K3s does not link (fatal: 'unknown "
      "backend type'). Fix: add \"Backend\": {\"Type\": \"vxlan\"}."),
    E("NETCONF003", "Network", "net-conf.json network keys disagree with cluster-cidr", f"{NET} §4",
      stage="import", doc="Stricter than flannel on purpose: flannel starts, but allocates node subnets "
      "from a range the controller manager does not use, so pod routes break. Fix: make Network / "
      "IPv6Network equal cluster-cidr."),
    W("NETCONF004", "Backend", "net-conf.json key spelled differently from flannel's documentation",
      f"{NET} §4; Go encoding/json (case-insensitive keys)", stage="import",
      doc="Go matches keys case-insensitively, so it works; k3stui writes the documented spelling."),
    W("NETCONF005", "Backend", "net-conf.json key flannel does not read", f"{NET} §4; {_FLANNEL}",
      stage="import", doc="flannel ignores keys it does not decode. Fix: correct the spelling or delete it."),
    W("NETCONF006", "Backend.Type", "net-conf.json Backend.Type disagrees with flannel-backend", f"{NET} §4",
      stage="import", doc="With flannel-conf the file decides the data plane; the flag then misleads."),
    E("NETCONF007", "Backend", "net-conf.json value of the wrong JSON type", f"{NET} §4; {_FLANNEL}",
      stage="import", doc="flannel decodes the file into typed Go structs (per backend); a string where "
      "a number or boolean belongs is fatal ('cannot unmarshal'). Fix: write the JSON type shown."),
    E("NETCONF008", "Backend.Type", "a flannel backend K3s does not link", f"{NET} §4; "
      "k3s pkg/agent/flannel/flannel.go (backend imports); flannel pkg/backend/manager.go",
      stage="import", doc="K3s links only the extension, host-gw, ipsec, vxlan and wireguard backends; "
      "udp, ipip, alloc and the cloud backends are fatal ('unknown backend type'). The name is "
      "case-insensitive. Fix: use vxlan, host-gw or wireguard."),
    E("NETCONF009", "Network", "a net-conf.json value flannel rejects", f"{_FLANNEL}; flannel pkg/ip",
      stage="import", doc="flannel refuses a Network with spaces or an IPv6 CIDR in Network (it "
      "panics), a SubnetMin/SubnetMax that is not an IPv4 address, a negative SubnetLen and a "
      "wireguard Mode other than separate, auto, ipv4, ipv6. Fix: write the value flannel accepts."),
    N("IMPL001", "cni.kind", "a value implied by another choice was applied",
      f"{NET} §8 (custom CNI needs flannel-backend none, disable-network-policy)"),
    W("PRESET001", "token", "preset import dropped a secret (a preset never stores one)",
      f"{NET} §2 (K3S_TOKEN_FILE)"),
)

# Codes that report a name K3s does not know (the TUI keeps them only while the name is in the plan).
UNKNOWN_NAME_CODES: frozenset[str] = frozenset({"IMPORT001", "IMPORT010", "IMPORT011"})
