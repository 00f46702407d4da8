"""`k3stui doctor`: after an install, prove the cluster's network is the one that was planned.

Core (pure, no I/O): `results` (one PASS/FAIL/WARN/SKIP line), `observations` (what the shells
saw), `node_checks`, `cluster_checks`, `connectivity` (checks of the probe results) and
`preflight_checks` (before an install) — every code registered with `registry.host_check`;
`manifests` builds the probe and connectivity objects as data. Shells: `collect_node` (ip -j, files
under a root), `kubectl` (kubectl ... -o json), `inventory` (a k3s-ansible inventory.yml) and
`k3stui/commands/doctor.py`.
"""
