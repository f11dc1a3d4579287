"""Valid cluster settings for the tests, as a stack file would write them (camelCase)."""

from __future__ import annotations

import copy
from typing import Any

ADMIN = "arn:aws:iam::123456789012:role/platform-admin"
PLATFORM_DEPLOY = "arn:aws:iam::123456789012:role/github-actions-test-platform-deploy"
DEPLOY = "arn:aws:iam::123456789012:role/github-actions-test-services-deploy"
PREVIEW = "arn:aws:iam::123456789012:role/github-actions-test-platform-preview"


def cluster_config(**overrides: Any) -> dict[str, Any]:
    """A valid ``platform:cluster`` value; ``overrides`` replace top-level keys."""
    config: dict[str, Any] = {
        "kubernetesVersion": "1.34",
        "access": {
            "adminRoleArns": [ADMIN],
            "platformDeployRoleArns": [PLATFORM_DEPLOY],
            "servicesDeployRoleArns": [DEPLOY],
            "previewRoleArns": [PREVIEW],
        },
        "nodeGroups": [
            {
                "name": "general",
                "instanceTypes": ["m6i.large"],
                "minSize": 2,
                "desiredSize": 2,
                "maxSize": 4,
                "labels": {"role": "general"},
                "taints": [{"key": "dedicated", "value": "general", "effect": "NO_SCHEDULE"}],
            }
        ],
        "coreAddons": {
            "vpcCni": "v1.20.4-eksbuild.2",
            "coredns": "v1.12.3-eksbuild.1",
            "kubeProxy": "v1.34.0-eksbuild.2",
            "podIdentityAgent": "v1.3.10-eksbuild.2",
            "ebsCsiDriver": "v1.54.0-eksbuild.1",
        },
        "addons": {
            "loadBalancerController": {"chartVersion": "1.14.0"},
            "metricsServer": {"chartVersion": "3.13.0"},
            "argoRollouts": {"chartVersion": "2.40.2"},
            "externalSecrets": {"chartVersion": "1.0.0"},
            "kubePrometheusStack": {"chartVersion": "79.7.1"},
            "loki": {"chartVersion": "6.46.0"},
            "alloy": {"chartVersion": "1.2.0"},
            "keda": {"chartVersion": "2.17.2"},
            "clusterAutoscaler": {"chartVersion": "9.53.0"},
        },
    }
    config.update(copy.deepcopy(overrides))
    return config
