"""EKS control plane: every log type on in every stack (the private endpoint is a prod tier rule)."""

from __future__ import annotations

from policy.model import UNKNOWN, Resource, ResourceRule, items

EKS = "aws:eks/cluster:Cluster"
CONTROL_PLANE_LOGS = ("api", "audit", "authenticator", "controllerManager", "scheduler")


def _logs(r: Resource) -> list[str]:
    if r.type != EKS or r.get("enabledClusterLogTypes") is UNKNOWN:
        return []
    missing = [t for t in CONTROL_PLANE_LOGS if t not in items(r.get("enabledClusterLogTypes"))]
    return [f"enabledClusterLogTypes is missing {', '.join(missing)}"] if missing else []


EKS_CONTROL_PLANE_LOGS = ResourceRule(
    "eks-control-plane-logs", "EKS clusters send every control-plane log type to CloudWatch.", _logs
)
