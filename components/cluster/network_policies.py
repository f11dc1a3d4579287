"""The product namespace's NetworkPolicies (pure: CIDRs in, policy specs out).

Everything is denied, then each flow the services need is allowed by a policy named after it.
"""

from __future__ import annotations

from typing import Any

DATA_TIER_PORTS = {"postgres": 5432, "redis": 6379, "mongodb": 27017}
"""Ports the data tier listens on (RDS Postgres, ElastiCache, Atlas over PrivateLink)."""

MONITORING_NAMESPACE = "monitoring"
_NAMESPACE_NAME = "kubernetes.io/metadata.name"  # label Kubernetes sets on every namespace


def _tcp(*ports: int) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": port} for port in ports]


def product_policies(
    load_balancer_cidrs: tuple[str, ...], data_cidrs: tuple[str, ...]
) -> dict[str, dict[str, Any]]:
    """NetworkPolicy specs by name, for a namespace whose services sit behind ALBs and use the data tier.

    Args:
        load_balancer_cidrs: subnets the ALBs live in (they reach pods directly with IP targets).
        data_cidrs: subnets of the data tier.
    """
    everyone: dict[str, Any] = {}
    return {
        "default-deny-all": {"podSelector": everyone, "policyTypes": ["Ingress", "Egress"]},
        "allow-dns": {
            "podSelector": everyone,
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [
                        {
                            "namespaceSelector": {"matchLabels": {_NAMESPACE_NAME: "kube-system"}},
                            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                        }
                    ],
                    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                }
            ],
        },
        "allow-within-namespace": {
            "podSelector": everyone,
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": [{"podSelector": everyone}]}],
            "egress": [{"to": [{"podSelector": everyone}]}],
        },
        "allow-from-load-balancers": {
            "podSelector": everyone,
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"ipBlock": {"cidr": cidr}} for cidr in load_balancer_cidrs]}],
        },
        "allow-from-monitoring": {
            "podSelector": everyone,
            "policyTypes": ["Ingress"],
            "ingress": [
                {"from": [{"namespaceSelector": {"matchLabels": {_NAMESPACE_NAME: MONITORING_NAMESPACE}}}]}
            ],
        },
        "allow-to-data-tier": {
            "podSelector": everyone,
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [{"ipBlock": {"cidr": cidr}} for cidr in data_cidrs],
                    "ports": _tcp(*DATA_TIER_PORTS.values()),
                }
            ],
        },
        "allow-https-egress": {
            "podSelector": everyone,
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": _tcp(443)}],
        },
    }
