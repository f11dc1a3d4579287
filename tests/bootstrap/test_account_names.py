"""No two stacks of one AWS account create the same account-wide name: IAM roles, service-linked roles,
policies and OIDC providers, KMS aliases, buckets, log groups, secrets, and the account's singletons
(GuardDuty detector, Security Hub). Each project (bootstrap, platform, services) is tested alone; this
reads the resources each one's run recorded, for every stack, grouped by the account each deploys to
(``bootstrap:accountId``, ``platform:accountId``; the services deploy into their platform's account).
A name taken twice is a first ``up`` that fails on ``EntityAlreadyExists``/``AlreadyExistsException``.
"""

from __future__ import annotations

import collections
from typing import Any

import pytest

from settings import stackfile
from settings.stacks import Project, project_dir, stacks
from tests.bootstrap.test_bootstrap import BOOTSTRAP, bootstrap_run
from tests.conftest import stack_run
from tools.preview.mocks import Recorded

NAMED_BY = {
    "aws:iam/role:Role": "name",
    "aws:iam/policy:Policy": "name",
    "aws:iam/instanceProfile:InstanceProfile": "name",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "url",
    "aws:kms/alias:Alias": "name",
    "aws:s3/bucket:Bucket": "bucket",
    "aws:s3/bucketV2:BucketV2": "bucket",
    "aws:cloudwatch/logGroup:LogGroup": "name",
    "aws:secretsmanager/secret:Secret": "name",
    "aws:cloudtrail/trail:Trail": "name",
    "aws:codestarconnections/connection:Connection": "name",
    "aws:codebuild/project:Project": "name",
    "aws:lambda/function:Function": "name",
    "aws:eks/cluster:Cluster": "name",
}
"""Resource type -> the input holding its name, unique in the account (and region)."""
SINGLETONS = {
    "aws:guardduty/detector:Detector",
    "aws:securityhub/account:Account",
    "aws:ebs/encryptionByDefault:EncryptionByDefault",
    "aws:iam/accountPasswordPolicy:AccountPasswordPolicy",
}
"""Resource types an account (region) has at most one of."""


def account_names(resource: Recorded) -> list[str]:
    """The account-wide names ``resource`` takes (none when the provider generates its name)."""
    if resource.type in SINGLETONS:
        return [resource.type]
    if resource.type == "aws:iam/serviceLinkedRole:ServiceLinkedRole":
        suffix = resource.inputs.get("customSuffix")
        return [f"service-linked role of {resource.inputs['awsServiceName']}{'_' + suffix if suffix else ''}"]
    key = NAMED_BY.get(resource.type)
    value: Any = resource.inputs.get(key) if key else None
    return [f"{resource.type} {value}"] if isinstance(value, str) else []


def _account(project: str, stack: str) -> str:
    if project == "bootstrap":
        return str(stackfile.read_stack_file(stack, BOOTSTRAP).config["bootstrap:accountId"])
    return str(stackfile.read_stack_file(stack, project_dir(Project.PLATFORM)).config["platform:accountId"])


def _runs() -> list[tuple[str, str, list[Recorded]]]:
    found = [("bootstrap", s, bootstrap_run(s).resources) for s in stacks(Project.PLATFORM)]
    for project in Project:
        found += [(str(project), s, stack_run(s, False, str(project)).resources) for s in stacks(project)]
    return found


def collisions(runs: list[tuple[str, str, list[Recorded]]]) -> list[str]:
    taken: dict[tuple[str, str], list[str]] = collections.defaultdict(list)
    for project, stack, resources in runs:
        account = _account(project, stack)
        for resource in resources:
            for name in account_names(resource):
                taken[(account, name)].append(f"{project}/{stack} {resource.name}")
    return [
        f"account {account}: {name} is created by {' and '.join(owners)}"
        for (account, name), owners in sorted(taken.items())
        if len(owners) > 1
    ]


def test_every_stack_of_every_project_is_read():
    read = {(project, stack) for project, stack, _ in _runs()}
    assert {("bootstrap", s) for s in stacks()} <= read
    assert {("services", s) for s in stacks(Project.SERVICES)} <= read


def test_no_two_stacks_of_one_account_create_the_same_account_wide_name():
    found = collisions(_runs())
    assert not found, "\n".join(found)


@pytest.mark.parametrize("stack", stacks())
def test_the_autoscaling_service_linked_role_exists_once_per_account(stack):
    # The cluster key's policy names it (a key policy may only name principals that exist): some stack of
    # the account must create it, and only one.
    runs = [(p, s, r) for p, s, r in _runs() if _account(p, s) == _account("platform", stack)]
    names = [n for _, _, resources in runs for r in resources for n in account_names(r)]
    assert names.count("service-linked role of autoscaling.amazonaws.com") == 1
