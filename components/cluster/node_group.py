"""A managed node group behind a hardened launch template."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.cluster.spec import NODE_AMI_TYPE, NodeGroupSpec

AMI_TYPE = NODE_AMI_TYPE
ROOT_DEVICE = "/dev/xvda"  # the root device of the EKS-optimized AL2023 AMIs
# Hop limit 1: IMDSv2 answers only the node itself and host-network pods (the VPC CNI, kube-proxy, the
# Pod Identity agent). A pod in its own network namespace is one hop further, so it cannot take the node
# role's credentials; every add-on that calls AWS has its own IRSA role and is told its region and VPC.
IMDS_HOP_LIMIT = 1


@dataclass(frozen=True)
class ManagedNodeGroupArgs:
    """Inputs of :class:`ManagedNodeGroup`.

    Attributes:
        spec: the group's validated settings.
        cluster_name: the EKS cluster.
        kubernetes_version: the cluster's version, so nodes follow control-plane upgrades.
        node_role_arn: the node IAM role.
        subnet_ids: the private app subnets.
        security_group_ids: groups the nodes wear: the cluster security group (control-plane traffic)
            and the workload group (the only source the data tier admits).
        volume_kms_key_arn: the cluster key, for the encrypted root volumes.
        autoscaled: the Cluster Autoscaler owns ``desiredSize`` after creation, so Pulumi ignores its
            drift. Defaults to false.
        after: what the nodes need before they start (the CNI and kube-proxy add-ons). Defaults to none.
    """

    spec: NodeGroupSpec
    cluster_name: pulumi.Input[str]
    kubernetes_version: pulumi.Input[str]
    node_role_arn: pulumi.Input[str]
    subnet_ids: pulumi.Input[list[str]]
    security_group_ids: list[pulumi.Input[str]]
    volume_kms_key_arn: pulumi.Input[str]
    autoscaled: bool = False
    after: tuple[pulumi.Resource, ...] = ()


class ManagedNodeGroup(pulumi.ComponentResource):
    """An EKS managed node group launched from a template that requires IMDSv2 (hop limit 1) and encrypts its disks.

    Rolling updates replace at most ``maxUnavailablePercentage`` of the nodes at a time.
    """

    name: pulumi.Output[str]

    def __init__(
        self, name: str, args: ManagedNodeGroupArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("platform:cluster:ManagedNodeGroup", name, None, opts)
        spec = args.spec
        template = aws.ec2.LaunchTemplate(
            name,
            description=f"{name}: IMDSv2 only, encrypted root volume",
            update_default_version=True,
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_endpoint="enabled",
                http_tokens="required",
                http_put_response_hop_limit=IMDS_HOP_LIMIT,
                instance_metadata_tags="disabled",
            ),
            block_device_mappings=[
                aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                    device_name=ROOT_DEVICE,
                    ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                        volume_size=spec.disk_size_gib,
                        volume_type="gp3",
                        encrypted="true",
                        kms_key_id=args.volume_kms_key_arn,
                        delete_on_termination="true",
                    ),
                )
            ],
            vpc_security_group_ids=args.security_group_ids,
            tag_specifications=[
                aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type=kind, tags={"Name": name})
                for kind in ("instance", "volume")
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        group = aws.eks.NodeGroup(
            name,
            cluster_name=args.cluster_name,
            node_group_name=name,
            node_role_arn=args.node_role_arn,
            subnet_ids=args.subnet_ids,
            version=args.kubernetes_version,
            ami_type=AMI_TYPE,
            capacity_type=spec.capacity_type.value,
            instance_types=list(spec.instance_types),
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                min_size=spec.min_size, desired_size=spec.desired_size, max_size=spec.max_size
            ),
            update_config=aws.eks.NodeGroupUpdateConfigArgs(
                max_unavailable_percentage=spec.max_unavailable_percentage
            ),
            labels=dict(spec.labels),
            taints=[
                aws.eks.NodeGroupTaintArgs(key=t.key, value=t.value or None, effect=t.effect.value)
                for t in spec.taints
            ],
            launch_template=aws.eks.NodeGroupLaunchTemplateArgs(
                id=template.id, version=template.latest_version.apply(str)
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                # A component's dependencies do not pass to its children: the group itself must wait.
                depends_on=list(args.after),
                ignore_changes=["scalingConfig.desiredSize"] if args.autoscaled else None,
            ),
        )
        self.name = group.node_group_name
        self.register_outputs({"name": self.name})
