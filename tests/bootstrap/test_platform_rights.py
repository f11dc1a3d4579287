"""The platform program against the CI roles the bootstrap builds for it: what every later ``up`` (as
``github-actions-<env>-platform-deploy``), every pull request's preview and the drift workflow's refresh
(as ``github-actions-<env>-platform-preview``) will call must be allowed by that role's policy *and* the
account's permissions boundary, which both roles carry.

The program side is recorded, not restated: the platform program runs for every stack under the mocks
(update mode, where the resources a real preview finds already deployed have ARNs and their data sources
run) and the checks read its invokes, resource types and role hand-overs. The AWS side is
:mod:`tests.bootstrap.iam_model` over the bootstrap's own documents. What each invoke and registry type calls
is a table below, each row naming the terraform-provider-aws source it was read from (the provider
``pulumi_aws`` bridges; the files as stored for github:hashicorp/terraform-provider-aws, see
/work/notes/issue-31-roles.md for the commits).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest

from components.bootstrap.access import (
    PASSED_TO,
    permissions_boundary_policy,
    platform_deploy_policy,
    platform_preview_policy,
)
from components.core.placeholders import leaves
from settings import stacks
from tests.bootstrap.iam_model import Request, allowed, applies, denied_by
from tests.helpers import inputs
from tools.preview import mocks, runner
from tools.preview.mocks import Recorded

PARTITION = mocks.PARTITION
ACCOUNT = mocks.ACCOUNT_ID
"""The account the mocks answer ``getCallerIdentity`` with: the recorded ARNs name it."""
BOUNDARY = permissions_boundary_policy(PARTITION, ACCOUNT, (f"arn:{PARTITION}:s3:::state",))
DEPLOY = (platform_deploy_policy(PARTITION, ACCOUNT),)
PREVIEW = (platform_preview_policy(),)
ROLES = {"deploy": DEPLOY, "preview": PREVIEW}
STACKS = stacks.stacks()


@cache
def run(stack: str) -> runner.PreviewResult:
    """The platform program of ``stack`` as a preview of the deployed stack sees it (outputs known)."""
    return runner.run_project("platform", stack, preview=False)


def recorded() -> Iterator[Recorded]:
    for stack in STACKS:
        yield from run(stack).resources


def refused(request: Request, identity: tuple[dict[str, Any], ...]) -> str | None:
    """None when the role may make the request, else why not."""
    return None if allowed(request, identity, BOUNDARY) else denied_by(request, identity, BOUNDARY)


# --- invokes: what every preview calls -------------------------------------------------------------


@dataclass(frozen=True)
class Invoke:
    actions: tuple[str, ...]
    source: str
    """The terraform-provider-aws data source's Read function the actions were read from."""


INVOKES = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": Invoke(
        ("ec2:DescribeAvailabilityZones",),
        "internal/service/ec2/ec2_availability_zones_data_source.go: conn.DescribeAvailabilityZones",
    ),
    "aws:index/getCallerIdentity:getCallerIdentity": Invoke(
        ("sts:GetCallerIdentity",),
        "internal/service/sts/caller_identity_data_source.go: findCallerIdentity -> conn.GetCallerIdentity",
    ),
    "aws:index/getPartition:getPartition": Invoke(
        (), "internal/service/meta/partition_data_source.go: Read answers from the provider, no API call"
    ),
    "aws:kms/getPublicKey:getPublicKey": Invoke(
        ("kms:GetPublicKey",), "internal/service/kms/public_key_data_source.go: conn.GetPublicKey"
    ),
    "aws:secretsmanager/getSecret:getSecret": Invoke(
        ("secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"),
        "internal/service/secretsmanager/secret_data_source.go: findSecretByID (DescribeSecret) and"
        " findSecretPolicyByID (GetResourcePolicy); the pull-through cache's credentials, found by name",
    ),
    "aws:resourcegroupstaggingapi/getResources:getResources": Invoke(
        ("tag:GetResources",),
        "internal/service/resourcegroupstaggingapi/resources_data_source.go: NewGetResourcesPaginator",
    ),
}
"""Every data source the platform program calls, and the IAM actions its Read makes."""


def invoked() -> set[str]:
    return {token for stack in STACKS for token in run(stack).calls}


