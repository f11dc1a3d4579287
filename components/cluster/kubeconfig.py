"""The kubeconfig of a cluster (pure: values in, a kubeconfig document out)."""

from __future__ import annotations

from typing import Any


def kubeconfig(cluster_name: Any, endpoint: Any, certificate_authority: Any, region: str) -> dict[str, Any]:
    """A kubeconfig that authenticates with ``aws eks get-token`` (no long-lived credential inside).

    ``cluster_name``, ``endpoint`` and ``certificate_authority`` may be ``pulumi.Output`` values: the document is meant to
    be serialised with ``pulumi.Output.json_dumps``, which resolves them.
    """
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": cluster_name,
                "cluster": {"server": endpoint, "certificate-authority-data": certificate_authority},
            }
        ],
        "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}],
        "current-context": cluster_name,
        "users": [
            {
                "name": cluster_name,
                "user": {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1beta1",
                        "command": "aws",
                        "args": ["eks", "get-token", "--cluster-name", cluster_name, "--region", region],
                        "interactiveMode": "Never",
                    }
                },
            }
        ],
    }
