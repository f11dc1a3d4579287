"""The IAM decision model the role checks rely on (tests/bootstrap/iam_model.py), on small documents whose
answer IAM's evaluation logic fixes (IAM User Guide, "Policy evaluation logic", "Condition operators")."""

from __future__ import annotations

import pytest

from tests.bootstrap.iam_model import ModelError, Request, allowed, denied_by, matches


def doc(*statements: dict[str, object]) -> dict[str, object]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: object, resource: object = "*", **extra: object) -> dict[str, object]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


@pytest.mark.parametrize(
    ("glob", "value", "expected"),
    [
        ("ecr:*", "ecr:DescribeRegistry", True),
        ("ecr:Describe*", "ecr:DescribeRegistry", True),
        ("ecr:Describe*", "ecr:GetLifecyclePolicy", False),
        ("ecr:Get?ifecyclePolicy", "ecr:GetLifecyclePolicy", True),
        ("ec2:*", "ecr:DescribeRegistry", False),  # no prefix leak
        ("arn:aws:iam::1:role/*", "arn:aws:iam::1:role/aws-service-role/x/y", True),
        ("arn:aws:iam::1:role/a.b", "arn:aws:iam::1:role/aXb", False),  # '.' is literal
    ],
)
def test_wildcards_match_as_iam_documents_them(glob: str, value: str, expected: bool):
    assert matches(glob, value) is expected


def test_actions_match_case_insensitively_and_resources_do_not():
    assert allowed(Request("ECR:describeregistry"), [doc(allow("ecr:DescribeRegistry"))])
    assert not allowed(
        Request("s3:GetObject", "arn:aws:s3:::Bucket/x"),
        [doc(allow("s3:GetObject", "arn:aws:s3:::bucket/*"))],
    )


def test_an_explicit_deny_wins_over_any_allow_in_either_layer():
    identity = [doc(allow("iam:*"))]
    boundary = doc(allow("*"), {"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"})
    assert not allowed(Request("iam:CreateUser"), identity, boundary)
    assert denied_by(Request("iam:CreateUser"), identity, boundary) == "explicitly denied by None"
    assert allowed(Request("iam:GetRole"), identity, boundary)


def test_the_boundary_caps_what_the_identity_allows_and_grants_nothing_itself():
    boundary = doc(allow(["ecr:*", "kms:*"]))
    assert not allowed(Request("route53:ListHostedZones"), [doc(allow("route53:*"))], boundary)
    assert denied_by(Request("route53:ListHostedZones"), [doc(allow("route53:*"))], boundary) == (
        "the permissions boundary does not allow it"
    )
    assert not allowed(Request("kms:Sign"), [doc(allow("ecr:*"))], boundary)


def test_not_action_applies_to_every_other_action():
    deny = {"Effect": "Deny", "NotAction": ["iam:Get*", "iam:List*"], "Resource": "arn:aws:iam::1:role/ci-*"}
    identity = [doc(allow("iam:*", "*"), deny)]
    assert allowed(Request("iam:GetRole", "arn:aws:iam::1:role/ci-deploy"), identity)
    assert not allowed(Request("iam:PassRole", "arn:aws:iam::1:role/ci-deploy"), identity)
    assert allowed(Request("iam:PassRole", "arn:aws:iam::1:role/workload"), identity)


def test_conditions_on_present_and_absent_keys():
    passing = allow(
        "iam:PassRole", Condition={"StringEquals": {"iam:PassedToService": ["ecr.amazonaws.com"]}}
    )
    assert allowed(
        Request("iam:PassRole", context={"iam:PassedToService": "ecr.amazonaws.com"}), [doc(passing)]
    )
    assert not allowed(
        Request("iam:PassRole", context={"iam:PassedToService": "s3.amazonaws.com"}), [doc(passing)]
    )
    assert not allowed(Request("iam:PassRole"), [doc(passing)])  # key absent: StringEquals is false
    # Keys are case-insensitive.
    assert allowed(
        Request("iam:PassRole", context={"IAM:passedtoservice": "ecr.amazonaws.com"}), [doc(passing)]
    )
    # A negated operator holds when the key is absent (the boundary's DenyRolesWithoutThisBoundary shape).
    deny = {
        "Effect": "Deny",
        "Action": "iam:CreateRole",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"iam:PermissionsBoundary": "arn:b"}},
    }
    identity = [doc(allow("iam:CreateRole"), deny)]
    assert not allowed(Request("iam:CreateRole"), identity)
    assert allowed(Request("iam:CreateRole", context={"iam:PermissionsBoundary": "arn:b"}), identity)
    liked = allow("rds:CopyDBSnapshot", Condition={"StringLike": {"kms:ViaService": "rds.*.amazonaws.com"}})
    assert allowed(
        Request("rds:CopyDBSnapshot", context={"kms:ViaService": "rds.eu-west-1.amazonaws.com"}), [doc(liked)]
    )
    any_value = allow(
        "kms:DescribeKey", Condition={"ForAnyValue:StringEquals": {"kms:ResourceAliases": ["alias/a"]}}
    )
    assert allowed(
        Request("kms:DescribeKey", context={"kms:ResourceAliases": ["alias/b", "alias/a"]}), [doc(any_value)]
    )
    assert not allowed(
        Request("kms:DescribeKey", context={"kms:ResourceAliases": ["alias/b"]}), [doc(any_value)]
    )


def test_an_operator_outside_the_model_fails_rather_than_guessing():
    odd = allow("s3:GetObject", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
    with pytest.raises(ModelError):
        allowed(Request("s3:GetObject"), [doc(odd)])
    with pytest.raises(ModelError):
        allowed(Request("s3:GetObject"), [doc({"Effect": "Allow", "Action": "s3:GetObject"})])