def _signing_key() -> Recorded:
    (key,) = [
        r
        for r in run("prod").resources
        if r.type == "aws:kms/key:Key" and inputs(r).get("keyUsage") == "SIGN_VERIFY"
    ]
    return key


def invoke_requests(token: str) -> list[Request]:
    """The requests an invoke makes, on the resource it reads where the program names one."""
    if token == "aws:kms/getPublicKey:getPublicKey":
        key = _signing_key()
        tags = {f"aws:ResourceTag/{k}": v for k, v in (inputs(key).get("tags") or {}).items()}
        arn = f"arn:{PARTITION}:kms:ap-northeast-2:{ACCOUNT}:key/{key.name}"
        return [Request("kms:GetPublicKey", arn, tags)]
    return [Request(action) for action in INVOKES[token].actions]


def test_the_program_calls_only_data_sources_whose_iam_actions_are_known():
    calls = invoked()
    assert "aws:kms/getPublicKey:getPublicKey" in calls  # the recording sees the registry's invoke
    unknown = sorted(calls - set(INVOKES))
    assert not unknown, f"data sources without an entry in INVOKES (read their Read function): {unknown}"


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("token", sorted(INVOKES))
def test_each_role_may_make_every_call_of_the_programs_data_sources(role: str, token: str):
    if token not in invoked():
        pytest.skip(f"{token} is no longer called")
    problems = {r.action: refused(r, ROLES[role]) for r in invoke_requests(token)}
    assert not {a: p for a, p in problems.items() if p}, f"{role} role, {token}: {problems}"


def test_the_preview_role_reads_only_the_signing_keys_public_key():
    key = _signing_key()
    arn = f"arn:{PARTITION}:kms:ap-northeast-2:{ACCOUNT}:key/{key.name}"
    assert refused(Request("kms:GetPublicKey", arn, {}), PREVIEW)  # an untagged key: refused
    assert refused(Request("kms:GetPublicKey", arn, {"aws:ResourceTag/purpose": "data"}), PREVIEW)
    assert refused(Request("kms:Decrypt", arn, {"aws:ResourceTag/purpose": "image-signing"}), PREVIEW)
    assert refused(Request("kms:Sign", arn, {"aws:ResourceTag/purpose": "image-signing"}), PREVIEW)


# --- the registry's resource types: the refresh reads them, the deploy writes them -----------------


@dataclass(frozen=True)
class Rights:
    read: tuple[str, ...]
    write: tuple[str, ...]
    source: str


REGISTRY_TYPES = {
    "aws:ecr/pullThroughCacheRule:PullThroughCacheRule": Rights(
        ("ecr:DescribePullThroughCacheRules",),
        (
            "ecr:CreatePullThroughCacheRule",
            "ecr:UpdatePullThroughCacheRule",
            "ecr:DeletePullThroughCacheRule",
        ),
        "internal/service/ecr/pull_through_cache_rule.go",
    ),
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": Rights(
        ("ecr:DescribeRepositoryCreationTemplates",),
        (
            "ecr:CreateRepositoryCreationTemplate",
            "ecr:UpdateRepositoryCreationTemplate",
            "ecr:DeleteRepositoryCreationTemplate",
        ),
        "internal/service/ecr/repository_creation_template.go",
    ),
    "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration": Rights(
        ("ecr:GetRegistryScanningConfiguration",),
        ("ecr:PutRegistryScanningConfiguration",),
        "internal/service/ecr/registry_scanning_configuration.go (Delete puts BASIC)",
    ),
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": Rights(
        ("ecr:DescribeRegistry",),
        ("ecr:PutReplicationConfiguration",),
        "internal/service/ecr/replication_configuration.go (Read is DescribeRegistry; Delete puts no rules)",
    ),
    "aws:ecr/repository:Repository": Rights(
        ("ecr:DescribeRepositories", "ecr:ListTagsForResource"),
        (
            "ecr:CreateRepository",
            "ecr:DeleteRepository",
            "ecr:PutImageTagMutability",
            "ecr:PutImageScanningConfiguration",
            "ecr:TagResource",
            "ecr:UntagResource",
        ),
        "internal/service/ecr/repository.go",
    ),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": Rights(
        ("ecr:GetLifecyclePolicy",),
        ("ecr:PutLifecyclePolicy", "ecr:DeleteLifecyclePolicy"),
        "internal/service/ecr/lifecycle_policy.go",
    ),
    "aws:ecr/repositoryPolicy:RepositoryPolicy": Rights(
        ("ecr:GetRepositoryPolicy",),
        ("ecr:SetRepositoryPolicy", "ecr:DeleteRepositoryPolicy"),
        "internal/service/ecr/repository_policy.go (ECR API names; the file not re-read)",
    ),
}
"""What reading (``pulumi refresh``, the drift workflow) and writing (``pulumi up``) each registry type
calls, from the provider resource's Read and Create/Update/Delete."""


