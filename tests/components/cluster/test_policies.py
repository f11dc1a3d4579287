"""IAM documents of the cluster: pure functions, no mocks."""

from __future__ import annotations

import json

from components.cluster import policies
from components.core.iam import wildcard_principals

PROVIDER = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.ap-northeast-2.amazonaws.com/id/ABC"
ISSUER = "https://oidc.eks.ap-northeast-2.amazonaws.com/id/ABC"


def test_irsa_trust_admits_exactly_one_service_account_of_one_cluster():
    trust = policies.irsa_trust(PROVIDER, ISSUER, "kube-system", "aws-load-balancer-controller")
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Federated": PROVIDER}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    # StringEquals (not StringLike): no wildcard can widen it to other service accounts.
    assert statement["Condition"] == {
        "StringEquals": {
            "oidc.eks.ap-northeast-2.amazonaws.com/id/ABC:sub": "system:serviceaccount:kube-system:aws-load-balancer-controller",
            "oidc.eks.ap-northeast-2.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
        }
    }


def test_irsa_trust_accepts_the_issuer_without_scheme():
    with_scheme = policies.irsa_trust(PROVIDER, ISSUER, "ns", "sa")
    without = policies.irsa_trust(PROVIDER, ISSUER.removeprefix("https://"), "ns", "sa")
    assert with_scheme == without


def test_cluster_role_trusts_eks_for_this_account_only():
    (statement,) = policies.eks_service_trust("123456789012")["Statement"]
    assert statement["Principal"] == {"Service": "eks.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_external_secrets_reads_only_the_named_secrets_and_decrypts_via_secrets_manager():
    key = "arn:aws:kms:ap-northeast-2:123456789012:key/secrets"
    policy = policies.external_secrets_policy(
        "aws", "ap-northeast-2", "123456789012", "prod", key, ["openai-api-key", "jwt-signing-key"]
    )
    read, decrypt = policy["Statement"]
    assert read["Resource"] == [
        "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:platform/prod/jwt-signing-key-??????",
        "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:platform/prod/openai-api-key-??????",
    ]
    assert set(read["Action"]) == {
        "secretsmanager:GetSecretValue",
        "secretsmanager:DescribeSecret",
        "secretsmanager:ListSecretVersionIds",
    }
    assert decrypt["Action"] == "kms:Decrypt"
    assert decrypt["Resource"] == key
    assert decrypt["Condition"] == {
        "StringEquals": {"kms:ViaService": "secretsmanager.ap-northeast-2.amazonaws.com"}
    }


def test_cluster_autoscaler_can_only_resize_this_clusters_groups():
    scale, discover = policies.cluster_autoscaler_policy("platform-prod")["Statement"]
    assert set(scale["Action"]) == {
        "autoscaling:SetDesiredCapacity",
        "autoscaling:TerminateInstanceInAutoScalingGroup",
    }
    assert scale["Condition"] == {
        "StringEquals": {"aws:ResourceTag/k8s.io/cluster-autoscaler/platform-prod": "owned"}
    }
    assert all(a.split(":")[1].startswith(("Describe", "Get")) for a in discover["Action"])


def test_load_balancer_controller_policy_is_the_published_v2_14_document():
    policy = policies.load_balancer_controller_policy("aws")
    assert policy["Version"] == "2012-10-17"
    assert len(policy["Statement"]) == 16
    # Actions that controller releases up to v2.14 call; a stale policy breaks reconciliation.
    assert {
        "elasticloadbalancing:DescribeListenerAttributes",
        "elasticloadbalancing:ModifyListenerAttributes",
        "elasticloadbalancing:SetRulePriorities",
        "ec2:GetSecurityGroupsForVpc",
    } <= policies.actions(policy)
    assert not wildcard_principals(policy)


def test_load_balancer_controller_policy_follows_the_partition():
    text = json.dumps(policies.load_balancer_controller_policy("aws-cn"))
    assert '"arn:aws:' not in text
    assert "arn:aws-cn:elasticloadbalancing:*:*:targetgroup/*/*" in text


def test_ebs_csi_may_grant_the_cluster_key_only_to_aws_resources():
    grant, use = policies.ebs_csi_kms_policy("arn:key")["Statement"]
    assert "kms:CreateGrant" in grant["Action"]
    assert grant["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    assert use["Resource"] == grant["Resource"] == "arn:key"


def test_cluster_role_can_use_the_cluster_key_for_envelope_encryption():
    (statement,) = policies.cluster_encryption_policy("arn:key")["Statement"]
    assert set(statement["Action"]) == {"kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"}
    assert statement["Resource"] == "arn:key"


def test_managed_and_access_policy_arns_use_the_partition():
    assert policies.managed_policy_arn("aws-us-gov", "AmazonEKSClusterPolicy") == (
        "arn:aws-us-gov:iam::aws:policy/AmazonEKSClusterPolicy"
    )
    assert policies.access_policy_arn("aws", "AmazonEKSClusterAdminPolicy") == (
        "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
    )


def test_external_secrets_reads_nothing_when_nothing_is_declared():
    key = "arn:aws:kms:ap-northeast-2:123456789012:key/secrets"
    (statement,) = policies.external_secrets_policy("aws", "ap-northeast-2", "1", "prod", key, [])[
        "Statement"
    ]
    assert statement["Effect"] == "Deny"
