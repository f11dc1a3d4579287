"""GitHub Actions runners inside the environment's VPC: a CodeBuild-hosted runner project.

Why (see docs/DELIVERY.md): every ``pulumi preview``/``up`` that touches the Kubernetes API must reach a
private EKS endpoint, which GitHub-hosted runners cannot. CodeBuild-hosted GitHub Actions runners start
an ephemeral build in the app subnets for each queued job whose ``runs-on`` names the project
(``codebuild-<project>-${{ github.run_id }}-${{ github.run_attempt }}``, AWS CodeBuild User Guide,
"Label overrides supported with the CodeBuild-hosted GitHub Actions runner"). They depend on the VPC, not
on the cluster they deploy, so a broken cluster never takes its own repair path down.

The runner's own role can only write its logs and attach to the VPC: a job gets its deploy rights from
the GitHub OIDC role of its stack and project (bootstrap), assumed in the job, never from the runner.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from pydantic import Field, field_validator

from components.core import iam
from components.core.context import AwsContext
from components.core.logs import RetentionDays, encrypted_log_group
from components.core.model import Spec
from components.core.naming import physical_name

_REPOSITORY = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}")
CODEBUILD_IMAGE = "aws/codebuild/standard:7.0"
"""Ubuntu 22.04: actions/setup-python downloads its builds for Ubuntu runners."""
BUILD_TIMEOUT_MINUTES = 240
"""A runner build lives as long as its job; the longest job (a from-scratch prod platform ``up``) has a
180-minute timeout in the workflows (tests/pipeline hold the two together)."""


def runner_project_name(environment: str) -> str:
    """The CodeBuild project, and so the ``runs-on`` label prefix, of an environment's runners."""
    return physical_name(environment, "runner")


class RunnersSpec(Spec):
    """In-VPC GitHub Actions runners (CodeBuild-hosted).

    Attributes:
        github_repository: ``owner/name`` of this repository; its workflow jobs start the runners
            (required).
        compute_type: the CodeBuild compute type. Defaults to ``BUILD_GENERAL1_MEDIUM`` (4 GiB, 2 vCPU).
        log_retention_days: how long build logs are kept. Defaults to 90.
        connection_available: ``true`` once the GitHub connection (``<project>-github``, created
            ``PENDING``) has been completed in the console and is ``AVAILABLE``. Defaults to ``false``:
            the webhook that tells CodeBuild of queued jobs is created only then, since CodeBuild's
            CreateWebhook needs a working connection to reach GitHub (docs/RUNBOOK.md says when to set
            it). Until then no job starts on the runners.
    """

    github_repository: str
    compute_type: str = Field(
        default="BUILD_GENERAL1_MEDIUM",
        pattern=r"^BUILD_GENERAL1_(SMALL|MEDIUM|LARGE|XLARGE|2XLARGE)$",
    )
    log_retention_days: RetentionDays = 90
    connection_available: bool = False

    @field_validator("github_repository")
    @classmethod
    def _repository(cls, value: str) -> str:
        if not _REPOSITORY.fullmatch(value):
            raise ValueError("must be owner/name of a GitHub repository")
        return value


@dataclass(frozen=True)
class CiRunnersArgs:
    """Inputs of :class:`CiRunners`.

    Attributes:
        spec: the stack's ``platform:runners``.
        context: account, partition and region.
        environment: the stack name.
        vpc_id: the VPC.
        subnet_ids: the app subnets (private, egress through NAT).
        logs_key_arn: the environment's logs key (build logs).
    """

    spec: RunnersSpec
    context: AwsContext
    environment: str
    vpc_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[list[str]]
    logs_key_arn: pulumi.Input[str]