def test_every_registry_type_the_program_registers_has_its_rights_listed():
    types = {r.type for r in recorded() if r.type.startswith("aws:ecr/")}
    assert types >= {"aws:ecr/pullThroughCacheRule:PullThroughCacheRule", "aws:ecr/repository:Repository"}
    missing = sorted(types - set(REGISTRY_TYPES))
    assert not missing, (
        f"ECR types without an entry in REGISTRY_TYPES (read the provider resource): {missing}"
    )


@pytest.mark.parametrize("type_", sorted(REGISTRY_TYPES))
def test_the_preview_role_can_refresh_each_registry_type_and_the_deploy_role_manage_it(type_: str):
    rights = REGISTRY_TYPES[type_]
    problems = {
        f"{role} {action}": refused(Request(action), ROLES[role])
        for role, actions in (("preview", rights.read), ("deploy", rights.read + rights.write))
        for action in actions
    }
    assert not {k: v for k, v in problems.items() if v}, problems


def test_the_preview_role_writes_nothing_in_the_registry():
    for rights in REGISTRY_TYPES.values():
        assert all(refused(Request(action), PREVIEW) for action in rights.write), rights.write


# --- every service the program creates resources of ------------------------------------------------

SERVICE_OF_MODULE = {
    "acm": "acm",
    "appconfig": "appconfig",
    "budgets": "budgets",
    "codebuild": "codebuild",
    "codestarconnections": "codestar-connections",
    "ec2": "ec2",
    "ecr": "ecr",
    "eks": "eks",
    "elasticache": "elasticache",
    "kms": "kms",
    "lambda": "lambda",
    "rds": "rds",
    "route53": "route53",
    "s3": "s3",
    "secretsmanager": "secretsmanager",
    "sns": "sns",
    "sqs": "sqs",
    "vpc": "ec2",
    "wafv2": "wafv2",
}
"""The IAM service prefix of each ``pulumi_aws`` module the program uses (``vpc`` rules are EC2 API calls;
CloudWatch's log groups are ``logs``, see :data:`SERVICE_OF_TYPE`). IAM is not here: its rights are the
bootstrap tests' (roles only with the boundary, PassRole below)."""
SERVICE_OF_TYPE = {
    "aws:cloudwatch/logGroup:LogGroup": "logs",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "cloudwatch",
}


def service_of(type_: str) -> str | None:
    if type_ in SERVICE_OF_TYPE:
        return SERVICE_OF_TYPE[type_]
    module = type_.split(":")[1].split("/")[0]
    if module == "iam":
        return None
    assert module in SERVICE_OF_MODULE, f"{type_}: which IAM service does the {module} module call?"
    return SERVICE_OF_MODULE[module]


def test_the_deploy_role_manages_every_service_the_program_creates_resources_of():
    found = {service_of(r.type) for r in recorded() if r.custom and r.type.startswith("aws:")}
    services = sorted(s for s in found if s is not None)
    assert {"ecr", "route53", "kms"} <= set(services)
    # A service the deploy role manages whole: every action of it passes its policy and the boundary.
    problems = {s: refused(Request(f"{s}:*"), DEPLOY) for s in services}
    assert not {s: p for s, p in problems.items() if p}, problems


# --- roles the program hands to AWS services --------------------------------------------------------


def trusted_services(role: Recorded) -> list[str]:
    trust = json.loads(inputs(role)["assumeRolePolicy"])
    found: list[str] = []
    for statement in trust["Statement"]:
        service = statement.get("Principal", {}).get("Service", [])
        found += [service] if isinstance(service, str) else service
    return found


