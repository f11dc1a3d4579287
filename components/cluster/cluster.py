"""The environment's EKS cluster: control plane, IAM, node groups, core add-ons and a Kubernetes provider."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.cluster import access, policies
from components.cluster.irsa import Oidc, irsa_role
from components.cluster.kubeconfig import kubeconfig
from components.cluster.node_group import ManagedNodeGroup, ManagedNodeGroupArgs
from components.cluster.spec import ClusterSpec
from components.core import iam
from components.core.context import AwsContext
from components.core.logs import encrypted_log_group
from components.core.naming import physical_name
from components.registry.policies import cache_pull_policy

LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
"""Every control-plane log type EKS can send to CloudWatch Logs."""

STORAGE_CLASS = "gp3-encrypted"
"""The default StorageClass: gp3 volumes encrypted with the cluster key."""


def cluster_name(environment: str) -> str:
    """The EKS cluster name of an environment: ``platform-<env>``."""
    return physical_name(environment)


@dataclass(frozen=True)
class EksClusterArgs:
    """Inputs of :class:`EksCluster`.

    Attributes:
        spec: the validated ``platform:cluster`` settings.
        context: account, partition and region.
        environment: the stack name; the cluster is ``platform-<env>``.
        subnet_ids: the private app subnets (control-plane ENIs and nodes).
        workload_security_group_id: the group every node wears; the data tier admits only it.
        cluster_key_arn: the cluster key (envelope encryption of secrets, node and PV volumes).
        logs_key_arn: the logs key (control-plane log group).
        deletion_protection: the cluster refuses API deletion (the tier decides).
        protect: mark the cluster ``protect=True`` (the tier decides).
        autoscaled: the Cluster Autoscaler owns the node groups' desired sizes. Defaults to false.
        api_client_security_group_ids: groups whose members may reach the private API endpoint (the
            in-VPC CI runners). Defaults to none.
        image_cache_prefixes: the pull-through cache's repository prefixes; the nodes may import images
            into them and create their repositories, which a first pull through the cache does. Defaults to
            none (no cache).
    """

    spec: ClusterSpec
    context: AwsContext
    environment: str
    subnet_ids: pulumi.Input[list[str]]
    workload_security_group_id: pulumi.Input[str]
    cluster_key_arn: pulumi.Input[str]
    logs_key_arn: pulumi.Input[str]
    deletion_protection: bool
    protect: bool
    autoscaled: bool = False
    api_client_security_group_ids: Sequence[pulumi.Input[str]] = ()
    image_cache_prefixes: tuple[str, ...] = ()


class EksCluster(pulumi.ComponentResource):
    """A hardened EKS cluster.

    * private API endpoint always on; a public one only where the stack allows it, for listed CIDRs;
    * Kubernetes secrets envelope-encrypted with the cluster key; every control-plane log type to a log
      group under the logs key;
    * authentication mode ``API``: access entries for the configured admin and deploy roles, no aws-auth;
    * managed node groups (IMDSv2, encrypted disks, the workload security group) in the app subnets;
    * EKS-managed core add-ons at pinned versions, the VPC CNI enforcing NetworkPolicies, the VPC CNI and
      EBS CSI driver on IRSA roles of their own; an encrypted gp3 default StorageClass;
    * ``k8s_provider``: the Kubernetes provider every Kubernetes object of the program must use.
    """

    name: str
    endpoint: pulumi.Output[str]
    certificate_authority: pulumi.Output[str]
    oidc: Oidc
    kubeconfig: pulumi.Output[str]
    k8s_provider: k8s.Provider
    security_group_id: pulumi.Output[str]
    node_role_arn: pulumi.Output[str]
    """The nodes' role: the kubelet pulls images with it (a puller the registry's policies name)."""
    ready: list[pulumi.Resource]

    def __init__(self, name: str, args: EksClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:cluster:EksCluster", name, None, opts)
        spec, ctx = args.spec, args.context
        child = pulumi.ResourceOptions(parent=self)
        self.name = cluster_name(args.environment)

        log_group = encrypted_log_group(
            f"{name}-control-plane",
            f"/aws/eks/{self.name}/cluster",  # the name EKS writes to; created first to set KMS and retention
            spec.log_retention_days,
            args.logs_key_arn,
            child,
        )
        cluster_role = self._cluster_role(name, args)
        node_role = self._node_role(name, ctx)
        self.node_role_arn = node_role.arn

        endpoint = spec.endpoint
        cluster = aws.eks.Cluster(
            name,
            name=self.name,
            version=spec.kubernetes_version,
            # Set always, so AWS does what the stack says when the version leaves standard support.
            upgrade_policy=aws.eks.ClusterUpgradePolicyArgs(support_type=spec.support_type.value),
            role_arn=cluster_role.arn,
            vpc_config=aws.eks.ClusterVpcConfigArgs(
                subnet_ids=args.subnet_ids,
                endpoint_private_access=True,
                endpoint_public_access=endpoint.public_access,
                public_access_cidrs=list(endpoint.public_access_cidrs) if endpoint.public_access else None,
            ),
            access_config=aws.eks.ClusterAccessConfigArgs(
                authentication_mode="API",
                # Nothing implicit: whoever creates the cluster (an administrator's first `up`, then CI)
                # reaches it only through the access entries below, which the Kubernetes provider waits for.
                bootstrap_cluster_creator_admin_permissions=False,
            ),
            encryption_config=aws.eks.ClusterEncryptionConfigArgs(
                provider=aws.eks.ClusterEncryptionConfigProviderArgs(key_arn=args.cluster_key_arn),
                resources=["secrets"],
            ),
            enabled_cluster_log_types=list(LOG_TYPES),
            # The core add-ons below are EKS-managed from the start; nothing self-managed to adopt.
            bootstrap_self_managed_addons=False,
            deletion_protection=args.deletion_protection,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, depends_on=[log_group]),
        )
        self.endpoint = cluster.endpoint
        self.certificate_authority = cluster.certificate_authority.data
        self.security_group_id = cluster.vpc_config.cluster_security_group_id
        for i, client in enumerate(args.api_client_security_group_ids):
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-api-client-{i}",
                security_group_id=self.security_group_id,
                description="the Kubernetes API from the in-VPC CI runners",
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                referenced_security_group_id=client,
                opts=pulumi.ResourceOptions(parent=self),
            )

        issuer = cluster.identities.apply(lambda ids: ids[0].oidcs[0].issuer)
        provider = aws.iam.OpenIdConnectProvider(
            name, url=issuer, client_id_lists=["sts.amazonaws.com"], opts=child
        )
        self.oidc = Oidc(
            provider_arn=provider.arn, issuer=issuer, permissions_boundary=ctx.permissions_boundary
        )

        access_granted = self._access_entries(name, args, cluster)

        vpc_cni_role = irsa_role(
            f"{name}-vpc-cni",
            self.oidc,
            "kube-system",
            "aws-node",
            self,
            managed_policy_arns=(
                _partitioned(ctx, policies.managed_policy_arn, policies.VPC_CNI_MANAGED_POLICY),
            ),
        )
        ebs_csi_role = irsa_role(
            f"{name}-ebs-csi",
            self.oidc,
            "kube-system",
            "ebs-csi-controller-sa",
            self,
            managed_policy_arns=(
                _partitioned(ctx, policies.managed_policy_arn, policies.EBS_CSI_MANAGED_POLICY),
            ),
            inline_policy=pulumi.Output.from_input(args.cluster_key_arn).apply(
                lambda arn: iam.dumps(policies.ebs_csi_kms_policy(arn))
            ),
        )

        versions = spec.core_addons
        # Before the nodes: the cache grant (their first pulls), the CNI and kube-proxy (they become Ready).
        before_nodes: list[pulumi.Resource] = [
            *self._cache_pulls(name, ctx, node_role, args.image_cache_prefixes),
            self._addon(
                name,
                cluster,
                "vpc-cni",
                versions.vpc_cni,
                role_arn=vpc_cni_role.arn,
                # NetworkPolicy objects are only enforced when the CNI's policy agent is on.
                configuration={"enableNetworkPolicy": "true"},
            ),
            self._addon(name, cluster, "kube-proxy", versions.kube_proxy),
            self._addon(name, cluster, "eks-pod-identity-agent", versions.pod_identity_agent),
        ]
        groups = [
            ManagedNodeGroup(
                f"{self.name}-{group.name}",
                ManagedNodeGroupArgs(
                    spec=group,
                    cluster_name=cluster.name,
                    kubernetes_version=cluster.version,
                    node_role_arn=node_role.arn,
                    subnet_ids=args.subnet_ids,
                    security_group_ids=[self.security_group_id, args.workload_security_group_id],
                    volume_kms_key_arn=args.cluster_key_arn,
                    autoscaled=args.autoscaled,
                    after=tuple(before_nodes),
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for group in spec.node_groups
        ]
        after_nodes = [
            self._addon(name, cluster, "coredns", versions.coredns, depends_on=groups),
            self._addon(
                name,
                cluster,
                "aws-ebs-csi-driver",
                versions.ebs_csi_driver,
                role_arn=ebs_csi_role.arn,
                depends_on=groups,
            ),
        ]
        self.ready = [*groups, *before_nodes, *after_nodes, *access_granted]

        self.kubeconfig = pulumi.Output.secret(
            pulumi.Output.json_dumps(
                kubeconfig(self.name, cluster.endpoint, cluster.certificate_authority.data, ctx.region)
            )
        )
        self.k8s_provider = k8s.Provider(
            name,
            kubeconfig=self.kubeconfig,
            enable_server_side_apply=True,
            delete_unreachable=False,
            opts=pulumi.ResourceOptions(parent=self, depends_on=self.ready),
        )
        k8s.storage.v1.StorageClass(
            f"{name}-{STORAGE_CLASS}",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=STORAGE_CLASS,
                annotations={"storageclass.kubernetes.io/is-default-class": "true"},
            ),
            provisioner="ebs.csi.aws.com",
            parameters={"type": "gp3", "encrypted": "true", "kmsKeyId": args.cluster_key_arn},
            volume_binding_mode="WaitForFirstConsumer",
            allow_volume_expansion=True,
            reclaim_policy="Retain" if args.protect else "Delete",
            opts=pulumi.ResourceOptions(parent=self, provider=self.k8s_provider),
        )
        self._previewer_rbac(name)
        self.register_outputs(
            {
                "name": self.name,
                "endpoint": self.endpoint,
                "certificate_authority": self.certificate_authority,
                "oidc_provider_arn": self.oidc.provider_arn,
                "security_group_id": self.security_group_id,
                "node_role_arn": self.node_role_arn,
            }
        )

    def _previewer_rbac(self, name: str) -> None:
        """Read access to the custom resources for the preview identities' Kubernetes group."""
        on_cluster = pulumi.ResourceOptions(parent=self, provider=self.k8s_provider)
        role = k8s.rbac.v1.ClusterRole(
            f"{name}-previewer",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=access.PREVIEWERS_GROUP),
            rules=access.previewer_rules(),
            opts=on_cluster,
        )
        k8s.rbac.v1.ClusterRoleBinding(
            f"{name}-previewer",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=access.PREVIEWERS_GROUP),
            role_ref=k8s.rbac.v1.RoleRefArgs(
                api_group="rbac.authorization.k8s.io", kind="ClusterRole", name=access.PREVIEWERS_GROUP
            ),
            subjects=[
                k8s.rbac.v1.SubjectArgs(
                    api_group="rbac.authorization.k8s.io", kind="Group", name=access.PREVIEWERS_GROUP
                )
            ],
            opts=pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(depends_on=[role])),
        )

    def _role(
        self, name: str, ctx: AwsContext, trust: pulumi.Input[str], description: str, managed: tuple[str, ...]
    ) -> aws.iam.Role:
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            name,
            assume_role_policy=trust,
            description=description,
            permissions_boundary=ctx.permissions_boundary,
            opts=child,
        )
        for policy in managed:
            aws.iam.RolePolicyAttachment(
                f"{name}-{policy}",
                role=role.name,
                policy_arn=_partitioned(ctx, policies.managed_policy_arn, policy),
                opts=child,
            )
        return role

    def _cluster_role(self, name: str, args: EksClusterArgs) -> aws.iam.Role:
        ctx, child = args.context, pulumi.ResourceOptions(parent=self)
        role = self._role(
            f"{name}-cluster",
            ctx,
            ctx.account_id.apply(lambda a: iam.dumps(policies.eks_service_trust(a))),
            f"EKS control plane of {self.name}",
            policies.CLUSTER_MANAGED_POLICIES,
        )
        aws.iam.RolePolicy(
            f"{name}-cluster-encryption",
            role=role.id,
            policy=pulumi.Output.from_input(args.cluster_key_arn).apply(
                lambda arn: iam.dumps(policies.cluster_encryption_policy(arn))
            ),
            opts=child,
        )
        return role

    def _node_role(self, name: str, ctx: AwsContext) -> aws.iam.Role:
        return self._role(
            f"{name}-node",
            ctx,
            iam.dumps(policies.ec2_trust()),
            f"Nodes of {self.name}",
            policies.NODE_MANAGED_POLICIES,
        )

    def _cache_pulls(
        self, name: str, ctx: AwsContext, node_role: aws.iam.Role, prefixes: tuple[str, ...]
    ) -> list[pulumi.Resource]:
        """The nodes' grant to pull through the cache (``ecr:CreateRepository``, which the managed
        ``AmazonEC2ContainerRegistryPullOnly`` lacks), in place before any node pulls."""
        if not prefixes:
            return []
        document = pulumi.Output.all(ctx.partition, ctx.account_id).apply(
            lambda v: iam.dumps(cache_pull_policy(v[0], ctx.region, v[1], prefixes))
        )
        return [
            aws.iam.RolePolicy(
                f"{name}-node-image-cache",
                role=node_role.name,
                policy=document,
                opts=pulumi.ResourceOptions(parent=self),
            )
        ]

    def _access_entries(
        self, name: str, args: EksClusterArgs, cluster: aws.eks.Cluster
    ) -> list[pulumi.Resource]:
        """One access entry and one policy association per identity (``components.cluster.access``)."""
        ctx = args.context
        associations: list[pulumi.Resource] = []
        for grant in access.grants(args.spec.access):
            role_name = grant.principal_arn.rsplit("/", 1)[-1]
            entry = aws.eks.AccessEntry(
                f"{name}-access-{role_name}",
                cluster_name=cluster.name,
                principal_arn=grant.principal_arn,
                type="STANDARD",
                kubernetes_groups=list(grant.groups) or None,
                opts=pulumi.ResourceOptions(parent=self),
            )
            associations.append(
                aws.eks.AccessPolicyAssociation(
                    f"{name}-access-{role_name}",
                    cluster_name=cluster.name,
                    principal_arn=grant.principal_arn,
                    policy_arn=_partitioned(ctx, policies.access_policy_arn, grant.access_policy),
                    access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(
                        type="namespace" if grant.namespaces else "cluster",
                        namespaces=list(grant.namespaces) or None,
                    ),
                    # A scope change (deployNamespaces, a review environment's namespace) replaces the
                    # association (accessScope is force-new), and the replacement has the same identity
                    # (cluster, principal, policy): created first, the old one's delete would disassociate it.
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[entry], delete_before_replace=True),
                )
            )
        return associations

    def _addon(
        self,
        name: str,
        cluster: aws.eks.Cluster,
        addon: str,
        version: str,
        role_arn: pulumi.Input[str] | None = None,
        configuration: dict[str, str] | None = None,
        depends_on: Sequence[pulumi.Resource] = (),
    ) -> aws.eks.Addon:
        return aws.eks.Addon(
            f"{name}-{addon}",
            cluster_name=cluster.name,
            addon_name=addon,
            addon_version=version,
            service_account_role_arn=role_arn,
            configuration_values=json.dumps(configuration) if configuration else None,
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="PRESERVE",
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(depends_on)),
        )


def _partitioned(ctx: AwsContext, render: Callable[[str, str], str], name: str) -> pulumi.Output[str]:
    """An ARN rendered once the partition is known (``render(partition, name)``)."""
    return ctx.partition.apply(lambda partition: render(partition, name))
