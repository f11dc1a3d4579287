"""The bootstrap project: its pure policies, its settings, and the program run under mocks exactly as
the language host runs ``bootstrap/`` (one stack per environment's account)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from components.bootstrap.access import permissions_boundary_policy
from components.bootstrap.github_oidc import DEPLOY_MAX_SESSION_SECONDS, Kind, role_name
from components.bootstrap.policies import (
    github_subject,
    job_workflow_ref,
    preview_trust,
    state_access,
    tls_only_bucket_policy,
)
from components.bootstrap.spec import PROJECTS, BootstrapConfigError, parse
from policy.catalog import evaluate
from settings import stackfile, stacks
from tests.helpers import inputs, of_type, one, policy
from tools.preview import runner
from tools.preview.mocks import Recorded

ROOT = Path(__file__).resolve().parents[2]
BOOTSTRAP = ROOT / "bootstrap"
REPO = "acme/platform"
STACKS = stacks.stacks()
OIDC = "token.actions.githubusercontent.com"
BUCKET = "arn:aws:s3:::state"
REQUIRED = {
    "accountId": "111111111111",
    "tier": "dev",
    "githubRepository": REPO,
    "stateBucketName": "acme-state",
}


@cache
def bootstrap_run(stack: str, extra: tuple[tuple[str, str], ...] = ()) -> runner.PreviewResult:
    stack_file = stackfile.read_stack_file(stack, BOOTSTRAP)
    if extra:
        stack_file = stackfile.StackFile(
            **{**vars(stack_file), "config": {**stack_file.config, **dict(extra)}}
        )
    return runner.run_program(stack_file, preview=False, root=BOOTSTRAP)


def resources(stack: str = "prod") -> list[Recorded]:
    return bootstrap_run(stack).resources


def statements(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in document["Statement"]}


def actions(statement: dict[str, Any]) -> list[str]:
    value = statement.get("Action", [])
    return [value] if isinstance(value, str) else list(value)


# --- pure policies -----------------------------------------------------------------------------------


def test_subject_carries_the_environment_and_the_job_workflow_ref_in_githubs_template_format():
    # GitHub docs ("Customizing the subject claims"): repo:<repo>:environment:<env>:job_workflow_ref:<ref>
    assert job_workflow_ref(REPO, ".github/workflows/deploy.yml") == (
        "acme/platform/.github/workflows/deploy.yml@refs/heads/main"
    )
    assert github_subject(REPO, "prod", ".github/workflows/deploy.yml") == (
        "repo:acme/platform:environment:prod:job_workflow_ref:acme/platform/.github/workflows/deploy.yml@refs/heads/main"
    )


def test_preview_trust_admits_only_the_preview_workflow_of_this_repository():
    trust = preview_trust("arn:provider", REPO, "dev-preview", ".github/workflows/preview.yml")
    (statement,) = trust["Statement"]
    assert statement["Condition"]["StringEquals"] == {f"{OIDC}:aud": "sts.amazonaws.com"}
    subjects = statement["Condition"]["StringLike"][f"{OIDC}:sub"]
    assert subjects == [
        "repo:acme/platform:environment:dev-preview:job_workflow_ref:acme/platform/.github/workflows/preview.yml@refs/heads/main",
        "repo:acme/platform:environment:dev-preview:job_workflow_ref:acme/platform/.github/workflows/preview.yml@refs/pull/*/merge",
    ]


def test_preview_trust_admits_the_drift_workflow_from_main_only():
    trust = preview_trust(
        "arn:provider",
        REPO,
        "prod-preview",
        ".github/workflows/preview.yml",
        (".github/workflows/drift.yml",),
    )
    subjects = trust["Statement"][0]["Condition"]["StringLike"][f"{OIDC}:sub"]
    drift = [s for s in subjects if "drift.yml" in s]
    assert drift == [
        "repo:acme/platform:environment:prod-preview:job_workflow_ref:acme/platform/.github/workflows/drift.yml@refs/heads/main"
    ]


def test_bucket_policy_denies_requests_without_tls():
    denies = statements(tls_only_bucket_policy(BUCKET))
    assert denies["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert denies["DenyOutdatedTls"]["Condition"] == {"NumericLessThan": {"s3:TlsVersion": "1.2"}}
    assert denies["DenyInsecureTransport"]["Resource"] == [BUCKET, f"{BUCKET}/*"]


def test_preview_state_access_reads_only_its_own_checkpoint_and_never_writes_or_encrypts():
    document = state_access(
        BUCKET, "arn:state-key", "arn:dev-key", "platform", "dev", region="r", write=False
    )
    by_sid = statements(document)
    assert by_sid["ReadStackState"]["Resource"] == [
        f"{BUCKET}/.pulumi/stacks/platform/dev.json*",
        f"{BUCKET}/.pulumi/meta.yaml",
    ]
    granted = [a for s in document["Statement"] if s["Effect"] == "Allow" for a in actions(s)]
    assert not [a for a in granted if a in ("s3:PutObject", "s3:DeleteObject") or a.startswith("kms:Encrypt")]
    assert "kms:GenerateDataKey" not in granted
    deny = by_sid["DenyOtherObjects"]
    assert deny["Effect"] == "Deny"
    assert "s3:GetObject" in deny["Action"]
    assert deny["NotResource"] == sorted(by_sid["ReadStackState"]["Resource"])
    assert by_sid["StackSecretsKey"] == {
        "Sid": "StackSecretsKey",
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": "arn:dev-key",
    }


def test_deploy_state_access_writes_only_its_own_stack_and_locks():
    document = state_access(BUCKET, "arn:state-key", "arn:dev-key", "services", "dev", region="r", write=True)
    writes = statements(document)["WriteStackState"]["Resource"]
    assert all("/services/dev" in w for w in writes)
    assert not any("/platform/" in w or "/prod" in w for w in writes)


def test_the_state_key_is_usable_only_through_s3_for_the_state_bucket():
    statement = statements(
        state_access(
            BUCKET, "arn:state-key", "arn:k", "platform", "dev", region="ap-northeast-2", write=False
        )
    )["StateKeyThroughS3"]
    assert statement["Condition"]["StringEquals"] == {
        "kms:ViaService": "s3.ap-northeast-2.amazonaws.com",
        "kms:EncryptionContext:aws:s3:arn": BUCKET,
    }


def test_the_boundary_denies_roles_without_itself_and_long_lived_credentials():
    by_sid = statements(permissions_boundary_policy("aws", "111111111111", (BUCKET,)))
    assert by_sid["DenyRolesWithoutThisBoundary"]["Condition"] == {
        "StringNotEquals": {
            "iam:PermissionsBoundary": "arn:aws:iam::111111111111:policy/platform-permissions-boundary"
        }
    }
    assert "iam:CreateRole" in by_sid["DenyRolesWithoutThisBoundary"]["Action"]
    assert "iam:CreateAccessKey" in by_sid["DenyLongLivedCredentials"]["Action"]
    assert "iam:DeleteRolePermissionsBoundary" in by_sid["DenyBoundaryRemovalOrEdit"]["Action"]
    assert by_sid["DenyStateAndAuditBucketChanges"]["Resource"] == [BUCKET]


# --- settings ----------------------------------------------------------------------------------------


def test_settings_read_from_the_stack_file_with_their_defaults():
    spec = parse(REQUIRED)
    assert spec.protect is True
    assert spec.existing_oidc_provider_arn is None
    assert spec.create_autoscaling_service_linked_role is True
    assert set(spec.deploy_workflows) == set(PROJECTS)
    assert spec.audit_bucket_name == "acme-state-audit"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {k: v for k, v in REQUIRED.items() if k != "accountId"},
            "bootstrap:accountId: required, but not set",
        ),
        ({**REQUIRED, "accountId": "12345"}, "bootstrap:accountId: must be a 12-digit AWS account id"),
        ({**REQUIRED, "githubRepository": "acme/*"}, "bootstrap:githubRepository: must be owner/name"),
        (
            {**REQUIRED, "stateBucketName": "Acme_State"},
            "bootstrap:stateBucketName: must be a valid S3 bucket name",
        ),
        (
            {**REQUIRED, "keyDeletionWindowDays": 3},
            "bootstrap:keyDeletionWindowDays: Input should be greater",
        ),
        (
            {**REQUIRED, "deployPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"]},
            "bootstrap:deployPolicyArns: unknown key",
        ),
        (
            {**REQUIRED, "previewWorkflow": ".github/workflows/*.yml"},
            "bootstrap:previewWorkflow: must be a path",
        ),
        (
            {**REQUIRED, "deployWorkflows": {"services": [".github/workflows/deploy.yml"]}},
            "bootstrap:deployWorkflows: must name the workflows of platform and at most these projects",
        ),
        (
            {**REQUIRED, "deployWorkflows": {"platform": [".github/workflows/deploy.yml"], "other": []}},
            "bootstrap:deployWorkflows: must name the workflows of platform and at most these projects",
        ),
        (
            {**REQUIRED, "drillAccountId": "111111111111"},
            "bootstrap:drillAccountId: the restore drill runs in an account of its own",
        ),
        (
            {**REQUIRED, "existingOidcProviderArn": f"arn:aws:iam::222222222222:oidc-provider/{OIDC}"},
            "bootstrap:existingOidcProviderArn: is in account 222222222222, not accountId 111111111111",
        ),
        ({**REQUIRED, "region": "Seoul"}, "bootstrap:region: must be an AWS region such as ap-northeast-2"),
    ],
)
def test_invalid_settings_are_refused_naming_the_key_and_value(values: dict[str, object], message: str):
    with pytest.raises(BootstrapConfigError) as caught:
        parse(values)
    assert any(p.startswith(message) for p in caught.value.problems), caught.value.problems


# --- one bootstrap per environment's account ---------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_each_environment_has_a_bootstrap_stack_for_the_same_account(stack: str):
    platform = stacks.read(stack).config
    bootstrap = stackfile.read_stack_file(stack, BOOTSTRAP).config
    assert bootstrap["bootstrap:accountId"] == platform["platform:accountId"]
    assert bootstrap["bootstrap:tier"] == platform["platform:tier"]


def test_environments_live_in_different_accounts():
    accounts = [stacks.read(s).config["platform:accountId"] for s in STACKS]
    assert len(set(accounts)) == len(accounts)


@pytest.mark.parametrize("stack", STACKS)
def test_the_provider_refuses_any_account_but_the_environments(stack: str):
    (aws,) = [r for r in resources(stack) if r.type == "pulumi:providers:aws"]
    assert json.loads(inputs(aws)["allowedAccountIds"]) == [
        stackfile.read_stack_file(stack, BOOTSTRAP).config["bootstrap:accountId"]
    ]


# --- the program under mocks --------------------------------------------------------------------------


def test_state_bucket_is_versioned_encrypted_with_its_cmk_private_and_protected():
    found = resources()
    bucket = one(found, "aws:s3/bucket:Bucket", "pulumi-state")
    assert inputs(bucket)["bucket"] == "acme-platform-prod-pulumi-state"
    assert bucket.protect
    versioning = inputs(one(found, "aws:s3/bucketVersioning:BucketVersioning", "pulumi-state-versioning"))
    assert versioning["versioningConfiguration"] == {"status": "Enabled"}
    (rule,) = inputs(
        one(
            found,
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "pulumi-state-encryption",
        )
    )["rules"]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"
    assert rule["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"].endswith("key/pulumi-state-state")
    tls = policy(one(found, "aws:s3/bucketPolicy:BucketPolicy", "pulumi-state-tls-only"))
    assert set(statements(tls)) == {"DenyInsecureTransport", "DenyOutdatedTls"}


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("project", PROJECTS)
def test_each_stacks_secrets_provider_names_its_own_rotating_bootstrap_key(stack: str, project: str):
    project_dir = stacks.project_dir(project)
    line = (project_dir / f"Pulumi.{stack}.yaml").read_text().split("secretsprovider: ", 1)[1].split("\n")[0]
    alias = line.removeprefix("awskms://").split("?")[0]
    aliases = {inputs(a)["name"] for a in of_type(resources(stack), "aws:kms/alias:Alias")}
    assert alias in aliases
    key = one(resources(stack), "aws:kms/key:Key", f"pulumi-state-{project}-{stack}-pulumi")
    assert inputs(key)["enableKeyRotation"] is True
    assert key.protect
    assert bootstrap_run(stack).outputs["secrets_providers"][project] == line


def test_github_oidc_provider_trusts_the_actions_issuer_for_sts():
    provider = inputs(one(resources(), "aws:iam/openIdConnectProvider:OpenIdConnectProvider"))
    assert provider["url"] == "https://token.actions.githubusercontent.com"
    assert provider["clientIdLists"] == ["sts.amazonaws.com"]


def test_an_existing_oidc_provider_is_reused_and_none_is_created():
    arn = f"arn:aws:iam::333333333333:oidc-provider/{OIDC}"
    run = bootstrap_run("prod", (("bootstrap:existingOidcProviderArn", arn),))
    assert of_type(run.resources, "aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
    assert run.outputs["oidc_provider_arn"] == arn
    for role in of_type(run.resources, "aws:iam/role:Role"):
        (statement,) = policy(role, "assumeRolePolicy")["Statement"]
        assert statement["Principal"]["Federated"] == arn


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("project", PROJECTS)
def test_deploy_roles_trust_only_main_deploy_workflows_in_the_environment_exactly(stack: str, project: str):
    role = one(resources(stack), "aws:iam/role:Role", role_name(stack, project, Kind.DEPLOY))
    (statement,) = policy(role, "assumeRolePolicy")["Statement"]
    assert set(statement["Condition"]) == {"StringEquals"}  # no StringLike: no wildcard anywhere
    claims = statement["Condition"]["StringEquals"]
    assert claims[f"{OIDC}:aud"] == "sts.amazonaws.com"
    # sub carries the environment and job_workflow_ref (the repository's subject template): AWS matches
    # both exactly.
    workflows = [".github/workflows/deploy-stack.yml"]
    if project == "services":
        workflows.append(".github/workflows/promote.yml")  # the audited promotion runs as services deploy
        workflows.append(".github/workflows/rollback.yml")  # and the emergency abort
    if project == "services" and stack == "dev":
        workflows.append(".github/workflows/review-env.yml")  # review environments: dev only
    subjects = [
        f"repo:{REPO}:environment:{stack}:job_workflow_ref:{REPO}/{w}@refs/heads/main" for w in workflows
    ]
    assert claims[f"{OIDC}:sub"] == (subjects[0] if len(subjects) == 1 else subjects)
    assert not any("*" in str(v) for v in claims.values())
    assert inputs(role)["maxSessionDuration"] == DEPLOY_MAX_SESSION_SECONDS == 14400
    assert inputs(role)["name"] == f"github-actions-{stack}-{project}-deploy"


def test_deploy_and_preview_role_arns_are_exported_per_project():
    outputs = bootstrap_run("prod").outputs
    assert set(outputs["role_arns"]) == set(PROJECTS)
    assert all(set(kinds) == {"deploy", "preview"} for kinds in outputs["role_arns"].values())
    assert outputs["deploy_max_session_seconds"] == DEPLOY_MAX_SESSION_SECONDS


def test_no_administrator_access_and_no_managed_policy_on_the_delivery_roles():
    found = resources()
    assert of_type(found, "aws:iam/rolePolicyAttachment:RolePolicyAttachment") == []
    everything = json.dumps([inputs(r) for r in found])
    assert "AdministratorAccess" not in everything
    assert "ReadOnlyAccess" not in everything


@pytest.mark.parametrize("project", PROJECTS)
def test_preview_roles_neither_write_state_nor_encrypt(project: str):
    role = role_name("prod", project, Kind.PREVIEW)
    found = resources()
    granted = [
        action
        for suffix in ("state", "access")
        for s in policy(one(found, "aws:iam/rolePolicy:RolePolicy", f"{role}-{suffix}"))["Statement"]
        if s["Effect"] == "Allow"
        for action in actions(s)
    ]
    forbidden = (
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:GetObject*",
        "s3:*",
        "kms:Encrypt",
        "kms:*",
        "kms:GenerateDataKey",
    )
    assert not [a for a in granted if a in forbidden]
    assert "kms:Decrypt" in granted
    state = statements(policy(one(found, "aws:iam/rolePolicy:RolePolicy", f"{role}-state")))
    assert all(
        f"/{project}/prod.json" in r or "/platform/prod.json" in r or r.endswith("meta.yaml")
        for r in state["ReadStackState"]["Resource"]
    )


def test_the_services_roles_read_the_platform_checkpoint_of_their_environment_only():
    state = statements(
        policy(
            one(resources(), "aws:iam/rolePolicy:RolePolicy", "github-actions-prod-services-preview-state")
        )
    )
    read = state["ReadStackState"]["Resource"]
    assert any(r.endswith("/.pulumi/stacks/platform/prod.json*") for r in read)
    assert not any("/history/" in r or "/backups/" in r for r in read)


def test_services_deploy_has_no_iam():
    access = policy(
        one(resources(), "aws:iam/rolePolicy:RolePolicy", "github-actions-prod-services-deploy-access")
    )
    granted = [a for s in access["Statement"] for a in actions(s)]
    assert not [a for a in granted if a.startswith("iam:")]
    assert "eks:DescribeCluster" in granted


def test_platform_deploy_creates_roles_only_with_the_boundary():
    access = statements(
        policy(
            one(resources(), "aws:iam/rolePolicy:RolePolicy", "github-actions-prod-platform-deploy-access")
        )
    )
    create = access["WorkloadRolesCarryTheBoundary"]
    assert "iam:CreateRole" in create["Action"]
    assert create["Condition"]["StringEquals"]["iam:PermissionsBoundary"].endswith(
        ":iam::333333333333:policy/platform-permissions-boundary"
    )
    granted = [a for s in access.values() for a in actions(s)]
    assert "iam:*" not in granted
    assert "*" not in granted


def test_every_role_carries_the_boundary_the_bootstrap_creates():
    found = resources()
    boundary = one(found, "aws:iam/policy:Policy", "permissions-boundary")
    assert inputs(boundary)["name"] == "platform-permissions-boundary"
    roles = of_type(found, "aws:iam/role:Role")
    assert len(roles) == 5  # deploy and preview of both projects, the restore drill's share
    arn = bootstrap_run("prod").outputs["permissions_boundary_arn"]
    assert {inputs(r)["permissionsBoundary"] for r in roles} == {arn}


def test_the_account_baseline_audits_every_region_to_a_private_encrypted_bucket():
    found = resources()
    trail = inputs(one(found, "aws:cloudtrail/trail:Trail"))
    assert trail["isMultiRegionTrail"] is True
    assert trail["enableLogFileValidation"] is True
    assert trail["includeGlobalServiceEvents"] is True
    assert trail["kmsKeyId"].endswith("key/baseline-trail")
    assert trail["s3BucketName"] == "acme-platform-prod-pulumi-state-audit"
    audit = statements(policy(one(found, "aws:s3/bucketPolicy:BucketPolicy", "baseline-audit-policy")))
    assert {"CloudTrailAclCheck", "CloudTrailWrite", "DenyInsecureTransport", "DenyOutdatedTls"} <= set(audit)
    assert audit["CloudTrailWrite"]["Condition"]["StringEquals"]["aws:SourceArn"] == (
        "arn:aws:cloudtrail:ap-northeast-2:333333333333:trail/platform-prod"
    )
    block = inputs(
        one(found, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "baseline-audit-public-access")
    )
    assert all(
        block[k] is True
        for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    versioning = inputs(one(found, "aws:s3/bucketVersioning:BucketVersioning", "baseline-audit-versioning"))
    assert versioning["versioningConfiguration"] == {"status": "Enabled"}
    assert inputs(one(found, "aws:kms/key:Key", "baseline-trail"))["enableKeyRotation"] is True


def test_guardduty_and_security_hub_with_the_foundational_standard():
    found = resources()
    assert inputs(one(found, "aws:guardduty/detector:Detector"))["enable"] is True
    assert inputs(one(found, "aws:securityhub/account:Account"))["enableDefaultStandards"] is False
    subscription = inputs(one(found, "aws:securityhub/standardsSubscription:StandardsSubscription"))
    assert subscription["standardsArn"] == (
        "arn:aws:securityhub:ap-northeast-2::standards/aws-foundational-security-best-practices/v/1.0.0"
    )


def test_the_autoscaling_service_linked_role_is_created_unless_the_account_has_it():
    role = inputs(one(resources(), "aws:iam/serviceLinkedRole:ServiceLinkedRole"))
    assert role["awsServiceName"] == "autoscaling.amazonaws.com"
    skipped = bootstrap_run("prod", (("bootstrap:createAutoscalingServiceLinkedRole", "false"),))
    assert of_type(skipped.resources, "aws:iam/serviceLinkedRole:ServiceLinkedRole") == []


@pytest.mark.parametrize("stack", STACKS)
def test_the_policy_pack_passes_the_bootstrap_stack(stack: str):
    from tools.preview.policy import as_resource

    assert evaluate([as_resource(r) for r in resources(stack)], None) == []


def test_the_platform_roles_cannot_use_the_services_stacks_key():
    found = resources()
    for kind in Kind:
        state = statements(
            policy(
                one(found, "aws:iam/rolePolicy:RolePolicy", f"{role_name('prod', 'platform', kind)}-state")
            )
        )
        (denied,) = state["DenyOtherStacksKeys"]["Resource"]
        assert denied.endswith(":key/pulumi-state-services-prod-pulumi")
        assert state["DenyOtherStacksKeys"]["Action"] == "kms:*"


@pytest.mark.parametrize(
    "workflow",
    [
        ".github/workflows/deploy-stack.yml",
        ".github/workflows/promote.yml",
        ".github/workflows/rollback.yml",
        ".github/workflows/preview.yml",
        ".github/workflows/drift.yml",
        ".github/workflows/review-env.yml",
    ],
)
def test_every_workflow_the_roles_trust_exists_and_runs_in_the_trusted_environment(workflow: str):
    text = (ROOT / workflow).read_text()
    expected = {
        "preview.yml": "${{ matrix.stack }}-preview",
        "drift.yml": "environment: ${{ matrix.stack }}-preview",
        "review-env.yml": "environment: dev",
    }.get(workflow.rsplit("/", 1)[-1], "name: ${{ inputs.stack }}")
    assert expected in text
    assert "role-to-assume" in text


def test_platform_deploy_passes_roles_only_to_the_services_that_use_them():
    access = statements(
        policy(
            one(resources(), "aws:iam/rolePolicy:RolePolicy", "github-actions-prod-platform-deploy-access")
        )
    )
    passing = [s for s in access.values() if "iam:PassRole" in actions(s)]
    assert [s["Sid"] for s in passing] == ["PassRolesToTheServicesThatUseThem"]
    assert "codebuild.amazonaws.com" in passing[0]["Condition"]["StringEquals"]["iam:PassedToService"]


def test_the_drill_account_has_only_the_platform_deploy_identity_trusted_for_the_drill_alone():
    found = bootstrap_run("drill").resources
    (role,) = of_type(found, "aws:iam/role:Role")
    assert inputs(role)["name"] == "github-actions-drill-platform-deploy"
    trust = json.loads(inputs(role)["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    assert statement["Condition"]["StringEquals"][f"{OIDC}:sub"] == github_subject(
        REPO, "drill", ".github/workflows/dr-drill.yml"
    )
    environments = {inputs(r)["environment"] for r in found if r.type.endswith(":RepositoryEnvironment")}
    assert environments == {"drill"}
    state = policy(one(found, "aws:iam/rolePolicy:RolePolicy", "github-actions-drill-platform-deploy-state"))
    written = statements(state)["WriteStackState"]["Resource"]
    assert any(w.endswith("/.pulumi/stacks/platform/drill.json*") for w in written)
    assert not [w for w in written if "/services/" in w]
    aliases = {inputs(r)["name"] for r in of_type(found, "aws:kms/alias:Alias")}
    assert "alias/platform-drill-pulumi" in aliases  # the drill stack's secrets provider


def test_the_drill_share_may_only_copy_share_and_delete_drill_copies_through_rds():
    found = resources("prod")
    role = one(found, "aws:iam/role:Role", "github-actions-prod-dr-share")
    (statement,) = json.loads(inputs(role)["assumeRolePolicy"])["Statement"]
    assert statement["Condition"]["StringEquals"][f"{OIDC}:sub"] == github_subject(
        REPO, "prod-drill", ".github/workflows/dr-drill.yml"
    )
    access = statements(
        policy(one(found, "aws:iam/rolePolicy:RolePolicy", "github-actions-prod-dr-share-access"))
    )
    assert actions(access["ShareAndDeleteOnlyTheDrillsCopies"]) == [
        "rds:ModifyDBSnapshotAttribute",
        "rds:DeleteDBSnapshot",
    ]
    assert (
        access["ShareAndDeleteOnlyTheDrillsCopies"]["Resource"]
        == "arn:aws:rds:*:333333333333:snapshot:drill-*"
    )
    assert access["DataKeysThroughRdsOnly"]["Condition"]["StringLike"] == {
        "kms:ViaService": "rds.*.amazonaws.com"
    }
    granted = {a for s in access.values() for a in actions(s)}
    assert granted == {
        "rds:DescribeDBSnapshots",
        "rds:CopyDBSnapshot",
        "rds:ModifyDBSnapshotAttribute",
        "rds:DeleteDBSnapshot",
        "kms:CreateGrant",
        "kms:DescribeKey",
    }
    assert inputs(role)["permissionsBoundary"] == bootstrap_run("prod").outputs["permissions_boundary_arn"]
