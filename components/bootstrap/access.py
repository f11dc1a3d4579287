"""What the delivery identities may do (pure): the account's permissions boundary, each project's deploy
policy and each project's read-only preview policy.

The account holds one environment (see the README's bootstrap section), so "this account" is already
"this environment": the policies scope by service and action, and by account where an ARN is needed.
"""

from __future__ import annotations

from typing import Any

from components.core.iam import Statement, document, permissions_boundary_arn
from components.registry.policies import SIGNING_KEY_TAG
from components.registry.spec import CREDENTIAL_SECRET_PREFIX

BOOTSTRAP_TAG = {"project": "bootstrap"}
"""The tag every resource of the bootstrap carries (through the provider's default tags)."""
CI_ROLE_PREFIX = "github-actions-"

PLATFORM_SERVICES = (
    "acm",
    "appconfig",
    "application-autoscaling",
    "autoscaling",
    "budgets",
    "cloudwatch",
    "codebuild",
    "codeconnections",
    "codestar-connections",
    "ec2",
    "ecr",
    "eks",
    "elasticache",
    "elasticloadbalancing",
    "events",
    "kms",
    "lambda",
    "logs",
    "rds",
    "route53",
    "s3",
    "secretsmanager",
    "sns",
    "sqs",
    "ssm",
    "wafv2",
)
"""The AWS services the platform project creates resources of (network, keys, secrets, data tier, the
cluster and its add-ons, the in-VPC runners, observability, the feature flags' AppConfig store, the
environment's DNS zone, the image registry). IAM is not listed: see :func:`platform_deploy_policy`.
``tests/bootstrap/test_platform_rights.py`` fails on a resource type of the platform program whose
service is not here."""

PASSED_TO = (
    "appconfig.amazonaws.com",
    "codebuild.amazonaws.com",
    "ec2.amazonaws.com",
    "ecr.amazonaws.com",
    "eks.amazonaws.com",
    "lambda.amazonaws.com",
    "monitoring.rds.amazonaws.com",
    "pods.eks.amazonaws.com",
    "rds.amazonaws.com",
    "s3.amazonaws.com",
    "vpc-flow-logs.amazonaws.com",
)
"""The services the platform hands a role to (AppConfig's flag-rollback monitor, CodeBuild runners, nodes,
the cluster, the alert Lambda, RDS monitoring and proxy, flow logs, ECR's repository creation template
role, S3's DR replication role, the workloads' EKS Pod Identity roles): ``iam:PassRole`` to anything else
is refused. ``tests/bootstrap/test_platform_rights.py`` derives the list the program needs from the
trust policy of every role it hands to a resource."""

SERVICE_LINKED_ROLES = (
    "autoscaling.amazonaws.com",
    "ecr.amazonaws.com",
    "eks.amazonaws.com",
    "eks-nodegroup.amazonaws.com",
    "elasticache.amazonaws.com",
    "elasticloadbalancing.amazonaws.com",
    "inspector2.amazonaws.com",
    "pullthroughcache.ecr.amazonaws.com",
    "rds.amazonaws.com",
    "replication.ecr.amazonaws.com",
    "spot.amazonaws.com",
)
"""The services whose service-linked role AWS creates, with the caller's ``iam:CreateServiceLinkedRole``,
the first time the platform uses them: ECR's repository creation templates (``AWSServiceRoleForECRTemplate``,
``ecr.amazonaws.com``), pull-through cache (``AWSServiceRoleForECRPullThroughCache``) and replication
(``AWSServiceRoleForECRReplication``), Amazon Inspector for ENHANCED registry scanning
(``AWSServiceRoleForAmazonInspector2``), and the cluster's, the data tier's and the load balancers'."""

ENHANCED_SCANNING = (
    "inspector2:Disable",
    "inspector2:Enable",
    "inspector2:ListAccountPermissions",
    "inspector2:ListCoverage",
    "inspector2:ListFindings",
)
"""What the principal that turns ECR's ENHANCED scanning on (and off) calls in Amazon Inspector (ECR User
Guide, "IAM permissions required for enhanced scanning in Amazon ECR"): the platform deploy role, through
``aws:ecr/registryScanningConfiguration``. Inspector's API takes no resource ARN for these."""

LOOKUPS = ("tag:GetResources",)
"""Data sources the platform program reads during every preview and update beyond the services it manages
(the public ALB's ARN for its alarms: ``aws:resourcegroupstaggingapi/getResources``)."""

