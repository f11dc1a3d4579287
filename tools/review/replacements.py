"""Which input changes replace a resource instead of updating it in place, for every type the program uses.

A bridged Pulumi AWS resource is replaced when a changed input is ``ForceNew`` in the Terraform AWS
provider's schema (pulumi-aws 7.x bridges terraform-provider-aws 6.x); pulumi-kubernetes replaces an
object when ``.metadata.name``/``.metadata.namespace`` or one of its per-kind immutable fields changes
(``forceNew`` in ``provider/pkg/provider/diff.go``); a Helm ``Release`` when its name or namespace changes
(``provider/pkg/provider/helm_release.go``). Paths are the Pulumi (camelCase) input paths of the offline
preview; a change at or under a listed path replaces the resource.

How each entry was checked (``checked``):

* ``source``: read in the cited source file (pulumi-kubernetes at commit 94977969, the Terraform RDS
  instance schema as stored at commit 00e4b23, the pulumi-aws 7.51.1 docstring where it says so).
* ``docs``: from the provider's documentation / schema as known when this table was written, not re-read
  line by line; the cited file is where to confirm it. Update the entry (and its test) when a provider
  upgrade changes it.

``tests/tools/review/test_replacements.py`` holds the table to the program (every registered type has an
entry) and pins the known cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TF = "https://github.com/hashicorp/terraform-provider-aws/blob/main/internal/service/"
K8S_DIFF = "https://github.com/pulumi/pulumi-kubernetes/blob/master/provider/pkg/provider/diff.go"
ATLAS = "https://github.com/mongodb/terraform-provider-mongodbatlas/blob/master/internal/service/"
NO_REPLACE = "component resources and providers are never replaced by a provider diff"


@dataclass(frozen=True)
class ForceNew:
    """The input paths whose change replaces a resource of one type.

    Args:
        paths: camelCase input paths; a change at or below one of them forces a replacement.
        source: where the rule comes from (schema file with its ``ForceNew``/``forceNew`` attributes).
        checked: ``source`` when read in that file for this table, ``docs`` otherwise (see module doc).
        note: a caveat worth showing a reviewer.
    """

    paths: tuple[str, ...]
    source: str
    checked: str = "docs"
    note: str = ""
    removals: tuple[str, ...] = ()
    """Paths whose *removal* (present before, absent after) replaces the resource (a ``ForceNewIfChange``)."""


def _k8s(*extra: str, kind: str = "") -> ForceNew:
    paths = ("metadata.name", "metadata.namespace", *extra)
    note = f"{kind}: immutable fields per pulumi-kubernetes" if extra else ""
    return ForceNew(paths, K8S_DIFF, "source", note)


_S3_SUB = ("bucket", "expectedBucketOwner")

FORCE_NEW: dict[str, ForceNew] = {
    # Issue 32 (feature flags on AppConfig). A deployment cannot be changed or deleted (TF removes it from
    # state; the deployment stays in AppConfig's history): every input is ForceNew (read at commit 03edc16).
    "aws:appconfig/application:Application": ForceNew((), TF + "appconfig/application.go"),
    "aws:appconfig/environment:Environment": ForceNew(("applicationId",), TF + "appconfig/environment.go"),
    "aws:appconfig/configurationProfile:ConfigurationProfile": ForceNew(
        ("applicationId", "locationUri", "type"), TF + "appconfig/configuration_profile.go"
    ),
    "aws:appconfig/deploymentStrategy:DeploymentStrategy": ForceNew(
        ("replicateTo",), TF + "appconfig/deployment_strategy.go"
    ),
    "aws:appconfig/hostedConfigurationVersion:HostedConfigurationVersion": ForceNew(
        ("applicationId", "configurationProfileId", "content", "contentType", "description", "versionLabel"),
        TF + "appconfig/hosted_configuration_version.go",
        note="a hosted version is immutable: any change is a new version",
    ),
    "aws:appconfig/deployment:Deployment": ForceNew(
        (
            "applicationId",
            "configurationProfileId",
            "configurationVersion",
            "deploymentStrategyId",
            "description",
            "environmentId",
        ),
        TF + "appconfig/deployment.go",
        "source",
        "a new flag version is a new deployment; the old one stays in AppConfig's history",
    ),
    # Issue 12 (workload identities, IAM-only stores, rotation): identifiers the AWS APIs cannot modify.
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": ForceNew(
        ("clusterName", "namespace", "serviceAccount"),
        TF + "eks/pod_identity_association.go",
        "docs",
        "UpdatePodIdentityAssociation changes only the role, target role, policy and session tags",
    ),
    "aws:elasticache/user:User": ForceNew(
        ("userId", "userName"), TF + "elasticache/user.go", "docs", "ModifyUser cannot rename a user"
    ),
    "aws:elasticache/userGroup:UserGroup": ForceNew(
        ("userGroupId",), TF + "elasticache/user_group.go", "docs", "ModifyUserGroup changes membership only"
    ),
    "aws:secretsmanager/secretRotation:SecretRotation": ForceNew(
        ("secretId",), TF + "secretsmanager/secret_rotation.go", "docs"
    ),
    # --- AWS: budgets, logs, alarms
    "aws:budgets/budget:Budget": ForceNew(("accountId", "name", "namePrefix"), TF + "budgets/budget.go"),
    "aws:cloudwatch/logGroup:LogGroup": ForceNew(
        ("name", "namePrefix", "logGroupClass"), TF + "logs/group.go"
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ForceNew(("alarmName",), TF + "cloudwatch/metric_alarm.go"),
    # --- AWS: network
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": ForceNew(
        ("vpcId",), TF + "ec2/vpc_default_security_group.go"
    ),
    "aws:ec2/eip:Eip": ForceNew(
        ("address", "customerOwnedIpv4Pool", "domain", "ipamPoolId", "networkBorderGroup", "publicIpv4Pool"),
        TF + "ec2/vpc_eip.go",
    ),
    "aws:ec2/flowLog:FlowLog": ForceNew(
        (
            "deliverCrossAccountRole",
            "destinationOptions",
            "eniId",
            "iamRoleArn",
            "logDestination",
            "logDestinationType",
            "logFormat",
            "maxAggregationInterval",
            "subnetId",
            "trafficType",
            "transitGatewayAttachmentId",
            "transitGatewayId",
            "vpcId",
        ),
        TF + "ec2/vpc_flow_log.go",
    ),
    "aws:ec2/internetGateway:InternetGateway": ForceNew(
        (), TF + "ec2/vpc_internet_gateway.go", note="vpcId detaches and re-attaches in place"
    ),
    "aws:ec2/launchTemplate:LaunchTemplate": ForceNew(
        ("name", "namePrefix"),
        TF + "ec2/ec2_launch_template.go",
        note="other changes write a new template version (node groups roll their nodes)",
    ),
    "aws:ec2/natGateway:NatGateway": ForceNew(
        ("allocationId", "connectivityType", "privateIp", "subnetId"), TF + "ec2/vpc_nat_gateway.go"
    ),
    "aws:ec2/route:Route": ForceNew(
        ("destinationCidrBlock", "destinationIpv6CidrBlock", "destinationPrefixListId", "routeTableId"),
        TF + "ec2/vpc_route.go",
    ),
    "aws:ec2/routeTable:RouteTable": ForceNew(("vpcId",), TF + "ec2/vpc_route_table.go"),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": ForceNew(
        ("gatewayId", "subnetId"), TF + "ec2/vpc_route_table_association.go"
    ),
    "aws:ec2/securityGroup:SecurityGroup": ForceNew(
        ("description", "name", "namePrefix", "vpcId"),
        TF + "ec2/vpc_security_group.go",
        "source",
        'pulumi_aws/ec2/security_group.py: a `name` change "forces new"; likewise description, vpc_id',
    ),
    "aws:ec2/subnet:Subnet": ForceNew(
        ("availabilityZone", "availabilityZoneId", "cidrBlock", "outpostArn", "vpcId"),
        TF + "ec2/vpc_subnet.go",
    ),
    "aws:ec2/vpc:Vpc": ForceNew(("cidrBlock", "ipv4IpamPoolId", "ipv4NetmaskLength"), TF + "ec2/vpc_.go"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": ForceNew(
        ("serviceName", "serviceRegion", "vpcEndpointType", "vpcId"), TF + "ec2/vpc_endpoint.go"
    ),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": ForceNew(
        ("securityGroupId",), TF + "ec2/vpc_security_group_egress_rule.go"
    ),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ForceNew(
        ("securityGroupId",), TF + "ec2/vpc_security_group_ingress_rule.go"
    ),
    # --- AWS: CI runners (CodeBuild)
    # --- AWS: TLS and DNS (platform:dns), the Auto Scaling service-linked role
    "aws:acm/certificate:Certificate": ForceNew(
        (
            "domainName",
            "subjectAlternativeNames",
            "validationMethod",
            "keyAlgorithm",
            "certificateAuthorityArn",
        ),
        TF + "acm/certificate.go",
        note="a new certificate is validated again by the same CNAMEs (the records allow overwrite)",
    ),
    "aws:acm/certificateValidation:CertificateValidation": ForceNew(
        ("certificateArn", "validationRecordFqdns"),
        TF + "acm/certificate_validation.go",
        note="no update function: any change replaces (it only waits for ACM)",
    ),
    "aws:iam/serviceLinkedRole:ServiceLinkedRole": ForceNew(
        ("awsServiceName", "customSuffix"), TF + "iam/service_linked_role.go"
    ),
    "aws:route53/record:Record": ForceNew(("zoneId", "name", "setIdentifier"), TF + "route53/record.go"),
    "aws:route53/zone:Zone": ForceNew(
        ("name", "delegationSetId"),
        TF + "route53/zone.go",
        note="a new zone has new name servers: the parent's delegation must follow",
    ),
    "aws:codebuild/project:Project": ForceNew(("name",), TF + "codebuild/project.go"),
    "aws:codebuild/sourceCredential:SourceCredential": ForceNew(
        ("authType", "serverType", "token", "userName"),
        TF + "codebuild/source_credential.go",
        note="no update function: any change replaces",
    ),
    "aws:codebuild/webhook:Webhook": ForceNew(("projectName",), TF + "codebuild/webhook.go"),
    "aws:codestarconnections/connection:Connection": ForceNew(
        ("hostArn", "name", "providerType"), TF + "codestarconnections/connection.go"
    ),
    # --- AWS: EKS
    "aws:eks/accessEntry:AccessEntry": ForceNew(
        ("clusterName", "principalArn", "type"), TF + "eks/access_entry.go"
    ),
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": ForceNew(
        ("accessScope", "clusterName", "policyArn", "principalArn"), TF + "eks/access_policy_association.go"
    ),
    "aws:eks/addon:Addon": ForceNew(("addonName", "clusterName"), TF + "eks/addon.go"),
    "aws:eks/cluster:Cluster": ForceNew(
        (
            "name",
            "roleArn",
            "bootstrapSelfManagedAddons",
            "accessConfig.bootstrapClusterCreatorAdminPermissions",
            "kubernetesNetworkConfig.ipFamily",
            "kubernetesNetworkConfig.serviceIpv4Cidr",
            "outpostConfig",
        ),
        TF + "eks/cluster.go",
        "source",
        "encryptionConfig: adding it to a cluster without one is in place (AssociateEncryptionConfig); "
        "removing it replaces the cluster (CustomizeDiff ForceNewIfChange: envelope encryption cannot be "
        "disabled); a changed key is planned as an update the provider does not apply (EKS cannot change "
        "it). vpcConfig subnets and security groups update in place",
        removals=("encryptionConfig",),
    ),
    "aws:eks/nodeGroup:NodeGroup": ForceNew(
        (
            "amiType",
            "capacityType",
            "clusterName",
            "diskSize",
            "instanceTypes",
            "nodeGroupName",
            "nodeGroupNamePrefix",
            "nodeRoleArn",
            "remoteAccess",
            "subnetIds",
        ),
        TF + "eks/node_group.go",
    ),
    # --- AWS: ElastiCache
    "aws:elasticache/replicationGroup:ReplicationGroup": ForceNew(
        (
            "atRestEncryptionEnabled",
            "dataTieringEnabled",
            "globalReplicationGroupId",
            "kmsKeyId",
            "port",
            "preferredCacheClusterAzs",
            "replicationGroupId",
            "snapshotArns",
            "snapshotName",
            "subnetGroupName",
        ),
        TF + "elasticache/replication_group.go",
        "docs",
        "pulumi_aws/elasticache/replication_group.py: snapshotName forces a new resource",
    ),
    "aws:elasticache/subnetGroup:SubnetGroup": ForceNew(("name",), TF + "elasticache/subnet_group.go"),
    # --- AWS: IAM, KMS, Lambda, SNS, Secrets Manager
    # --- AWS: ECR (the registry, components/registry)
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": ForceNew(("repository",), TF + "ecr/lifecycle_policy.go"),
    "aws:ecr/pullThroughCacheRule:PullThroughCacheRule": ForceNew(
        ("ecrRepositoryPrefix", "upstreamRegistryUrl", "upstreamRepositoryPrefix"),
        TF + "ecr/pull_through_cache_rule.go",
    ),
    "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration": ForceNew(
        (), TF + "ecr/registry_scanning_configuration.go", note="one per registry: every change is in place"
    ),
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": ForceNew(
        (), TF + "ecr/replication_configuration.go", note="one per registry: every change is in place"
    ),
    "aws:ecr/repository:Repository": ForceNew(
        ("encryptionConfigurations", "name"),
        TF + "ecr/repository.go",
        note="a new KMS key or name is a new repository: its images go with the old one",
    ),
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": ForceNew(
        ("prefix",), TF + "ecr/repository_creation_template.go"
    ),
    "aws:ecr/repositoryPolicy:RepositoryPolicy": ForceNew(("repository",), TF + "ecr/repository_policy.go"),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": ForceNew(
        ("url",), TF + "iam/openid_connect_provider.go"
    ),
    "aws:iam/role:Role": ForceNew(("name", "namePrefix", "path"), TF + "iam/role.go"),
    "aws:iam/rolePolicy:RolePolicy": ForceNew(("name", "namePrefix", "role"), TF + "iam/role_policy.go"),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ForceNew(
        ("policyArn", "role"), TF + "iam/role_policy_attachment.go"
    ),
    "aws:kms/alias:Alias": ForceNew(("name", "namePrefix"), TF + "kms/alias.go"),
    "aws:kms/key:Key": ForceNew(
        ("customKeyStoreId", "customerMasterKeySpec", "keySpec", "keyUsage", "multiRegion", "xksKeyId"),
        TF + "kms/key.go",
    ),
    "aws:lambda/function:Function": ForceNew(("functionName", "packageType"), TF + "lambda/function.go"),
    # input forces a new invocation under the default lifecycle_scope CREATE_ONLY (customizeDiff).
    "aws:lambda/invocation:Invocation": ForceNew(
        ("functionName", "qualifier", "triggers", "input"), TF + "lambda/invocation.go"
    ),
    "aws:lambda/permission:Permission": ForceNew(
        (
            "action",
            "eventSourceToken",
            "function",
            "functionUrlAuthType",
            "principal",
            "principalOrgId",
            "qualifier",
            "sourceAccount",
            "sourceArn",
            "statementId",
            "statementIdPrefix",
        ),
        TF + "lambda/permission.go",
    ),
    "aws:secretsmanager/secret:Secret": ForceNew(("name", "namePrefix"), TF + "secretsmanager/secret.go"),
    "aws:secretsmanager/secretVersion:SecretVersion": ForceNew(
        ("secretBinary", "secretId", "secretString"),
        TF + "secretsmanager/secret_version.go",
        note="write-only secretStringWo changes through secretStringWoVersion, in place",
    ),
    "aws:sns/topic:Topic": ForceNew(("fifoTopic", "name", "namePrefix"), TF + "sns/topic.go"),
    "aws:sqs/queue:Queue": ForceNew(("fifoQueue", "name", "namePrefix"), TF + "sqs/queue.go"),
    "aws:wafv2/webAcl:WebAcl": ForceNew(("name", "namePrefix", "scope"), TF + "wafv2/web_acl.go"),
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": ForceNew(
        ("resourceArn",), TF + "wafv2/web_acl_logging_configuration.go"
    ),
    "aws:sns/topicPolicy:TopicPolicy": ForceNew(("arn",), TF + "sns/topic_policy.go"),
    "aws:sns/topicSubscription:TopicSubscription": ForceNew(
        ("endpoint", "protocol", "topicArn"), TF + "sns/topic_subscription.go"
    ),
    # --- AWS: RDS
    "aws:rds/instance:Instance": ForceNew(
        (
            "availabilityZone",
            "characterSetName",
            "customIamInstanceProfile",
            "dbName",
            "engine",
            "identifier",
            "identifierPrefix",
            "kmsKeyId",
            "ncharCharacterSetName",
            "restoreToPointInTime",
            "s3Import",
            "snapshotIdentifier",
            "storageEncrypted",
            "timezone",
            "username",
        ),
        TF + "rds/instance.go",
        "source",
        "dbSubnetGroupName is NOT ForceNew: RDS moves the instance with ModifyDBInstance (in place, "
        "with an outage)",
    ),
    # No update in the Terraform resource: every argument forces a new replication (and `region`, the
    # destination, like every v7 per-resource region).
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": ForceNew(
        ("sourceDbInstanceArn", "kmsKeyId", "preSignedUrl", "retentionPeriod", "region"),
        TF + "rds/instance_automated_backups_replication.go",
        checked="source",  # at 0213a3c: Create/Read/Delete only, every argument ForceNew
    ),
    "aws:rds/parameterGroup:ParameterGroup": ForceNew(
        ("description", "family", "name", "namePrefix"), TF + "rds/parameter_group.go"
    ),
    "aws:rds/proxy:Proxy": ForceNew(("engineFamily", "name", "vpcSubnetIds"), TF + "rds/proxy.go"),
    "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup": ForceNew(
        ("dbProxyName",), TF + "rds/proxy_default_target_group.go"
    ),
    "aws:rds/proxyTarget:ProxyTarget": ForceNew(
        ("dbClusterIdentifier", "dbInstanceIdentifier", "dbProxyName", "targetGroupName"),
        TF + "rds/proxy_target.go",
    ),
    "aws:rds/subnetGroup:SubnetGroup": ForceNew(("name", "namePrefix"), TF + "rds/subnet_group.go"),
    # --- AWS: S3
    "aws:s3/bucket:Bucket": ForceNew(("bucket", "bucketPrefix", "objectLockEnabled"), TF + "s3/bucket.go"),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ForceNew(
        _S3_SUB, TF + "s3/bucket_lifecycle_configuration.go"
    ),
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": ForceNew(
        ("bucket", "region"), TF + "s3/bucket_replication_configuration.go"
    ),
    "aws:s3/bucketLogging:BucketLogging": ForceNew(_S3_SUB, TF + "s3/bucket_logging.go"),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": ForceNew(
        ("bucket",), TF + "s3/bucket_ownership_controls.go"
    ),
    "aws:s3/bucketPolicy:BucketPolicy": ForceNew(("bucket",), TF + "s3/bucket_policy.go"),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ForceNew(
        ("bucket",), TF + "s3/bucket_public_access_block.go"
    ),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": ForceNew(
        _S3_SUB, TF + "s3/bucket_server_side_encryption_configuration.go"
    ),
    "aws:s3/bucketVersioning:BucketVersioning": ForceNew(_S3_SUB, TF + "s3/bucket_versioning.go"),
    # --- Kubernetes (pulumi-kubernetes forceNew table; CRs: metadata only)
    "kubernetes:apps/v1:Deployment": _k8s("spec.selector", kind="Deployment"),
    "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate": _k8s(),
    "kubernetes:argoproj.io/v1alpha1:Rollout": _k8s(),
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": _k8s(),
    "kubernetes:batch/v1:Job": _k8s(
        "spec.completions", "spec.parallelism", "spec.selector", "spec.template", kind="Job"
    ),
    "kubernetes:core/v1:ConfigMap": _k8s(),
    "kubernetes:core/v1:Namespace": _k8s(),
    "kubernetes:core/v1:Service": _k8s("spec.clusterIP", kind="Service"),
    "kubernetes:core/v1:ServiceAccount": _k8s(),
    "kubernetes:external-secrets.io/v1:ClusterSecretStore": _k8s(),
    "kubernetes:external-secrets.io/v1:ExternalSecret": _k8s(),
    "kubernetes:helm.sh/v3:Release": ForceNew(
        ("name", "namespace"),
        "https://github.com/pulumi/pulumi-kubernetes/blob/master/provider/pkg/provider/helm_release.go",
        "source",
    ),
    "kubernetes:keda.sh/v1alpha1:ScaledObject": _k8s(),
    "kubernetes:keda.sh/v1alpha1:TriggerAuthentication": _k8s(),
    "kubernetes:monitoring.coreos.com/v1:PrometheusRule": _k8s(),
    "kubernetes:monitoring.coreos.com/v1:ServiceMonitor": _k8s(),
    "kubernetes:networking.k8s.io/v1:Ingress": _k8s(),
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": _k8s(),
    "kubernetes:policies.kyverno.io/v1:ImageValidatingPolicy": _k8s(),
    "kubernetes:policy/v1:PodDisruptionBudget": _k8s(),
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": _k8s(),
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": _k8s("roleRef", kind="ClusterRoleBinding"),
    "kubernetes:rbac.authorization.k8s.io/v1:Role": _k8s(),
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": _k8s("roleRef", kind="RoleBinding"),
    "kubernetes:storage.k8s.io/v1:StorageClass": _k8s("parameters", "provisioner", kind="StorageClass"),
    # --- MongoDB Atlas (pulumi-mongodbatlas bridges terraform-provider-mongodbatlas)
    "mongodbatlas:index/advancedCluster:AdvancedCluster": ForceNew(
        ("name", "projectId"), ATLAS + "advancedcluster/resource_advanced_cluster.go"
    ),
    "mongodbatlas:index/cloudBackupSnapshotRestoreJob:CloudBackupSnapshotRestoreJob": ForceNew(
        ("projectId", "clusterName", "snapshotId", "deliveryTypeConfig"),
        ATLAS + "cloudbackupsnapshotrestorejob/resource_cloud_backup_snapshot_restore_job.go",
    ),
    "mongodbatlas:index/cloudBackupSchedule:CloudBackupSchedule": ForceNew(
        ("clusterName", "projectId"), ATLAS + "cloudbackupschedule/resource_cloud_backup_schedule.go"
    ),
    "mongodbatlas:index/cloudProviderAccessAuthorization:CloudProviderAccessAuthorization": ForceNew(
        ("projectId", "roleId"),
        ATLAS + "cloudprovideraccess/resource_cloud_provider_access_authorization.go",
    ),
    "mongodbatlas:index/cloudProviderAccessSetup:CloudProviderAccessSetup": ForceNew(
        ("projectId", "providerName"), ATLAS + "cloudprovideraccess/resource_cloud_provider_access_setup.go"
    ),
    "mongodbatlas:index/customDbRole:CustomDbRole": ForceNew(
        ("projectId", "roleName"), ATLAS + "customdbrole/resource_custom_db_role.go"
    ),
    "mongodbatlas:index/databaseUser:DatabaseUser": ForceNew(
        ("authDatabaseName", "projectId", "username"), ATLAS + "databaseuser/resource_database_user.go"
    ),
    "mongodbatlas:index/encryptionAtRest:EncryptionAtRest": ForceNew(
        ("projectId",), ATLAS + "encryptionatrest/resource_encryption_at_rest.go"
    ),
    "mongodbatlas:index/privateLinkEndpoint:PrivateLinkEndpoint": ForceNew(
        ("projectId", "providerName", "region"),
        ATLAS + "privatelinkendpoint/resource_privatelink_endpoint.go",
    ),
    "mongodbatlas:index/privateLinkEndpointService:PrivateLinkEndpointService": ForceNew(
        ("endpointServiceId", "privateLinkId", "projectId", "providerName"),
        ATLAS + "privatelinkendpointservice/resource_privatelink_endpoint_service.go",
    ),
    "mongodbatlas:index/project:Project": ForceNew(("orgId",), ATLAS + "project/resource_project.go"),
    "mongodbatlas:index/projectIpAccessList:ProjectIpAccessList": ForceNew(
        ("awsSecurityGroup", "cidrBlock", "ipAddress", "projectId"),
        ATLAS + "projectipaccesslist/resource_project_ip_access_list.go",
        note="FIELD-NOTES: changing an entry replaces it and can drop access meanwhile",
    ),
}
"""Force-new input paths by resource type (custom resources only)."""

STATEFUL_TYPES: frozenset[str] = frozenset(
    {
        "aws:rds/instance:Instance",
        "aws:rds/cluster:Cluster",
        # The DR region's copy of the backups: stopping the replication loses what it holds.
        "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "aws:elasticache/cluster:Cluster",
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketV2:BucketV2",
        "aws:ecr/repository:Repository",  # the images (and their signatures) go with it
        "aws:kms/key:Key",
        "aws:eks/cluster:Cluster",
        "mongodbatlas:index/advancedCluster:AdvancedCluster",
        "mongodbatlas:index/cluster:Cluster",
        "mongodbatlas:index/project:Project",
    }
)
"""Types whose delete or replacement loses data or the platform itself: always a danger mark."""


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + ".") or path.startswith(prefix + "[")


def replacement_reasons(resource_type: str, changes: list[tuple[str, Any, Any]]) -> list[str]:
    """The changed paths (``(path, old, new)``) that force ``resource_type`` to be replaced.

    A path matches an entry when it equals it or lies below it (``spec.selector.matchLabels.app`` under
    ``spec.selector``); a removal entry matches when the value at that path goes from present to absent.
    A type without an entry predicts nothing: the diff lists it under ``unknown_types`` rather than guess.
    """
    rule = FORCE_NEW.get(resource_type)
    if rule is None:
        return []
    reasons = []
    for path, old, new in changes:
        forced = any(_under(path, force) for force in rule.paths)
        removed = any(
            path == p and old not in (None, [], {}) and new in (None, [], {}) for p in rule.removals
        )
        if forced or removed:
            reasons.append(path)
    return reasons
