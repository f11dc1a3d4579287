"""Network access to a data store: a security group that admits one port range from one source group."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


def store_security_group(
    name: str,
    *,
    vpc_id: pulumi.Input[str],
    source_security_group_id: pulumi.Input[str],
    ports: tuple[int, int],
    what: str,
    parent: pulumi.Resource,
) -> aws.ec2.SecurityGroup:
    """A group admitting TCP ``ports`` from ``source_security_group_id`` only, with no egress rule.

    Stores answer connections and open none, so the group has no egress; the provider removes AWS's
    default allow-all egress rule from groups it creates. The ingress rule is ``<name>-from-workloads``.
    """
    child = pulumi.ResourceOptions(parent=parent)
    group = aws.ec2.SecurityGroup(
        name, vpc_id=vpc_id, description=f"{what} from workloads only", tags={"Name": name}, opts=child
    )
    aws.vpc.SecurityGroupIngressRule(
        f"{name}-from-workloads",
        security_group_id=group.id,
        referenced_security_group_id=source_security_group_id,
        ip_protocol="tcp",
        from_port=ports[0],
        to_port=ports[1],
        description=f"{what} from the workloads' security group",
        opts=child,
    )
    return group