WORKLOAD_SERVICES = (
    *PLATFORM_SERVICES,
    "cognito-idp",
    "iam",
    "pricing",
    "rds-db",
    "shield",
    "sts",
    "tag",
    "waf-regional",
    "xray",
)
"""What a role created by the program may ever be granted (the boundary's ceiling): the platform's
services, plus what its workloads call (the load balancer controller's IAM/Shield reads, its WAF Classic
and Cognito calls: with its default ``enableWaf`` it asks ``waf-regional:GetWebACLForResource`` of every
ALB and fails the Ingress's reconcile when refused, kubernetes-sigs/aws-load-balancer-controller#2322,
#3445; Karpenter's pricing, services' ``rds-db:connect``). ``tests/bootstrap/test_platform_rights.py``
fails on an action a role of the program is granted outside this ceiling."""


def permissions_boundary_policy(
    partition: str, account_id: str, protected_bucket_arns: tuple[str, ...]
) -> dict[str, Any]:
    """The boundary every role of the account carries, the delivery roles' included.

    It allows at most the services the program uses, and denies what would let a role escape it:
    creating or changing a role without this boundary, removing it, editing the boundary itself, creating
    IAM users or access keys, touching the delivery roles or the GitHub OIDC provider, weakening the
    state and audit buckets or the bootstrap's keys, and the account baseline (CloudTrail, GuardDuty,
    Security Hub), which no listed service reaches anyway.
    """
    boundary = permissions_boundary_arn(partition, account_id)
    iam_arn = f"arn:{partition}:iam::{account_id}"
    return document(
        {
            "Sid": "Ceiling",
            "Effect": "Allow",
            "Action": [f"{service}:*" for service in WORKLOAD_SERVICES],
            "Resource": "*",
        },
        {
            # Only the deploy role is granted these; the ceiling names the actions, not all of Inspector.
            "Sid": "EnhancedImageScanning",
            "Effect": "Allow",
            "Action": list(ENHANCED_SCANNING),
            "Resource": "*",
        },
        {
            "Sid": "DenyRolesWithoutThisBoundary",
            "Effect": "Deny",
            "Action": [
                "iam:AttachRolePolicy",
                "iam:CreateRole",
                "iam:DeleteRolePolicy",
                "iam:DetachRolePolicy",
                "iam:PutRolePermissionsBoundary",
                "iam:PutRolePolicy",
            ],
            "Resource": "*",
            "Condition": {"StringNotEquals": {"iam:PermissionsBoundary": boundary}},
        },
        {
            "Sid": "DenyBoundaryRemovalOrEdit",
            "Effect": "Deny",
            "Action": [
                "iam:CreatePolicyVersion",
                "iam:DeletePolicy",
                "iam:DeletePolicyVersion",
                "iam:DeleteRolePermissionsBoundary",
                "iam:SetDefaultPolicyVersion",
            ],
            "Resource": [boundary, f"{iam_arn}:role/*"],
        },
        {
            "Sid": "DenyLongLivedCredentials",
            "Effect": "Deny",
            "Action": [
                "iam:AttachUserPolicy",
                "iam:CreateAccessKey",
                "iam:CreateLoginProfile",
                "iam:CreateUser",
                "iam:PutUserPolicy",
                "iam:UpdateLoginProfile",
            ],
            "Resource": "*",
        },
        {
            "Sid": "DenyDeliveryIdentityChanges",
            "Effect": "Deny",
            "NotAction": ["iam:Get*", "iam:List*"],
            "Resource": [
                f"{iam_arn}:role/{CI_ROLE_PREFIX}*",
                f"{iam_arn}:oidc-provider/token.actions.githubusercontent.com",
            ],
        },
        {
            "Sid": "DenyStateAndAuditBucketChanges",
            "Effect": "Deny",
            "Action": [
                "s3:DeleteBucket",
                "s3:DeleteBucketPolicy",
                "s3:PutBucketOwnershipControls",
                "s3:PutBucketPolicy",
                "s3:PutBucketPublicAccessBlock",
                "s3:PutBucketVersioning",
                "s3:PutEncryptionConfiguration",
                "s3:PutLifecycleConfiguration",
            ],
            "Resource": list(protected_bucket_arns),
        },
        {
            "Sid": "DenyBootstrapKeyChanges",
            "Effect": "Deny",
            "Action": [
                "kms:DisableKey",
                "kms:DisableKeyRotation",
                "kms:PutKeyPolicy",
                "kms:ScheduleKeyDeletion",
            ],
            "Resource": "*",
            "Condition": {"StringEquals": {f"aws:ResourceTag/{k}": v for k, v in BOOTSTRAP_TAG.items()}},
        },
        {
            "Sid": "DenyBaselineChanges",
            "Effect": "Deny",
            "Action": ["cloudtrail:*", "guardduty:*", "securityhub:*", "organizations:*", "account:*"],
            "Resource": "*",
        },
    )


