"""The platform add-ons: Helm releases at pinned versions, IRSA roles scoped to their service accounts,
the secret store and the ExternalSecrets monitoring reads."""

from __future__ import annotations

import pytest

from tests.components.cluster.build import DATA_KEY, REGION, SECRETS_KEY, build
from tests.components.cluster.specs import cluster_config
from tests.helpers import inputs, of_type, one, policy
from tools.preview.mocks import ACCOUNT_ID

RELEASE = "kubernetes:helm.sh/v3:Release"
ROLE = "aws:iam/role:Role"
EXPECTED_RELEASES = {
    "aws-load-balancer-controller": ("kube-system", "1.14.0", "https://aws.github.io/eks-charts"),
    "metrics-server": ("kube-system", "3.13.0", "https://kubernetes-sigs.github.io/metrics-server/"),
    "argo-rollouts": ("argo-rollouts", "2.40.2", "https://argoproj.github.io/argo-helm"),
    "external-secrets": ("external-secrets", "1.0.0", "https://charts.external-secrets.io"),
    "kube-prometheus-stack": (
        "monitoring",
        "79.7.1",
        "https://prometheus-community.github.io/helm-charts",
    ),
    "loki": ("monitoring", "6.46.0", "https://grafana.github.io/helm-charts"),
    "alloy": ("monitoring", "1.2.0", "https://grafana.github.io/helm-charts"),
    "keda": ("keda", "2.17.2", "https://kedacore.github.io/charts"),
    "cluster-autoscaler": ("kube-system", "9.53.0", "https://kubernetes.github.io/autoscaler"),
}


@pytest.fixture
def recorded(mock_runtime):
    return build(mock_runtime)


def releases(recorded):
    return {inputs(r)["name"]: inputs(r) for r in of_type(recorded, RELEASE)}


def test_every_addon_is_a_helm_release_with_its_pinned_chart(recorded):
    found = {
        name: (r["namespace"], r["version"], r["repositoryOpts"]["repo"])
        for name, r in releases(recorded).items()
    }
    assert found == EXPECTED_RELEASES
    assert all(r["createNamespace"] is False and r["atomic"] is True for r in releases(recorded).values())


def test_a_disabled_addon_is_not_installed(mock_runtime):
    addons = cluster_config()["addons"]
    addons["keda"]["enabled"] = False
    addons["alloy"]["enabled"] = False
    recorded = build(mock_runtime, addons=addons)
    assert set(releases(recorded)) == set(EXPECTED_RELEASES) - {"keda", "alloy"}
    namespaces = {inputs(r)["metadata"]["name"] for r in of_type(recorded, "kubernetes:core/v1:Namespace")}
    assert "keda" not in namespaces


@pytest.mark.parametrize(
    ("role", "subject"),
    [
        (
            "test-addons-aws-load-balancer-controller",
            "system:serviceaccount:kube-system:aws-load-balancer-controller",
        ),
        ("test-addons-external-secrets", "system:serviceaccount:external-secrets:external-secrets"),
        ("test-addons-cluster-autoscaler", "system:serviceaccount:kube-system:cluster-autoscaler"),
    ],
)
def test_addon_roles_trust_exactly_their_service_account(recorded, role, subject):
    (statement,) = policy(one(recorded, ROLE, role), "assumeRolePolicy")["Statement"]
    condition = statement["Condition"]["StringEquals"]
    issuer = one(recorded, "aws:iam/openIdConnectProvider:OpenIdConnectProvider").inputs["url"]
    host = issuer.removeprefix("https://")
    assert condition == {f"{host}:sub": subject, f"{host}:aud": "sts.amazonaws.com"}
    assert statement["Principal"]["Federated"].startswith("arn:")


@pytest.mark.parametrize(
    ("release", "path"),
    [
        ("aws-load-balancer-controller", ("serviceAccount",)),
        ("external-secrets", ("serviceAccount",)),
        ("cluster-autoscaler", ("rbac", "serviceAccount")),
    ],
)
def test_releases_annotate_their_service_account_with_their_role(recorded, release, path):
    values = releases(recorded)[release]["values"]
    for key in path:
        values = values[key]
    assert values["annotations"]["eks.amazonaws.com/role-arn"].endswith(f"/test-addons-{release}")


def test_external_secrets_reads_only_the_declared_secrets_and_decrypts_with_the_secrets_key(recorded):
    read, decrypt = policy(one(recorded, "aws:iam/rolePolicy:RolePolicy", "test-addons-external-secrets"))[
        "Statement"
    ]
    # The add-ons' own (Grafana, Slack) and what the product's workloads declare; not platform/test/*.
    prefix = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:platform/test/"
    assert read["Resource"] == [
        f"{prefix}grafana-admin-password-??????",
        f"{prefix}jwt-signing-key-??????",
        f"{prefix}slack-webhook-url-??????",
    ]
    assert decrypt["Resource"] == SECRETS_KEY