FEDERATED_PASSED_TO = {"eks": "eks.amazonaws.com"}
"""The service a role trusted only by a federated principal (IRSA: the cluster's OIDC provider) is passed
to: the API that receives it (an EKS add-on's ``serviceAccountRoleArn``)."""


def passed_to(resource: Recorded, role: Recorded) -> list[str]:
    """The ``iam:PassedToService`` values handing ``role`` to ``resource`` needs: the services the role
    trusts, or for an IRSA role the receiving API's service."""
    services = trusted_services(role)
    if services:
        return services
    module = resource.type.split(":")[1].split("/")[0]
    assert module in FEDERATED_PASSED_TO, f"{resource.name} is handed {role.name}, trusted by no service"
    return [FEDERATED_PASSED_TO[module]]


def handed_roles(stack: str) -> list[tuple[Recorded, str, Recorded]]:
    """(resource, input path, role) for every input of an AWS resource naming a role the program creates,
    outside IAM itself and outside values that are only text to the API (a JSON policy, tags)."""
    resources = run(stack).resources
    roles = {
        f"arn:{PARTITION}:mock:ap-northeast-2:{ACCOUNT}:role/{r.name}": r
        for r in resources
        if r.type == "aws:iam/role:Role"
    }
    found = []
    for resource in resources:
        if not resource.type.startswith("aws:") or resource.type.startswith("aws:iam/"):
            continue
        for path, value in leaves(inputs(resource)):
            if value in roles and not path.startswith((".policy", ".tags")):
                found.append((resource, path, roles[value]))
    return found


@pytest.mark.parametrize("stack", STACKS)
def test_every_role_the_program_hands_to_a_service_may_be_passed_to_that_service(stack: str):
    handed = handed_roles(stack)
    assert any(r.type == "aws:eks/cluster:Cluster" for r, _, _ in handed)
    problems = []
    for resource, path, role in handed:
        services = passed_to(resource, role)
        arn = f"arn:{PARTITION}:iam::{ACCOUNT}:role/{role.name}"
        for service in services:
            why = refused(Request("iam:PassRole", arn, {"iam:PassedToService": service}), DEPLOY)
            if why:
                problems.append(f"{resource.type} {resource.name}{path} -> {role.name} ({service}): {why}")
    assert not problems, "\n".join(problems)


def test_roles_are_passed_only_to_the_services_the_program_hands_roles_to():
    needed = {s for stack in STACKS for res, _, role in handed_roles(stack) for s in passed_to(res, role)}
    unused = sorted(set(PASSED_TO) - needed)
    assert not unused, f"PASSED_TO names services no resource of any stack is handed a role for: {unused}"
    arn = f"arn:{PARTITION}:iam::{ACCOUNT}:role/anything"
    assert refused(Request("iam:PassRole", arn, {"iam:PassedToService": "iam.amazonaws.com"}), DEPLOY)
    assert refused(Request("iam:PassRole", arn, {}), DEPLOY)


# --- service-linked roles and ENHANCED scanning ------------------------------------------------------

SERVICE_LINKED = {
    "aws:ecr/pullThroughCacheRule:PullThroughCacheRule": (
        "pullthroughcache.ecr.amazonaws.com",
        "AWSServiceRoleForECRPullThroughCache (ECR User Guide, 'Amazon ECR service-linked role for pull through cache')",
    ),
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": (
        "ecr.amazonaws.com",
        "AWSServiceRoleForECRTemplate (ECR User Guide, 'Amazon ECR service-linked role for repository creation templates')",
    ),
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": (
        "replication.ecr.amazonaws.com",
        "AWSServiceRoleForECRReplication (ECR User Guide, 'Amazon ECR service-linked role for replication')",
    ),
    "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration": (
        "inspector2.amazonaws.com",
        "Amazon Inspector's role (ECR User Guide, 'IAM permissions required for enhanced scanning in Amazon ECR')",
    ),
}
"""The service-linked role AWS creates, with the caller's ``iam:CreateServiceLinkedRole``, the first time
the deploy role registers each type."""
ENHANCED_SCANNING_CALLS = (
    "inspector2:Enable",
    "inspector2:Disable",
    "inspector2:ListFindings",
    "inspector2:ListAccountPermissions",
    "inspector2:ListCoverage",
)
"""ECR User Guide, "IAM permissions required for enhanced scanning in Amazon ECR": what the principal that
turns ENHANCED scanning on and off needs."""