def platform_deploy_policy(partition: str, account_id: str) -> dict[str, Any]:
    """The platform project's deploy identity: the services it manages, and IAM only for the roles and
    policies of its workloads, each of which must carry the account's boundary (the boundary's
    ``DenyRolesWithoutThisBoundary`` enforces it; here ``iam:CreateRole`` asks for it too).

    No IAM users, no access keys, no ``iam:*``: a compromised platform deploy cannot mint an identity
    that outlives the boundary.
    """
    boundary = permissions_boundary_arn(partition, account_id)
    iam_arn = f"arn:{partition}:iam::{account_id}"
    return document(
        {
            "Sid": "ManagedServices",
            "Effect": "Allow",
            "Action": [f"{service}:*" for service in PLATFORM_SERVICES],
            "Resource": "*",
        },
        {
            # The upstream registries' tokens (components/bootstrap/pull_through.py) are read by ECR's
            # service-linked role only; the program looks them up by name (DescribeSecret) and never
            # needs, nor may change, their values.
            "Sid": "NoUpstreamRegistryTokens",
            "Effect": "Deny",
            "NotAction": ["secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"],
            "Resource": f"arn:{partition}:secretsmanager:*:{account_id}:secret:{CREDENTIAL_SECRET_PREFIX}*",
        },
        {
            "Sid": "WorkloadRolesCarryTheBoundary",
            "Effect": "Allow",
            "Action": [
                "iam:AttachRolePolicy",
                "iam:CreateRole",
                "iam:DeleteRolePolicy",
                "iam:DetachRolePolicy",
                "iam:PutRolePermissionsBoundary",
                "iam:PutRolePolicy",
            ],
            "Resource": f"{iam_arn}:role/*",
            "Condition": {"StringEquals": {"iam:PermissionsBoundary": boundary}},
        },
        {
            "Sid": "WorkloadRoleLifecycle",
            "Effect": "Allow",
            "Action": [
                "iam:DeleteRole",
                "iam:TagRole",
                "iam:UntagRole",
                "iam:UpdateAssumeRolePolicy",
                "iam:UpdateRole",
                "iam:UpdateRoleDescription",
                "iam:CreateInstanceProfile",
                "iam:DeleteInstanceProfile",
                "iam:AddRoleToInstanceProfile",
                "iam:RemoveRoleFromInstanceProfile",
                "iam:TagInstanceProfile",
            ],
            "Resource": [f"{iam_arn}:role/*", f"{iam_arn}:instance-profile/*"],
        },
        {
            "Sid": "PassRolesToTheServicesThatUseThem",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": f"{iam_arn}:role/*",
            "Condition": {"StringEquals": {"iam:PassedToService": list(PASSED_TO)}},
        },
        {
            "Sid": "ClusterOidcProviders",
            "Effect": "Allow",
            "Action": [
                "iam:CreateOpenIDConnectProvider",
                "iam:DeleteOpenIDConnectProvider",
                "iam:TagOpenIDConnectProvider",
                "iam:UpdateOpenIDConnectProviderThumbprint",
            ],
            "Resource": f"{iam_arn}:oidc-provider/oidc.eks.*",
        },
        {
            "Sid": "ServiceLinkedRoles",
            "Effect": "Allow",
            "Action": "iam:CreateServiceLinkedRole",
            "Resource": f"{iam_arn}:role/aws-service-role/*",
            "Condition": {"StringEquals": {"iam:AWSServiceName": list(SERVICE_LINKED_ROLES)}},
        },
        {
            "Sid": "EnhancedImageScanning",
            "Effect": "Allow",
            "Action": list(ENHANCED_SCANNING),
            "Resource": "*",
        },
        {"Sid": "LookUps", "Effect": "Allow", "Action": list(LOOKUPS), "Resource": "*"},
        _iam_reads(),
        _caller_identity(),
    )


def services_deploy_policy(partition: str, account_id: str, region: str) -> dict[str, Any]:
    """The services project's deploy identity: it reaches the cluster's API (its Kubernetes rights are the
    cluster's access entry: edit on the product namespace) and deploys flag values into the platform's
    AppConfig store (versions and deployments under its applications; the release holds too). No IAM
    at all: the store, its environments and its monitor role are the platform's."""
    app = f"arn:{partition}:appconfig:{region}:{account_id}:application/*"
    return document(
        {
            "Sid": "FindTheCluster",
            "Effect": "Allow",
            "Action": ["eks:DescribeCluster", "eks:ListClusters"],
            "Resource": f"arn:{partition}:eks:{region}:{account_id}:cluster/*",
        },
        {
            "Sid": "DeployFeatureFlags",
            "Effect": "Allow",
            "Action": [
                "appconfig:CreateHostedConfigurationVersion",
                "appconfig:DeleteHostedConfigurationVersion",
                "appconfig:GetHostedConfigurationVersion",
                "appconfig:ListHostedConfigurationVersions",
                "appconfig:StartDeployment",
                "appconfig:StopDeployment",
                "appconfig:GetDeployment",
                "appconfig:ListDeployments",
                "appconfig:GetApplication",
                "appconfig:GetEnvironment",
                "appconfig:GetConfigurationProfile",
                "appconfig:GetDeploymentStrategy",
                "appconfig:ListTagsForResource",
                "appconfig:TagResource",
            ],
            "Resource": [
                app,
                f"{app}/*",
                f"arn:{partition}:appconfig:{region}:{account_id}:deploymentstrategy/*",
            ],
        },
        _caller_identity(),
    )


def platform_preview_policy() -> dict[str, Any]:
    """What a preview of the platform (its data sources: ``LOOKUPS``, the image-signing key's public key)
    and ``pulumi refresh`` (the drift workflow: a read of every resource) need: describe/get/list of the
    services it manages. Nothing reads data: no ``s3:GetObject``, no ``secretsmanager:GetSecretValue``, no
    ``kms:Decrypt``, no ``ssm:GetParameter`` beyond AWS's public parameters (the EKS AMI ids); of the
    keys' material only the image-signing key's public half (``kms:GetPublicKey``), which admission
    embeds."""
    return document(
        {
            "Sid": "DescribeManagedServices",
            "Effect": "Allow",
            "Action": [
                "acm:Describe*",
                "acm:List*",
                "appconfig:GetApplication",
                "appconfig:GetConfigurationProfile",
                "appconfig:GetDeploymentStrategy",
                "appconfig:GetEnvironment",
                "appconfig:List*",
                "application-autoscaling:Describe*",
                "autoscaling:Describe*",
                "budgets:ListTagsForResource",
                "budgets:ViewBudget",
                "cloudwatch:Describe*",
                "cloudwatch:ListTagsForResource",
                "codebuild:BatchGetProjects",
                "codebuild:ListProjects",
                "codebuild:ListSourceCredentials",
                "codeconnections:GetConnection",
                "codeconnections:ListTagsForResource",
                "codestar-connections:GetConnection",
                "codestar-connections:ListTagsForResource",
                "ec2:Describe*",
                "ec2:GetLaunchTemplateData",
                "ecr:DescribePullThroughCacheRules",
                "ecr:DescribeRegistry",
                "ecr:DescribeRepositories",
                "ecr:DescribeRepositoryCreationTemplates",
                "ecr:GetLifecyclePolicy",
                "ecr:GetRegistryScanningConfiguration",
                "ecr:GetRepositoryPolicy",
                "ecr:ListTagsForResource",
                "eks:Describe*",
                "eks:List*",
                "elasticache:Describe*",
                "elasticache:List*",
                "elasticloadbalancing:Describe*",
                "events:Describe*",
                "events:List*",
                "kms:DescribeKey",
                "kms:GetKeyPolicy",
                "kms:GetKeyRotationStatus",
                "kms:ListAliases",
                "kms:ListResourceTags",
                "lambda:GetFunction",
                "lambda:GetFunctionCodeSigningConfig",
                "lambda:GetFunctionConfiguration",
                "lambda:GetFunctionEventInvokeConfig",
                "lambda:GetPolicy",
                "lambda:ListTags",
                "lambda:ListVersionsByFunction",
                "logs:Describe*",
                "logs:ListTagsForResource",
                "logs:ListTagsLogGroup",
                "rds:Describe*",
                "rds:ListTagsForResource",
                "route53:Get*",
                "route53:List*",
                "s3:GetAccelerateConfiguration",
                "s3:GetBucket*",
                "s3:GetEncryptionConfiguration",
                "s3:GetIntelligentTieringConfiguration",
                "s3:GetLifecycleConfiguration",
                "s3:GetObjectLockConfiguration",
                "s3:GetReplicationConfiguration",
                "s3:ListAllMyBuckets",
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetResourcePolicy",
                "secretsmanager:ListSecrets",
                "sns:GetSubscriptionAttributes",
                "sns:GetTopicAttributes",
                "sns:ListSubscriptionsByTopic",
                "sns:ListTagsForResource",
                "sqs:GetQueueAttributes",
                "sqs:ListQueueTags",
                "wafv2:Get*",
                "wafv2:List*",
                *LOOKUPS,
            ],
            "Resource": "*",
        },
        {
            # A data source of every preview (components/registry/signing.py): the key is found by its tag.
            "Sid": "ImageSigningPublicKey",
            "Effect": "Allow",
            "Action": "kms:GetPublicKey",
            "Resource": "*",
            "Condition": {"StringEquals": {f"aws:ResourceTag/{SIGNING_KEY_TAG[0]}": SIGNING_KEY_TAG[1]}},
        },
        {
            "Sid": "PublicParameters",
            "Effect": "Allow",
            "Action": "ssm:GetParameter",
            "Resource": "arn:*:ssm:*::parameter/aws/service/*",
        },
        _iam_reads(),
        _caller_identity(),
    )


def services_preview_policy(partition: str, account_id: str, region: str) -> dict[str, Any]:
    """The services preview identity: find the cluster (its Kubernetes rights are the view access entry)
    and read the feature flags' versions and deployments (a refresh reads them; nothing is written)."""
    return document(
        {
            "Sid": "FindTheCluster",
            "Effect": "Allow",
            "Action": ["eks:DescribeCluster", "eks:ListClusters"],
            "Resource": f"arn:{partition}:eks:{region}:{account_id}:cluster/*",
        },
        {
            "Sid": "ReadFeatureFlags",
            "Effect": "Allow",
            "Action": ["appconfig:Get*", "appconfig:List*"],
            "Resource": f"arn:{partition}:appconfig:{region}:{account_id}:*",
        },
        _caller_identity(),
    )


def _iam_reads() -> Statement:
    return {
        "Sid": "ReadIam",
        "Effect": "Allow",
        "Action": [
            "iam:GetInstanceProfile",
            "iam:GetOpenIDConnectProvider",
            "iam:GetPolicy",
            "iam:GetPolicyVersion",
            "iam:GetRole",
            "iam:GetRolePolicy",
            "iam:ListAttachedRolePolicies",
            "iam:ListInstanceProfilesForRole",
            "iam:ListOpenIDConnectProviders",
            "iam:ListRolePolicies",
            "iam:ListRoleTags",
        ],
        "Resource": "*",
    }


def _caller_identity() -> Statement:
    return {"Sid": "WhoAmI", "Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}


DRILL_SNAPSHOT_PREFIX = "drill-"
"""The restore drill's copies of prod's snapshots (``drill-<run id>``, .github/workflows/dr-drill.yml)."""


def dr_share_policy(partition: str, account_id: str, environment: str) -> dict[str, Any]:
    """The restore drill's identity in the drilled environment's account: it finds the newest automated
    snapshot of the environment's Postgres, copies it (into the DR region, under the DR key) as
    ``drill-*``, shares only those copies and deletes only those. Nothing else of the account is written;
    the keys are used only through RDS and only the environment's ``data`` and ``dr-data`` keys (by alias).
    """
    rds = f"arn:{partition}:rds:*:{account_id}"
    copies = f"{rds}:snapshot:{DRILL_SNAPSHOT_PREFIX}*"
    return document(
        {"Sid": "FindSnapshots", "Effect": "Allow", "Action": "rds:DescribeDBSnapshots", "Resource": "*"},
        {
            # CopyDBSnapshot is authorized on the source and on the target snapshot.
            "Sid": "CopyTheNewestAutomatedSnapshot",
            "Effect": "Allow",
            "Action": "rds:CopyDBSnapshot",
            "Resource": [f"{rds}:snapshot:rds:platform-{environment}-postgres-*", copies],
        },
        {
            "Sid": "ShareAndDeleteOnlyTheDrillsCopies",
            "Effect": "Allow",
            "Action": ["rds:ModifyDBSnapshotAttribute", "rds:DeleteDBSnapshot"],
            "Resource": copies,
        },
        {
            # A copy across regions under a key: RDS creates grants on the source and target keys and uses
            # them on the caller's behalf (RDS User Guide, "Copying a DB snapshot").
            "Sid": "DataKeysThroughRdsOnly",
            "Effect": "Allow",
            "Action": ["kms:CreateGrant", "kms:DescribeKey"],
            "Resource": "*",
            "Condition": {
                "StringLike": {"kms:ViaService": "rds.*.amazonaws.com"},
                "ForAnyValue:StringEquals": {
                    "kms:ResourceAliases": [
                        f"alias/platform-{environment}-data",
                        f"alias/platform-{environment}-dr-data",
                    ]
                },
            },
        },
    )
