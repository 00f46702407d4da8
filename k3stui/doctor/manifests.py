"""The objects doctor creates, as data: the read-only probe DaemonSet and the connectivity test
(namespace, echo Deployment, NodePort Service, client DaemonSet). Dumped by `dump()`, the same
YAML dumper k3stui uses for every manifest. Pure.

The image is the busybox K3s already ships in its air-gap images for local-path-provisioner's
helper pod (k3s manifests/local-storage.yaml), so the test runs air-gapped too; `--image` overrides.
"""

from __future__ import annotations

from typing import Any

from k3stui import plan as p

DEFAULT_IMAGE = "rancher/mirrored-library-busybox:1.37.0"
NAMESPACE = "k3stui-doctor"
LABEL = "app.kubernetes.io/part-of"
ECHO_PORT = 8080
BIG_BYTES = 1 << 20  # the payload fetched across nodes: far larger than any MTU
HOST_MOUNT = "/host"

Obj = dict[str, Any]


def node_port(plan: p.Plan) -> int:
    """30080 as in the tutorial, or the first port of the plan's range when 30080 is outside it."""
    low, _, high = p.effective_node_port_range(plan).partition("-")
    try:
        first, last = int(low), int(high or low)
    except ValueError:
        return 30080
    return 30080 if first <= 30080 <= last else first


def _meta(name: str, component: str) -> Obj:
    return {"name": name, "namespace": NAMESPACE, "labels": {LABEL: "k3stui-doctor", "app": component}}


def _tolerate_all() -> list[Obj]:
    return [{"operator": "Exists"}]


def _container(name: str, image: str, command: list[str], **extra: Any) -> Obj:
    return {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "command": command,
        "securityContext": {"allowPrivilegeEscalation": False},
        **extra,
    }


def namespace() -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": NAMESPACE, "labels": {LABEL: "k3stui-doctor"}},
    }


# The echo server: busybox httpd serving its node name and a large file.
_ECHO_SCRIPT = (
    'mkdir -p /www && echo "$NODE_NAME" > /www/index.html && '
    f"head -c {BIG_BYTES} /dev/zero > /www/big && exec httpd -f -v -p {ECHO_PORT} -h /www"
)


def _node_name_env() -> list[Obj]:
    return [{"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}]


def echo_deployment(image: str, replicas: int) -> Obj:
    return _workload(
        "Deployment",
        "echo",
        {
            # One per node first: maxSkew 1 over hostnames spreads the replicas evenly.
            "topologySpreadConstraints": [
                {
                    "maxSkew": 1,
                    "topologyKey": "kubernetes.io/hostname",
                    "whenUnsatisfiable": "DoNotSchedule",
                    "nodeTaintsPolicy": "Honor",  # a tainted node is no domain: it would block the spread
                    "labelSelector": {"matchLabels": {"app": "echo"}},
                }
            ],
            "containers": [
                _container(
                    "echo",
                    image,
                    ["sh", "-c", _ECHO_SCRIPT],
                    env=_node_name_env(),
                    ports=[{"containerPort": ECHO_PORT, "name": "http"}],
                    readinessProbe={"tcpSocket": {"port": ECHO_PORT}, "periodSeconds": 2},
                )
            ],
        },
        replicas=replicas,
    )


def echo_service(plan: p.Plan) -> Obj:
    families = {n.version for n in p.networks(p.effective_service_cidr(plan))}
    spec: Obj = {
        "type": "NodePort",
        "selector": {"app": "echo"},
        "ports": [{"name": "http", "port": 80, "targetPort": ECHO_PORT, "nodePort": node_port(plan)}],
    }
    if families == {4, 6}:
        spec["ipFamilyPolicy"] = "PreferDualStack"
    return {"apiVersion": "v1", "kind": "Service", "metadata": _meta("echo", "echo"), "spec": spec}


def _workload(kind: str, name: str, pod_spec: Obj, **spec: Any) -> Obj:
    """A Deployment or DaemonSet of pods labelled app=<name> (and the doctor's label)."""
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": _meta(name, name),
        "spec": {
            **spec,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": {**labels, LABEL: "k3stui-doctor"}},
                "spec": {**pod_spec, "terminationGracePeriodSeconds": 1},
            },
        },
    }


def client_daemonset(image: str) -> Obj:
    return _workload(
        "DaemonSet",
        "client",
        {"containers": [_container("client", image, ["sleep", "86400"], env=_node_name_env())]},
    )


def connectivity_objects(plan: p.Plan, image: str, schedulable: int) -> list[Obj]:
    """The test's objects in apply order; 10 echo replicas, or one per node when there are more."""
    return [
        namespace(),
        echo_deployment(image, max(10, schedulable)),
        echo_service(plan),
        client_daemonset(image),
    ]


def probe_daemonset(plan: p.Plan, image: str) -> Obj:
    """Read-only hostNetwork probe on every node (tolerates every taint): doctor reads the node's
    files under /host and runs ip/cat through `kubectl exec`."""
    from k3stui.doctor.expected import data_dir
    from k3stui.doctor.node_checks import cni_conf_dir

    paths = sorted(
        {
            f"{data_dir(plan)}/agent/etc",
            "/run/flannel",
            "/etc/rancher/k3s",
            cni_conf_dir(plan),
            "/etc/cni/net.d",
        }
    )
    volumes = [{"name": f"h{i}", "hostPath": {"path": path, "type": ""}} for i, path in enumerate(paths)]
    mounts = [
        {"name": f"h{i}", "mountPath": f"{HOST_MOUNT}{path}", "readOnly": True}
        for i, path in enumerate(paths)
    ]
    return _workload(
        "DaemonSet",
        "probe",
        {
            "hostNetwork": True,
            "dnsPolicy": "ClusterFirstWithHostNet",
            "tolerations": _tolerate_all(),
            "containers": [
                _container(
                    "probe",
                    image,
                    ["sleep", "86400"],
                    volumeMounts=mounts,
                    securityContext={"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True},
                )
            ],
            "volumes": volumes,
        },
    )


def dump(objects: list[Obj]) -> str:
    import yaml

    return yaml.safe_dump_all(objects, sort_keys=False, explicit_start=True)