@pytest.mark.parametrize("type_", sorted(SERVICE_LINKED))
def test_the_deploy_role_may_create_the_service_linked_role_each_registry_type_needs(type_: str):
    if not any(r.type == type_ for r in recorded()):
        pytest.skip(f"no stack registers {type_}")
    service, _ = SERVICE_LINKED[type_]
    arn = f"arn:{PARTITION}:iam::{ACCOUNT}:role/aws-service-role/{service}/AWSServiceRole"
    why = refused(Request("iam:CreateServiceLinkedRole", arn, {"iam:AWSServiceName": service}), DEPLOY)
    assert why is None, f"{type_}: {service}: {why}"
    # Only service-linked roles, only for the listed services.
    other = {"iam:AWSServiceName": "ec2.amazonaws.com"}
    assert refused(Request("iam:CreateServiceLinkedRole", arn, other), DEPLOY)
    plain = f"arn:{PARTITION}:iam::{ACCOUNT}:role/somebody"
    assert refused(Request("iam:CreateServiceLinkedRole", plain, {"iam:AWSServiceName": service}), DEPLOY)


def test_the_deploy_role_may_turn_enhanced_scanning_on_and_off_and_the_preview_role_not():
    scanning = [
        r
        for r in recorded()
        if r.type == "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
    ]
    assert {inputs(r)["scanType"] for r in scanning} == {"ENHANCED"}
    problems = {a: refused(Request(a), DEPLOY) for a in ENHANCED_SCANNING_CALLS}
    assert not {a: p for a, p in problems.items() if p}, problems
    assert all(refused(Request(a), PREVIEW) for a in ("inspector2:Enable", "inspector2:Disable"))
    assert refused(Request("inspector2:CreateFilter"), DEPLOY)  # the boundary names the actions only


def test_the_deploy_role_finds_the_upstream_registry_tokens_but_never_reads_or_changes_them():
    # ECR's service-linked role reads them (AWSECRPullThroughCache_ServiceRolePolicy); the program only looks
    # them up by name (aws:secretsmanager/getSecret: DescribeSecret, GetResourcePolicy).
    token = f"arn:{PARTITION}:secretsmanager:ap-northeast-2:{ACCOUNT}:secret:ecr-pullthroughcache/docker-hub-AbCdEf"
    for action in ("secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"):
        assert refused(Request(action, token), DEPLOY) is None
    for action in (
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "secretsmanager:DeleteSecret",
    ):
        assert refused(Request(action, token), DEPLOY)
    other = (
        f"arn:{PARTITION}:secretsmanager:ap-northeast-2:{ACCOUNT}:secret:platform/dev/openai-api-key-AbCdEf"
    )
    assert refused(Request("secretsmanager:PutSecretValue", other), DEPLOY) is None


# --- the roles the program creates stay under the boundary ------------------------------------------


def _ceiling_allows(action: str) -> bool:
    """Whether an Allow statement of the boundary without conditions covers ``action`` (a pattern such as
    ``route53:Change*`` counts when the boundary allows it literally, i.e. through ``route53:*``)."""
    return any(
        statement["Effect"] == "Allow"
        and "Condition" not in statement
        and applies(statement, Request(action))
        for statement in BOUNDARY["Statement"]
    )


@pytest.mark.parametrize("stack", STACKS)
def test_every_action_granted_to_a_role_of_the_program_is_within_the_boundary(stack: str):
    """Every inline policy of a role the platform creates (workloads, add-ons, runners, the registry's)
    grants only what the boundary lets through: an action outside it is silently dead (AWS managed
    policies attached by ARN are not read here)."""
    policies = [r for r in run(stack).resources if r.type == "aws:iam/rolePolicy:RolePolicy"]
    assert len(policies) > 10
    outside = sorted(
        {
            f"{r.name}: {action}"
            for r in policies
            for statement in json.loads(inputs(r)["policy"])["Statement"]
            if statement["Effect"] == "Allow"
            for action in (
                [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
            )
            if not _ceiling_allows(action)
        }
    )
    assert not outside, "\n".join(outside)
