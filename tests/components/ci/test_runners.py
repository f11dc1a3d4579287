"""The in-VPC CI runners: a CodeBuild runner project in the app subnets whose own rights end at its logs."""

from __future__ import annotations

import pulumi
import pytest

from components.ci.runners import BUILD_TIMEOUT_MINUTES, CiRunners, CiRunnersArgs, RunnersSpec
from components.core.context import AwsContext
from tests.helpers import inputs, of_type, one, policy
from tools.preview.mocks import ACCOUNT_ID

REGION = "ap-northeast-2"
LOGS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/logs"
SUBNETS = ["subnet-app-0", "subnet-app-1"]


@pytest.fixture
def recorded(mock_runtime):
    def program() -> None:
        ctx = AwsContext(REGION, pulumi.Output.from_input(ACCOUNT_ID), pulumi.Output.from_input("aws"))
        spec = RunnersSpec.model_validate({"githubRepository": "acme/platform", "connectionAvailable": True})
        CiRunners("prod-runners", CiRunnersArgs(spec, ctx, "prod", "vpc-1", SUBNETS, LOGS_KEY))

    return mock_runtime.run(program)


def test_the_runner_project_is_named_for_the_workflows_runs_on_label(recorded):
    project = inputs(one(recorded, "aws:codebuild/project:Project"))
    assert project["name"] == "platform-prod-runner"  # runs-on: codebuild-platform-<stack>-runner-...
    assert project["source"]["location"] == "https://github.com/acme/platform.git"
    assert project["source"]["auth"]["type"] == "CODECONNECTIONS"
    webhook = inputs(one(recorded, "aws:codebuild/webhook:Webhook"))
    assert webhook["filterGroups"] == [{"filters": [{"type": "EVENT", "pattern": "WORKFLOW_JOB_QUEUED"}]}]


def test_runners_live_in_the_app_subnets_with_no_ingress(recorded):
    project = inputs(one(recorded, "aws:codebuild/project:Project"))
    assert project["vpcConfig"]["subnets"] == SUBNETS
    assert not of_type(recorded, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    (egress,) = of_type(recorded, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    assert (inputs(egress)["fromPort"], inputs(egress)["toPort"]) == (443, 443)


def test_a_runner_build_outlives_the_longest_job_and_logs_under_the_logs_key(recorded):
    project = inputs(one(recorded, "aws:codebuild/project:Project"))
    assert project["buildTimeout"] == BUILD_TIMEOUT_MINUTES
    assert project["encryptionKey"] == LOGS_KEY
    group = inputs(one(recorded, "aws:cloudwatch/logGroup:LogGroup"))
    assert group["kmsKeyId"] == LOGS_KEY
    assert group["name"] == "/aws/codebuild/platform-prod-runner"


def test_the_runner_role_can_only_log_attach_to_the_vpc_and_use_the_connection(recorded):
    statements = policy(one(recorded, "aws:iam/rolePolicy:RolePolicy"), "policy")["Statement"]
    actions = {
        a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert not [a for a in actions if a.split(":")[0] in ("iam", "eks", "s3", "sts", "secretsmanager", "kms")]
    attach = next(s for s in statements if s["Sid"] == "VpcAttach")
    assert attach["Condition"]["ArnEquals"]["ec2:Subnet"] == [
        f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:subnet/{s}" for s in SUBNETS
    ]
    trust = policy(one(recorded, "aws:iam/role:Role"), "assumeRolePolicy")["Statement"][0]
    assert trust["Principal"] == {"Service": "codebuild.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}}


@pytest.mark.parametrize("repository", ["acme", "acme/platform/x", "acme/platform\n", "*/platform"])
def test_the_repository_must_be_owner_slash_name(repository):
    with pytest.raises(ValueError, match="owner/name"):
        RunnersSpec.model_validate({"githubRepository": repository})


def test_no_webhook_until_the_connection_is_available(mock_runtime):
    # CreateWebhook needs a working connection; a new one is PENDING until completed in the console.
    def program() -> None:
        ctx = AwsContext(REGION, pulumi.Output.from_input(ACCOUNT_ID), pulumi.Output.from_input("aws"))
        spec = RunnersSpec.model_validate({"githubRepository": "acme/platform"})
        CiRunners("prod-runners", CiRunnersArgs(spec, ctx, "prod", "vpc-1", SUBNETS, LOGS_KEY))

    recorded = mock_runtime.run(program)
    assert of_type(recorded, "aws:codebuild/webhook:Webhook") == []
    assert (
        inputs(one(recorded, "aws:codestarconnections/connection:Connection"))["name"]
        == "platform-prod-runner-github"
    )
