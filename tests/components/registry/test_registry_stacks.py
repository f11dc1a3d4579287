"""The registry in each repository stack: a repository for every image its services stack names, with
IMMUTABLE tags, the data key, a lifecycle and a pull-only policy; ENHANCED scanning; the pull-through
cache; the signing key; Kyverno and its policy (Enforce in staging and prod, Audit in dev)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from components.registry.admission import KYVERNO_CHART, KYVERNO_NAMESPACE, POLICY_NAME
from components.registry.policies import PULL_ACTIONS, SERVICE_PREFIX
from tests.components.apps.support import validate
from tests.conftest import STACKS, stack_run
from tests.helpers import inputs, of_type, one, policy
from tools import cli
from tools.preview import runner

ACCOUNTS = {"dev": "111111111111", "staging": "222222222222", "prod": "333333333333"}
REPOSITORY = "aws:ecr/repository:Repository"
POLICY = "kubernetes:policies.kyverno.io/v1:ImageValidatingPolicy"


def services_images(stack: str) -> set[str]:
    document = YAML(typ="safe").load((runner.ROOT / "services" / f"Pulumi.{stack}.yaml").read_text())
    apps = document["config"]["services:apps"]
    return {ref for app in apps.values() for ref in (app["image"], app.get("rollbackTo")) if ref}


def repository_of(reference: str) -> str:
    path = reference.split("/", 1)[1].split("@", 1)[0]
    return path.rsplit(":", 1)[0]


@pytest.mark.parametrize("stack", STACKS)
def test_a_repository_for_every_image_the_services_stack_names(stack: str):
    repositories = of_type(stack_run(stack).resources, REPOSITORY)
    wanted = {repository_of(image) for image in services_images(stack)}
    assert {inputs(r)["name"] for r in repositories} == wanted
    assert len(wanted) == 5  # gateway, worker (convert and export share it), realtime, web, mcp
    host = f"{ACCOUNTS[stack]}.dkr.ecr.ap-northeast-2.amazonaws.com/"
    assert all(image.startswith(host) for image in services_images(stack))


@pytest.mark.parametrize("stack", STACKS)
def test_repositories_are_immutable_kms_encrypted_and_protected_by_tier(stack: str):
    resources = stack_run(stack).resources
    for repository in of_type(resources, REPOSITORY):
        values = inputs(repository)
        assert values["imageTagMutability"] == "IMMUTABLE"
        (encryption,) = values["encryptionConfigurations"]
        assert encryption["encryptionType"] == "KMS"
        assert encryption["kmsKey"].endswith(f"{stack}-keys-data")  # the environment's data key
        assert repository.protect == (stack != "dev")
        assert values["forceDelete"] == (stack == "dev")


@pytest.mark.parametrize("stack", STACKS)
def test_each_repository_has_a_lifecycle_and_a_push_pull_policy(stack: str):
    resources = stack_run(stack).resources
    repositories = {inputs(r)["name"] for r in of_type(resources, REPOSITORY)}
    lifecycles = of_type(resources, "aws:ecr/lifecyclePolicy:LifecyclePolicy")
    policies = of_type(resources, "aws:ecr/repositoryPolicy:RepositoryPolicy")
    assert len(lifecycles) == len(policies) == len(repositories)
    for document in policies:
        statements = {s["Sid"]: s for s in policy(document)["Statement"]}
        # the mocks name a role's ARN after its resource name
        assert statements["PushRoleWrites"]["Principal"]["AWS"].endswith(f"role/{stack}-images-push")
        pullers = statements["EnvironmentRolesPull"]["Principal"]["AWS"]
        assert set(statements["EnvironmentRolesPull"]["Action"]) == set(PULL_ACTIONS)
        identities = [
            r for r in of_type(resources, "aws:iam/role:Role") if r.name.startswith(f"{stack}-workload-")
        ]
        workload = [p for p in pullers if f"role/{stack}-workload-" in p]
        assert len(workload) == len(identities) > 0  # every service's and every migration's identity
        assert any(p.endswith(f"role/{stack}-cluster-node") for p in pullers)  # the kubelet
        assert any("image-admission-kyverno" in p for p in pullers)  # Kyverno reads signatures
        assert {s["Effect"] for s in statements.values() if s["Sid"].startswith("NoOther")} == {"Deny"}


@pytest.mark.parametrize("stack", STACKS)
def test_enhanced_continuous_scanning_of_the_service_repositories(stack: str):
    scanning = inputs(
        one(stack_run(stack).resources, "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration")
    )
    assert scanning["scanType"] == "ENHANCED"
    service_rule = scanning["rules"][0]
    assert service_rule["scanFrequency"] == "CONTINUOUS_SCAN"
    assert service_rule["repositoryFilters"] == [{"filter": f"{SERVICE_PREFIX}/*", "filterType": "WILDCARD"}]


def test_only_prod_replicates_to_its_dr_region():
    replication = inputs(
        one(stack_run("prod").resources, "aws:ecr/replicationConfiguration:ReplicationConfiguration")
    )
    (rule,) = replication["replicationConfiguration"]["rules"]
    assert rule["destinations"][0]["region"] == "ap-northeast-1"
    assert rule["repositoryFilters"] == [{"filter": SERVICE_PREFIX, "filterType": "PREFIX_MATCH"}]
    for stack in ("dev", "staging"):
        assert (
            of_type(stack_run(stack).resources, "aws:ecr/replicationConfiguration:ReplicationConfiguration")
            == []
        )


@pytest.mark.parametrize("stack", STACKS)
def test_pull_through_cache_rules_and_their_creation_template(stack: str):
    resources = stack_run(stack).resources
    rules = {
        inputs(r)["ecrRepositoryPrefix"]: (inputs(r)["upstreamRegistryUrl"], inputs(r).get("credentialArn"))
        for r in of_type(resources, "aws:ecr/pullThroughCacheRule:PullThroughCacheRule")
    }
    # Docker Hub and ghcr.io with the secret the account's bootstrap created, found by name: the rule names
    # the ARN the lookup answered (the mocks append Secrets Manager's 6-character suffix).
    secret = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:ecr-pullthroughcache/{}-AbC123"
    assert rules == {
        "k8s": ("registry.k8s.io", None),
        "quay": ("quay.io", None),
        "ecr-public": ("public.ecr.aws", None),
        "docker-hub": ("registry-1.docker.io", secret.format("docker-hub")),
        "ghcr": ("ghcr.io", secret.format("github-container-registry")),
    }
    (template,) = [
        inputs(t)
        for t in of_type(resources, "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate")
        if inputs(t)["appliedFors"] == ["PULL_THROUGH_CACHE"]
    ]
    assert template["prefix"] == "ROOT"
    assert json.loads(template["lifecyclePolicy"])["rules"][0]["selection"]["tagStatus"] == "untagged"


@pytest.mark.parametrize("stack", STACKS)
def test_the_nodes_may_create_the_cached_repositories_before_any_node_starts(stack: str):
    # A first pull through the cache creates the cached repository: the node role needs ecr:CreateRepository
    # on every prefix a rule caches under (the managed AmazonEC2ContainerRegistryPullOnly has none).
    resources = stack_run(stack).resources
    prefixes = {
        inputs(r)["ecrRepositoryPrefix"]
        for r in of_type(resources, "aws:ecr/pullThroughCacheRule:PullThroughCacheRule")
    }
    (grant,) = [
        r for r in of_type(resources, "aws:iam/rolePolicy:RolePolicy") if r.name.endswith("-node-image-cache")
    ]
    (node_role,) = [r for r in of_type(resources, "aws:iam/role:Role") if r.name == f"{stack}-cluster-node"]
    assert node_role.urn in grant.dependencies  # role=<the node role's name>
    (statement,) = policy(grant)["Statement"]
    assert "ecr:CreateRepository" in statement["Action"]
    assert {arn.split(":repository/")[1].removesuffix("/*") for arn in statement["Resource"]} == prefixes
    for group in of_type(resources, "aws:eks/nodeGroup:NodeGroup"):
        assert grant.urn in group.dependencies, group.name


@pytest.mark.parametrize("stack", STACKS)
def test_the_credential_secrets_are_found_by_name_and_no_secret_is_created_for_them(stack: str):
    run = stack_run(stack)
    names = {inputs(s)["name"] for s in of_type(run.resources, "aws:secretsmanager/secret:Secret")}
    assert not {n for n in names if n.startswith("ecr-pullthroughcache/")}  # the bootstrap's, not ours
    assert run.unanswered_calls == []  # the lookup (aws:secretsmanager/getSecret) is answered


@pytest.mark.parametrize("stack", STACKS)
def test_the_addons_that_allow_it_pull_through_the_cache_after_its_rules(stack: str):
    host = f"{ACCOUNTS[stack]}.dkr.ecr.ap-northeast-2.amazonaws.com"
    releases = {
        inputs(r)["name"]: r for r in of_type(stack_run(stack).resources, "kubernetes:helm.sh/v3:Release")
    }
    values = {name: json.dumps(inputs(r)["values"]) for name, r in releases.items()}
    assert f"{host}/k8s/metrics-server/metrics-server" in values["metrics-server"]
    assert f"{host}/quay" in values["argo-rollouts"]
    assert f"{host}/ecr-public/eks/aws-load-balancer-controller" in values["aws-load-balancer-controller"]
    assert f"{host}/k8s/autoscaling/cluster-autoscaler" in values["cluster-autoscaler"]
    assert f"{host}/k8s/external-dns/external-dns" in values["external-dns"]
    assert f'"registry": "{host}/quay"' in values["kube-prometheus-stack"]
    assert f'"registry": "{host}/k8s"' in values["kube-prometheus-stack"]
    assert f'"registry": "{host}/quay"' in values["alloy"]  # its config reloader
    # Docker Hub and ghcr.io through their credentialed rules in every stack
    assert f'"registry": "{host}/docker-hub"' in values["kube-prometheus-stack"]  # Grafana
    assert f'"registry": "{host}/docker-hub"' in values["alloy"]
    assert f'"registry": "{host}/docker-hub"' in values["loki"]
    assert f'"registry": "{host}/ghcr"' in values["keda"]
    assert f'"repository": "{host}/ghcr/external-secrets/external-secrets"' in values["external-secrets"]
    assert f'"registry": "{host}/ghcr"' in values["kyverno"]
    for chart, rendered in values.items():
        assert "docker.io" not in rendered, chart
        assert "ghcr.io" not in rendered, chart
    rules = {
        r.urn
        for r in of_type(stack_run(stack).resources, "aws:ecr/pullThroughCacheRule:PullThroughCacheRule")
    }
    for name in (
        "metrics-server",
        "cluster-autoscaler",
        "external-dns",
        "kube-prometheus-stack",
        "alloy",
        "loki",
        "keda",
        "external-secrets",
        "kyverno",
    ):
        assert rules <= set(releases[name].dependencies), name


@pytest.mark.parametrize("stack", STACKS)
def test_the_signing_key_is_asymmetric_sign_verify_and_the_push_role_may_sign(stack: str):
    resources = stack_run(stack).resources
    keys = [
        k for k in of_type(resources, "aws:kms/key:Key") if inputs(k)["tags"]["purpose"] == "image-signing"
    ]
    (key,) = keys
    assert (inputs(key)["keyUsage"], inputs(key)["customerMasterKeySpec"]) == ("SIGN_VERIFY", "ECC_NIST_P256")
    push = one(resources, "aws:iam/role:Role", f"{stack}-images-push")
    assert inputs(push)["name"] == f"platform-{stack}-image-push"
    trust = policy(push, "assumeRolePolicy")["Statement"][0]
    assert trust["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"] == [
        f"repo:acme/slidecraft:environment:{stack}:job_workflow_ref:acme/platform/.github/workflows/build-and-sign.yml@refs/heads/main"
    ]
    grants = {
        s["Sid"]: s
        for s in policy(one(resources, "aws:iam/rolePolicy:RolePolicy", f"{stack}-images-push"))["Statement"]
    }
    assert "kms:Sign" in grants["SignImages"]["Action"]


@pytest.mark.parametrize(
    ("stack", "actions"), [("dev", ["Audit"]), ("staging", ["Deny"]), ("prod", ["Deny"])]
)
def test_kyverno_and_the_image_policy_enforce_in_staging_and_prod_and_audit_in_dev(
    stack: str, actions: list[str]
):
    resources = stack_run(stack).resources
    release = one(resources, "kubernetes:helm.sh/v3:Release", f"{stack}-image-admission-kyverno")
    assert (inputs(release)["chart"], inputs(release)["version"]) == (KYVERNO_CHART, "3.9.0")
    assert inputs(release)["namespace"] == KYVERNO_NAMESPACE
    document = one(resources, POLICY)
    manifest = {k: inputs(document)[k] for k in ("apiVersion", "kind", "metadata", "spec")}
    manifest["metadata"] = {"name": manifest["metadata"]["name"]}
    assert manifest["metadata"]["name"] == POLICY_NAME
    assert manifest["spec"]["validationActions"] == actions
    # the key is known only once created: in a real run it is the PEM; validate with a stand-in where unknown
    validate(manifest)


def test_the_prod_platform_preview_shows_the_registry(capsys, shared_runs):
    assert cli.main(["preview", "--stack", "prod"]) == 0
    out = capsys.readouterr().out
    for token in (
        "platform:registry:ImageRegistry",
        "platform:registry:SigningKey",
        "platform:registry:PullThroughCache",
        "platform:cluster:ImageAdmission",
        "kubernetes:policies.kyverno.io/v1:ImageValidatingPolicy",
    ):
        assert token in out


def test_a_prod_services_stack_naming_docker_hub_nginx_exits_2_naming_key_and_value(tmp_path: Path, capsys):
    root = tmp_path
    (root / "infra").mkdir()
    (root / "infra" / "Pulumi.yaml").write_text(f"name: platform\nmain: {runner.ROOT / 'infra'}\n")
    (root / "services").mkdir()
    (root / "services" / "Pulumi.yaml").write_text(f"name: services\nmain: {runner.ROOT / 'services'}\n")
    shutil.copy(runner.ROOT / "infra" / "Pulumi.prod.yaml", root / "infra" / "Pulumi.prod.yaml")
    shutil.copy(runner.ROOT / "stacks.yaml", root / "stacks.yaml")  # the stack registry
    text = (runner.ROOT / "services" / "Pulumi.prod.yaml").read_text()
    web = next(line.split("image: ", 1)[1] for line in text.splitlines() if "/product/web:" in line)
    (root / "services" / "Pulumi.prod.yaml").write_text(text.replace(web, "docker.io/library/nginx:latest"))

    code = cli.main(["preview", "--stack", "prod", "--project", "services", "--project-dir", str(root)])

    err = capsys.readouterr().err
    assert code == 2
    assert (
        "services:apps.web.image: images come from this environment's registry or"
        " platform:registry.allowedRegistries (333333333333.dkr.ecr.ap-northeast-2.amazonaws.com/...,"
        " 333333333333.dkr.ecr.ap-northeast-1.amazonaws.com/...); push it there (docs/IMAGES.md) or allow its"
        " registry; got 'docker.io/library/nginx:latest'"
    ) in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("stack", "promoter"),
    [
        ("dev", "222222222222:role/platform-staging-image-push"),
        ("staging", "333333333333:role/platform-prod-image-push"),
        ("prod", None),
    ],
)
def test_the_next_environments_push_role_may_pull_to_promote(stack: str, promoter: str | None):
    # By its account's root and a condition on its ARN: ECR refuses a principal that does not exist yet, and
    # the next environment's stack (which creates that role) is deployed after this one.
    for document in of_type(stack_run(stack).resources, "aws:ecr/repositoryPolicy:RepositoryPolicy"):
        statements = policy(document)["Statement"]
        principals = [p for s in statements if s["Effect"] == "Allow" for p in _listed(s["Principal"]["AWS"])]
        assert not [
            p
            for p in principals
            if ":role/" in p and f":{ACCOUNTS[stack]}:" not in p and ":123456789012:" not in p
        ]
        promotions = [s for s in statements if s["Sid"].startswith("PromotionPull")]
        if promoter is None:
            assert promotions == []
            continue
        account = promoter.split(":", 1)[0]
        (promotion,) = promotions
        assert promotion["Principal"] == {"AWS": f"arn:aws:iam::{account}:root"}
        assert promotion["Condition"] == {"ArnEquals": {"aws:PrincipalArn": [f"arn:aws:iam::{promoter}"]}}
        assert set(promotion["Action"]) == set(PULL_ACTIONS)


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def test_prods_dr_replicas_are_created_by_a_replication_template_with_the_dr_regions_key():
    resources = stack_run("prod").resources
    (template,) = [
        t
        for t in of_type(resources, "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate")
        if inputs(t)["appliedFors"] == ["REPLICATION"]
    ]
    dr_key = next(
        k for k in of_type(resources, "aws:kms/key:Key") if inputs(k)["tags"].get("purpose") == "dr-data"
    )
    assert inputs(template)["region"] == inputs(dr_key)["region"] == "ap-northeast-1"
    assert inputs(template)["prefix"] == SERVICE_PREFIX
    assert inputs(template)["imageTagMutability"] == "IMMUTABLE"
    (encryption,) = inputs(template)["encryptionConfigurations"]
    assert encryption["encryptionType"] == "KMS"
    assert encryption["kmsKey"].endswith(f"/{dr_key.name}")  # the mocks' ARN of the DR key
    role = one(resources, "aws:iam/role:Role", "prod-images-replicas")
    assert inputs(template)["customRoleArn"].endswith(f"/{role.name}")
    assert policy(role, "assumeRolePolicy")["Statement"][0]["Principal"] == {"Service": "ecr.amazonaws.com"}
    replication = one(resources, "aws:ecr/replicationConfiguration:ReplicationConfiguration")
    assert template.urn in replication.dependencies


@pytest.mark.parametrize("stack", ["dev", "staging"])
def test_without_a_dr_region_there_is_no_replication_template(stack: str):
    templates = of_type(
        stack_run(stack).resources, "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
    )
    assert [inputs(t)["appliedFors"] for t in templates] == [["PULL_THROUGH_CACHE"]]


@pytest.mark.parametrize(
    ("stack", "below", "above"),
    [
        ("dev", None, "222222222222"),
        ("staging", "111111111111", "333333333333"),
        ("prod", "222222222222", None),
    ],
)
def test_a_promotion_reads_the_environment_belows_images_and_public_key_with_both_sides_consent(
    stack: str, below: str | None, above: str | None
):
    # The promote job (build-and-sign.yml) pulls by digest from the environment below and verifies with
    # `cosign verify --key awskms:///<its key's alias ARN>` (GetPublicKey + DescribeKey): cross-account, so
    # this push role's policy allows it and the environment below's repository and key policies consent.
    resources = stack_run(stack).resources
    (push,) = [
        r for r in of_type(resources, "aws:iam/rolePolicy:RolePolicy") if r.name == f"{stack}-images-push"
    ]
    statements = {s["Sid"]: s for s in policy(push)["Statement"]}
    if below is None:
        assert "PullFromTheEnvironmentBelow" not in statements
    else:
        source = {"111111111111": "dev", "222222222222": "staging"}[below]
        pull = statements["PullFromTheEnvironmentBelow"]
        assert pull["Resource"] == f"arn:aws:ecr:ap-northeast-2:{below}:repository/{SERVICE_PREFIX}/*"
        assert set(pull["Action"]) == set(PULL_ACTIONS)
        key = statements["ReadTheEnvironmentBelowsSigningKey"]
        assert key["Resource"] == f"arn:aws:kms:ap-northeast-2:{below}:key/*"
        assert set(key["Action"]) == {"kms:GetPublicKey", "kms:DescribeKey"}
        assert key["Condition"] == {
            "ForAnyValue:StringEquals": {"kms:ResourceAliases": f"alias/platform-{source}-image-signing"}
        }
    (signing_key,) = [
        r for r in of_type(resources, "aws:kms/key:Key") if inputs(r).get("keyUsage") == "SIGN_VERIFY"
    ]
    reads = [s for s in policy(signing_key)["Statement"] if s["Sid"].startswith("PromotionReadsPublicKey")]
    if above is None:
        assert reads == []
    else:
        (read,) = reads
        assert read["Principal"] == {"AWS": f"arn:aws:iam::{above}:root"}  # exists before that role does
        assert read["Condition"]["ArnEquals"]["aws:PrincipalArn"][0].startswith(f"arn:aws:iam::{above}:role/")
        assert set(read["Action"]) == {"kms:GetPublicKey", "kms:DescribeKey"}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            {"upstream": "docker-hub", "credentialSecret": "dockerhub"},
            "platform:registry.pullThroughCache[0].credentialSecret: must be the name of a Secrets Manager"
            " secret starting with ecr-pullthroughcache/ (ECR reads no other; a name, not an ARN: the program"
            ' finds the ARN), e.g. ecr-pullthroughcache/docker-hub; got "dockerhub"',
        ),
        (
            {"upstream": "quay", "credentialSecret": "ecr-pullthroughcache/quay"},
            "platform:registry.pullThroughCache[0]: credentialSecret 'ecr-pullthroughcache/quay': quay takes no"
            " credentials (only docker-hub, github-container-registry do); remove it",
        ),
        (
            {
                "upstream": "docker-hub",
                "credentialSecretArn": "arn:aws:secretsmanager:ap-northeast-2:333333333333:secret:ecr-pullthroughcache/docker-hub-AbCdEf",
            },
            "platform:registry.pullThroughCache[0].credentialSecretArn: unknown key",
        ),
    ],
    ids=["not-ecr-pullthroughcache", "credential-on-quay", "the-old-arn-key"],
)
def test_a_wrong_credential_secret_exits_2_naming_the_key_and_the_value(
    rule: dict, expected: str, tmp_path: Path, capsys
):
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "Pulumi.yaml").write_text(f"name: platform\nmain: {runner.ROOT / 'infra'}\n")
    shutil.copy(runner.ROOT / "stacks.yaml", tmp_path / "stacks.yaml")
    yaml = YAML()
    document = yaml.load((runner.ROOT / "infra" / "Pulumi.prod.yaml").read_text())
    document["config"]["platform:registry"]["pullThroughCache"] = [rule]
    with (tmp_path / "infra" / "Pulumi.prod.yaml").open("w") as out:
        yaml.dump(document, out)

    code = cli.main(["preview", "--stack", "prod", "--project-dir", str(tmp_path)])

    err = capsys.readouterr().err
    assert code == 2
    assert expected in err, err
    assert "Traceback" not in err