class CiRunners(pulumi.ComponentResource):
    """A CodeBuild project that runs this repository's GitHub Actions jobs in the VPC.

    The GitHub side is a CodeConnections connection (``connection_arn``): created here in ``PENDING``
    state, it is completed once by an administrator in the console (docs/RUNBOOK.md); no token passes
    through Pulumi. The webhook follows on the next ``up`` after ``connectionAvailable: true``.
    """

    project_name: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    connection_arn: pulumi.Output[str]

    def __init__(self, name: str, args: CiRunnersArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:ci:CiRunners", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        ctx, project = args.context, runner_project_name(args.environment)

        connection = aws.codestarconnections.Connection(
            f"{name}-github", name=f"{project}-github", provider_type="GitHub", opts=child
        )
        credential = aws.codebuild.SourceCredential(
            f"{name}-github",
            auth_type="CODECONNECTIONS",
            server_type="GITHUB",
            token=connection.arn,
            opts=child,
        )
        group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            vpc_id=args.vpc_id,
            description=f"GitHub Actions runners of {args.environment}: no ingress, HTTPS out",
            opts=child,
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-https-out",
            security_group_id=group.id,
            description="GitHub, AWS APIs, package registries, the EKS API",
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            cidr_ipv4="0.0.0.0/0",
            opts=child,
        )
        logs = encrypted_log_group(
            f"{name}-logs",
            f"/aws/codebuild/{project}",
            args.spec.log_retention_days,
            args.logs_key_arn,
            child,
        )
        role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=ctx.account_id.apply(
                lambda account: iam.dumps(iam.service_trust("codebuild.amazonaws.com", account))
            ),
            description=f"CodeBuild runners of {args.environment}: logs and VPC attachment only",
            permissions_boundary=ctx.permissions_boundary,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-role",
            role=role.id,
            policy=pulumi.Output.all(
                ctx.partition, ctx.account_id, logs.arn, connection.arn, args.subnet_ids
            ).apply(lambda v: iam.dumps(runner_policy(v[0], ctx.region, v[1], v[2], v[3], v[4]))),
            opts=child,
        )
        runner = aws.codebuild.Project(
            f"{name}-project",
            name=project,
            description=f"GitHub Actions runners for {args.spec.github_repository} in the {args.environment} VPC",
            service_role=role.arn,
            build_timeout=BUILD_TIMEOUT_MINUTES,
            queued_timeout=60,
            artifacts=aws.codebuild.ProjectArtifactsArgs(type="NO_ARTIFACTS"),
            environment=aws.codebuild.ProjectEnvironmentArgs(
                compute_type=args.spec.compute_type,
                image=CODEBUILD_IMAGE,
                type="LINUX_CONTAINER",
                image_pull_credentials_type="CODEBUILD",
                privileged_mode=False,
            ),
            source=aws.codebuild.ProjectSourceArgs(
                type="GITHUB",
                location=f"https://github.com/{args.spec.github_repository}.git",
                git_clone_depth=1,
                auth=aws.codebuild.ProjectSourceAuthArgs(type="CODECONNECTIONS", resource=connection.arn),
            ),
            vpc_config=aws.codebuild.ProjectVpcConfigArgs(
                vpc_id=args.vpc_id, subnets=args.subnet_ids, security_group_ids=[group.id]
            ),
            logs_config=aws.codebuild.ProjectLogsConfigArgs(
                cloudwatch_logs=aws.codebuild.ProjectLogsConfigCloudwatchLogsArgs(
                    group_name=logs.name, status="ENABLED"
                ),
                s3_logs=aws.codebuild.ProjectLogsConfigS3LogsArgs(status="DISABLED"),
            ),
            encryption_key=args.logs_key_arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[credential]),
        )
        if args.spec.connection_available:
            aws.codebuild.Webhook(
                f"{name}-webhook",
                project_name=runner.name,
                build_type="BUILD",
                filter_groups=[
                    aws.codebuild.WebhookFilterGroupArgs(
                        filters=[
                            aws.codebuild.WebhookFilterGroupFilterArgs(
                                type="EVENT", pattern="WORKFLOW_JOB_QUEUED"
                            )
                        ]
                    )
                ],
                opts=child,
            )
        self.project_name = runner.name
        self.security_group_id = group.id
        self.connection_arn = connection.arn
        self.register_outputs(
            {
                "project_name": self.project_name,
                "security_group_id": self.security_group_id,
                "connection_arn": self.connection_arn,
            }
        )


def runner_policy(
    partition: str, region: str, account: str, log_group_arn: str, connection_arn: str, subnet_ids: list[str]
) -> dict[str, object]:
    """What a runner build itself may do: write its logs, attach to the VPC's app subnets, use the GitHub
    connection (AWS CodeBuild User Guide, "Allow CodeBuild to access AWS services required to create a VPC
    network interface"). Deploy rights come from the job's own OIDC role."""
    subnets = [f"arn:{partition}:ec2:{region}:{account}:subnet/{s}" for s in subnet_ids]
    return iam.document(
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [log_group_arn, f"{log_group_arn}:*"],
        },
        {
            "Sid": "VpcDescribe",
            "Effect": "Allow",
            "Action": [
                "ec2:CreateNetworkInterface",
                "ec2:DeleteNetworkInterface",
                "ec2:DescribeDhcpOptions",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcs",
            ],
            "Resource": "*",
        },
        {
            "Sid": "VpcAttach",
            "Effect": "Allow",
            "Action": "ec2:CreateNetworkInterfacePermission",
            "Resource": f"arn:{partition}:ec2:{region}:{account}:network-interface/*",
            "Condition": {
                "StringEquals": {"ec2:AuthorizedService": "codebuild.amazonaws.com"},
                "ArnEquals": {"ec2:Subnet": subnets},
            },
        },
        {
            "Sid": "GitHubConnection",
            "Effect": "Allow",
            "Action": [
                "codeconnections:GetConnection",
                "codeconnections:GetConnectionToken",
                "codeconnections:UseConnection",
                "codestar-connections:GetConnection",
                "codestar-connections:GetConnectionToken",
                "codestar-connections:UseConnection",
            ],
            "Resource": connection_arn,
        },
    )