def test_load_balancer_controller_role_carries_the_published_policy(recorded):
    document = policy(
        one(recorded, "aws:iam/rolePolicy:RolePolicy", "test-addons-aws-load-balancer-controller")
    )
    assert len(document["Statement"]) == 16


def test_cluster_secret_store_is_named_aws_secrets_manager_and_waits_for_the_operator(recorded):
    store = one(recorded, "kubernetes:external-secrets.io/v1:ClusterSecretStore")
    assert inputs(store)["metadata"]["name"] == "aws-secrets-manager"
    assert inputs(store)["spec"] == {
        "provider": {"aws": {"service": "SecretsManager", "region": "ap-northeast-2"}},
        # Only the namespaces that read secrets through it: an ExternalSecret elsewhere is refused.
        "conditions": [{"namespaces": ["monitoring", "product"]}],
    }
    operator = one(recorded, RELEASE, "test-addons-external-secrets")
    assert operator.urn in store.dependencies


def test_alertmanager_slack_webhook_comes_from_secrets_manager(recorded):
    secrets = {
        inputs(r)["metadata"]["name"]: inputs(r)
        for r in of_type(recorded, "kubernetes:external-secrets.io/v1:ExternalSecret")
    }
    slack = secrets["alertmanager-slack"]
    assert slack["metadata"]["namespace"] == "monitoring"
    assert slack["spec"]["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "aws-secrets-manager"}
    assert slack["spec"]["data"] == [
        {"secretKey": "webhook-url", "remoteRef": {"key": "platform/test/slack-webhook-url"}}
    ]
    grafana = secrets["grafana-admin"]
    assert grafana["spec"]["data"][0]["remoteRef"] == {"key": "platform/test/grafana-admin-password"}


def test_prometheus_is_installed_after_its_secrets_are_synced(recorded):
    prometheus = one(recorded, RELEASE, "test-addons-kube-prometheus-stack")
    for secret in of_type(recorded, "kubernetes:external-secrets.io/v1:ExternalSecret"):
        assert secret.urn in prometheus.dependencies


def test_releases_wait_for_nodes_and_core_addons(recorded):
    group = one(recorded, "aws:eks/nodeGroup:NodeGroup")
    coredns = next(r for r in of_type(recorded, "aws:eks/addon:Addon") if inputs(r)["addonName"] == "coredns")
    for release in of_type(recorded, RELEASE):
        assert {group.urn, coredns.urn} <= set(release.dependencies)


def test_alloy_starts_after_loki(recorded):
    assert (
        one(recorded, RELEASE, "test-addons-loki").urn
        in one(recorded, RELEASE, "test-addons-alloy").dependencies
    )


def _s3_loki(mock_runtime):
    addons = cluster_config()["addons"]
    addons["loki"]["storage"] = "s3"
    return build(mock_runtime, addons=addons)


def test_loki_on_s3_gets_its_own_encrypted_bucket_and_a_role_limited_to_it(mock_runtime):
    recorded = _s3_loki(mock_runtime)
    bucket = one(recorded, "aws:s3/bucket:Bucket", "test-addons-logs")
    assert inputs(bucket)["bucket"] == f"platform-test-loki-{ACCOUNT_ID}"
    encryption = inputs(
        one(
            recorded, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
        )
    )
    default = encryption["rules"][0]["applyServerSideEncryptionByDefault"]
    assert default == {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": DATA_KEY}
    access = inputs(one(recorded, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"))
    assert all(
        access[k]
        for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    role = one(recorded, "aws:iam/role:Role", "test-addons-logs-loki")
    subjects = policy(role, "assumeRolePolicy")["Statement"][0]["Condition"]["StringEquals"]
    assert "system:serviceaccount:monitoring:loki" in subjects.values()
    granted = policy(one(recorded, "aws:iam/rolePolicy:RolePolicy", "test-addons-logs-loki"))["Statement"]
    resources = {
        r for s in granted for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])
    }
    arn = f"arn:aws:mock:{REGION}:{ACCOUNT_ID}:bucket/test-addons-logs"  # the mocks' ARN of that bucket
    assert resources == {arn, f"{arn}/*", DATA_KEY}
    actions = {a for s in granted for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert actions == {
        "s3:ListBucket",
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "kms:Decrypt",
        "kms:GenerateDataKey",
    }
    values = inputs(one(recorded, RELEASE, "test-addons-loki"))["values"]
    assert values["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"].endswith(
        ":role/test-addons-logs-loki"
    )
    assert values["loki"]["storage"]["bucketNames"]["chunks"] == f"platform-test-loki-{ACCOUNT_ID}"


def test_loki_on_the_filesystem_creates_no_bucket(recorded):
    assert not [r for r in of_type(recorded, "aws:s3/bucket:Bucket") if "logs" in r.name]
