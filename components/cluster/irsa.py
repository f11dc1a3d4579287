"""IAM roles for service accounts: a role only one Kubernetes service account of one cluster can assume."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.cluster.policies import irsa_trust
from components.core import iam


@dataclass(frozen=True)
class Oidc:
    """The cluster's IAM OIDC provider, as IRSA trust policies need it.

    Attributes:
        provider_arn: the IAM OIDC provider.
        issuer: the cluster's issuer URL (``https://oidc.eks.<region>.amazonaws.com/id/<id>``).
    """

    provider_arn: pulumi.Output[str]
    issuer: pulumi.Output[str]
    permissions_boundary: pulumi.Input[str] | None = None
    """The account's permissions boundary, carried by every IRSA role. Defaults to none (tests only: the
    policy pack refuses a role without one)."""


def irsa_role(
    name: str,
    oidc: Oidc,
    namespace: str,
    service_account: str,
    parent: pulumi.Resource,
    managed_policy_arns: tuple[pulumi.Input[str], ...] = (),
    inline_policy: pulumi.Input[str] | None = None,
) -> aws.iam.Role:
    """A role for ``system:serviceaccount:<namespace>:<service_account>``, with its policies.

    Args:
        name: resource name of the role (derived from the caller's name).
        oidc: the cluster's OIDC provider.
        namespace: the service account's namespace.
        service_account: the service account's name.
        parent: the component the role belongs to.
        managed_policy_arns: AWS-managed policies to attach. Defaults to none.
        inline_policy: a JSON policy document kept on the role. Defaults to none.
    """
    child = pulumi.ResourceOptions(parent=parent)
    trust = pulumi.Output.all(oidc.provider_arn, oidc.issuer).apply(
        lambda values: iam.dumps(irsa_trust(values[0], values[1], namespace, service_account))
    )
    role = aws.iam.Role(
        name,
        assume_role_policy=trust,
        description=f"IRSA: {namespace}/{service_account}",
        permissions_boundary=oidc.permissions_boundary,
        opts=child,
    )
    for i, arn in enumerate(managed_policy_arns):
        aws.iam.RolePolicyAttachment(f"{name}-{i}", role=role.name, policy_arn=arn, opts=child)
    if inline_policy is not None:
        aws.iam.RolePolicy(name, role=role.id, policy=inline_policy, opts=child)
    return role
