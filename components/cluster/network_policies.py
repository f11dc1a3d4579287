"""The product namespace's NetworkPolicies (pure: CIDRs in, policy specs out).

Everything is denied, then each flow the services need is allowed by a policy named after it.
"""

from __future__ import annotations

import ipaddress
from typing import Any

DATA_TIER_PORTS = {"postgres": 5432, "redis": 6379}
"""Ports the data tier listens on in the data subnets (RDS Postgres and its proxy, ElastiCache)."""

ATLAS_PRIVATELINK_PORTS = (1024, 65535)
"""Atlas's PrivateLink endpoint answers on one port per node in this range (not 27017); its interface
endpoint sits in the app subnets (``components.data.atlas_privatelink``)."""

MONITORING_NAMESPACE = "monitoring"
_NAMESPACE_NAME = "kubernetes.io/metadata.name"  # label Kubernetes sets on every namespace


def _tcp(*ports: int) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": port} for port in ports]


def baseline_policies() -> dict[str, dict[str, Any]]:
    """What every locked-down namespace starts with: deny everything, then DNS to CoreDNS and traffic
    within the namespace (the product's and the add-ons')."""
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
    }


def product_policies(
    load_balancer_cidrs: tuple[str, ...], data_cidrs: tuple[str, ...], endpoint_cidrs: tuple[str, ...]
) -> dict[str, dict[str, Any]]:
    """NetworkPolicy specs by name, for a namespace whose services sit behind ALBs and use the data tier.

    Args:
        load_balancer_cidrs: subnets the ALBs live in (they reach pods directly with IP targets).
        data_cidrs: subnets of the data tier (Postgres, its proxy, Redis).
        endpoint_cidrs: subnets of the interface endpoints (the app subnets): the Atlas PrivateLink
            endpoint on its node ports; the AWS API endpoints are HTTPS, allowed by ``allow-https-egress``.
    """
    everyone: dict[str, Any] = {}
    return {
        **baseline_policies(),
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
        "allow-to-atlas-privatelink": {
            "podSelector": everyone,
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [{"ipBlock": {"cidr": cidr}} for cidr in endpoint_cidrs],
                    "ports": [
                        {
                            "protocol": "TCP",
                            "port": ATLAS_PRIVATELINK_PORTS[0],
                            "endPort": ATLAS_PRIVATELINK_PORTS[1],
                        }
                    ],
                }
            ],
        },
        "allow-https-egress": {
            "podSelector": everyone,
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": _tcp(443)}],
        },
    }


def _port_matches(rule_port: dict[str, Any], port: int, protocol: str) -> bool:
    if rule_port.get("protocol", "TCP") != protocol:
        return False
    if "port" not in rule_port:
        return True
    low = rule_port["port"]
    return bool(low <= port <= rule_port.get("endPort", low))


def _peer_matches(
    peer: dict[str, Any], address: str | None, labels: dict[str, dict[str, str]], namespace: str | None
) -> bool:
    if "ipBlock" in peer:
        if address is None:
            return False
        block = peer["ipBlock"]
        ip = ipaddress.ip_address(address)
        inside = ip in ipaddress.ip_network(block["cidr"])
        return inside and not any(ip in ipaddress.ip_network(c) for c in block.get("except", []))
    if "namespaceSelector" not in peer and labels.get("namespace", {}).get(_NAMESPACE_NAME) != namespace:
        return False  # a bare podSelector selects pods of the policy's own namespace only
    for selector in ("namespaceSelector", "podSelector"):
        wanted = peer.get(selector)
        if wanted is None:
            continue
        have = labels.get("namespace" if selector == "namespaceSelector" else "pod", {})
        if not wanted.get("matchLabels", {}).items() <= have.items():
            return False
    return bool(labels) and ("namespaceSelector" in peer or "podSelector" in peer)


def egress_allowed(
    policies: dict[str, dict[str, Any]],
    port: int,
    *,
    protocol: str = "TCP",
    address: str | None = None,
    labels: dict[str, dict[str, str]] | None = None,
    namespace: str | None = None,
) -> list[str]:
    """The names of the policies in ``policies`` that allow a pod egress to ``address``:``port``.

    The destination is either an IP ``address`` (matched by ``ipBlock``) or a pod given by its
    ``labels`` (``{"namespace": {...}, "pod": {...}}``, matched by namespace and pod selectors). Only the
    ``matchLabels`` form the policies here use is understood; ``namespace`` is the policies' own namespace
    (what a bare ``podSelector`` peer selects in). NetworkPolicies are additive: the
    connection is allowed when the list is not empty.
    """
    found = []
    for name, spec in policies.items():
        for rule in spec.get("egress", []):
            peers = rule.get("to")
            ports = rule.get("ports")
            peer_ok = peers is None or any(_peer_matches(p, address, labels or {}, namespace) for p in peers)
            port_ok = ports is None or any(_port_matches(p, port, protocol) for p in ports)
            if peer_ok and port_ok:
                found.append(name)
    return found
