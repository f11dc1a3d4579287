"""The EKS cluster's hardening, as registered under the mock runtime."""

from __future__ import annotations

import json

import pytest

from tests.components.cluster.build import CLUSTER_KEY, LOGS_KEY, SUBNETS, WORKLOADS_SG, build
from tests.components.cluster.specs import ADMIN, DEPLOY, PLATFORM_DEPLOY, PREVIEW, cluster_config
from tests.helpers import inputs, named, of_type, one, policy
from tools.preview.mocks import is_secret

CLUSTER = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
ADDON = "aws:eks/addon:Addon"


@pytest.fixture
def recorded(mock_runtime):
    return build(mock_runtime, with_addons=False)


def test_endpoint_is_private_with_no_public_access_by_default(recorded):
    vpc = inputs(one(recorded, CLUSTER))["vpcConfig"]
    assert vpc["endpointPrivateAccess"] is True
    assert vpc["endpointPublicAccess"] is False
    assert "publicAccessCidrs" not in vpc
    assert vpc["subnetIds"] == SUBNETS


def test_public_endpoint_admits_only_the_configured_cidrs(mock_runtime):
    recorded = build(
        mock_runtime,
        with_addons=False,
        endpoint={"publicAccess": True, "publicAccessCidrs": ["203.0.113.0/24"]},
    )
    vpc = inputs(one(recorded, CLUSTER))["vpcConfig"]
    assert vpc["endpointPublicAccess"] is True
    assert vpc["publicAccessCidrs"] == ["203.0.113.0/24"]


def test_the_upgrade_policy_says_standard_support_by_default(recorded):
    # pulumi-aws 7.51.1 ClusterUpgradePolicyArgs.support_type: unset means EXTENDED (billed) to AWS.
    assert inputs(one(recorded, CLUSTER))["upgradePolicy"] == {"supportType": "STANDARD"}


def test_a_stack_that_accepts_extended_support_says_so_on_the_cluster(mock_runtime):
    extended = build(mock_runtime, with_addons=False, supportType="EXTENDED")
    assert inputs(one(extended, CLUSTER))["upgradePolicy"] == {"supportType": "EXTENDED"}


def test_kubernetes_secrets_are_envelope_encrypted_with_the_cluster_key(recorded):
    encryption = inputs(one(recorded, CLUSTER))["encryptionConfig"]
    assert encryption == {"provider": {"keyArn": CLUSTER_KEY}, "resources": ["secrets"]}


def test_all_five_control_plane_log_types_go_to_a_kms_encrypted_group(recorded):
    cluster = one(recorded, CLUSTER)
    assert inputs(cluster)["enabledClusterLogTypes"] == [
        "api",
        "audit",
        "authenticator",
        "controllerManager",
        "scheduler",
    ]
    group = one(recorded, "aws:cloudwatch/logGroup:LogGroup")
    assert (
        inputs(group).items()
        >= {
            "name": "/aws/eks/platform-test/cluster",  # the group EKS writes to
            "kmsKeyId": LOGS_KEY,
            "retentionInDays": 90,
        }.items()
    )
    assert group.urn in cluster.dependencies  # created (with KMS and retention) before EKS creates its own


def test_authentication_mode_is_api_and_the_creator_gets_nothing_implicit(recorded):
    access = inputs(one(recorded, CLUSTER))["accessConfig"]
    assert access["authenticationMode"] == "API"
    assert access["bootstrapClusterCreatorAdminPermissions"] is False


def test_each_identity_gets_exactly_its_access_entry(recorded):
    entries = {
        inputs(r)["principalArn"]: inputs(r) for r in of_type(recorded, "aws:eks/accessEntry:AccessEntry")
    }
    assert set(entries) == {ADMIN, PLATFORM_DEPLOY, DEPLOY, PREVIEW}
    assert all(e["type"] == "STANDARD" for e in entries.values())
    assert entries[DEPLOY]["kubernetesGroups"] == ["platform-services-deployers"]
    assert entries[PREVIEW]["kubernetesGroups"] == ["platform-previewers"]
    assert "kubernetesGroups" not in entries[ADMIN]
    grants = {
        inputs(r)["principalArn"]: inputs(r)
        for r in of_type(recorded, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    }
    policy = "arn:aws:eks::aws:cluster-access-policy/"
    # people and the platform deploy identity: cluster admin (Helm releases, CRDs, namespaces)
    for admin in (ADMIN, PLATFORM_DEPLOY):
        assert grants[admin]["policyArn"] == policy + "AmazonEKSClusterAdminPolicy"
        assert grants[admin]["accessScope"] == {"type": "cluster"}
    # the services deploy identity: edit in the product namespace only
    assert grants[DEPLOY]["policyArn"] == policy + "AmazonEKSEditPolicy"
    assert grants[DEPLOY]["accessScope"] == {"type": "namespace", "namespaces": ["product"]}
    # previews: view
    assert grants[PREVIEW]["policyArn"] == policy + "AmazonEKSViewPolicy"
    assert grants[PREVIEW]["accessScope"] == {"type": "cluster"}


def test_the_kubernetes_provider_waits_for_every_access_entry(recorded):
    provider = one(recorded, "pulumi:providers:kubernetes")
    associations = of_type(recorded, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    assert associations
    assert {a.urn for a in associations} <= set(provider.dependencies)


def test_previewers_read_the_custom_resources_and_nothing_more(recorded):
    (role,) = list(of_type(recorded, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"))
    rules = inputs(role)["rules"]
    assert {verb for rule in rules for verb in rule["verbs"]} == {"get", "list", "watch"}
    assert {"argoproj.io", "external-secrets.io", "keda.sh", "monitoring.coreos.com"} == {
        group for rule in rules for group in rule["apiGroups"]
    }
    (binding,) = of_type(recorded, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding")
    assert inputs(binding)["subjects"] == [
        {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "platform-previewers"}
    ]


def test_no_aws_auth_config_map_is_managed(recorded):
    config_maps = [r for r in recorded if r.type.startswith("kubernetes:core/v1:ConfigMap")]
    assert not [r for r in config_maps if inputs(r).get("metadata", {}).get("name") == "aws-auth"]
    assert inputs(one(recorded, CLUSTER))["accessConfig"]["authenticationMode"] != "CONFIG_MAP"


def test_launch_template_requires_imdsv2_with_hop_limit_one(recorded):
    """Pods outside the host network (one hop further) cannot reach the node role's credentials."""
    metadata = inputs(one(recorded, LAUNCH_TEMPLATE))["metadataOptions"]
    assert metadata["httpTokens"] == "required"
    assert metadata["httpPutResponseHopLimit"] == 1
    assert metadata["httpEndpoint"] == "enabled"


def test_root_volumes_are_encrypted_with_the_cluster_key(recorded):
    (device,) = inputs(one(recorded, LAUNCH_TEMPLATE))["blockDeviceMappings"]
    assert device["deviceName"] == "/dev/xvda"
    expected = {"encrypted": "true", "kmsKeyId": CLUSTER_KEY, "volumeType": "gp3", "volumeSize": 50}
    assert device["ebs"].items() >= expected.items()


def test_nodes_wear_the_cluster_and_workload_security_groups(recorded):
    groups = inputs(one(recorded, LAUNCH_TEMPLATE))["vpcSecurityGroupIds"]
    assert groups == ["sg-test-cluster", WORKLOADS_SG]


def test_node_group_follows_its_spec_in_the_app_subnets(recorded):
    group = inputs(one(recorded, NODE_GROUP))
    assert group["nodeGroupName"] == "platform-test-general"
    assert group["subnetIds"] == SUBNETS
    assert group["capacityType"] == "ON_DEMAND"
    assert group["instanceTypes"] == ["m6i.large"]
    assert group["scalingConfig"] == {"minSize": 2, "desiredSize": 2, "maxSize": 4}
    assert group["updateConfig"] == {"maxUnavailablePercentage": 33}
    assert group["labels"] == {"role": "general"}
    assert group["taints"] == [{"key": "dedicated", "value": "general", "effect": "NO_SCHEDULE"}]
    assert group["launchTemplate"] == {"id": "platform-test-general-id", "version": "1"}
    assert group["version"] == "1.34"


def test_core_addons_are_pinned_and_the_cni_enforces_network_policies(recorded):
    addons = {inputs(r)["addonName"]: inputs(r) for r in of_type(recorded, ADDON)}
    assert {name: a["addonVersion"] for name, a in addons.items()} == {
        "vpc-cni": "v1.20.4-eksbuild.2",
        "coredns": "v1.12.3-eksbuild.1",
        "kube-proxy": "v1.34.0-eksbuild.2",
        "eks-pod-identity-agent": "v1.3.10-eksbuild.2",
        "aws-ebs-csi-driver": "v1.54.0-eksbuild.1",
    }
    assert json.loads(addons["vpc-cni"]["configurationValues"]) == {"enableNetworkPolicy": "true"}


def test_networking_addons_come_before_nodes_and_coredns_after(recorded):
    group = one(recorded, NODE_GROUP)
    addon = {inputs(r)["addonName"]: r for r in of_type(recorded, ADDON)}
    assert addon["vpc-cni"].urn in group.dependencies
    assert addon["kube-proxy"].urn in group.dependencies
    assert group.urn in addon["coredns"].dependencies
    assert group.urn in addon["aws-ebs-csi-driver"].dependencies


@pytest.mark.parametrize(
    ("addon", "role", "service_account", "managed"),
    [
        ("vpc-cni", "test-vpc-cni", "system:serviceaccount:kube-system:aws-node", "AmazonEKS_CNI_Policy"),
        (
            "aws-ebs-csi-driver",
            "test-ebs-csi",
            "system:serviceaccount:kube-system:ebs-csi-controller-sa",
            "service-role/AmazonEBSCSIDriverPolicy",
        ),
    ],
)
def test_cni_and_ebs_csi_run_on_roles_only_their_service_account_can_assume(
    recorded, addon, role, service_account, managed
):
    trust = policy(one(recorded, "aws:iam/role:Role", role), "assumeRolePolicy")
    (condition,) = [s["Condition"]["StringEquals"] for s in trust["Statement"]]
    assert [v for k, v in condition.items() if k.endswith(":sub")] == [service_account]
    assert [v for k, v in condition.items() if k.endswith(":aud")] == ["sts.amazonaws.com"]
    addons = {inputs(r)["addonName"]: inputs(r) for r in of_type(recorded, ADDON)}
    assert addons[addon]["serviceAccountRoleArn"].endswith(f"/{role}")
    attachment = named(recorded, f"{role}-0")
    assert inputs(attachment)["policyArn"] == f"arn:aws:iam::aws:policy/{managed}"


def test_oidc_provider_serves_sts(recorded):
    provider = inputs(one(recorded, "aws:iam/openIdConnectProvider:OpenIdConnectProvider"))
    assert provider["clientIdLists"] == ["sts.amazonaws.com"]
    assert provider["url"].startswith("https://oidc.eks.ap-northeast-2.amazonaws.com/id/")


def test_cluster_and_node_roles_carry_only_the_policies_they_need(recorded):
    attached = {
        r.name: inputs(r)["policyArn"].rsplit("/", 1)[-1]
        for r in of_type(recorded, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if r.name.startswith(("test-cluster-", "test-node-"))
    }
    assert sorted(attached.values()) == [
        "AmazonEC2ContainerRegistryPullOnly",
        "AmazonEKSClusterPolicy",
        "AmazonEKSWorkerNodePolicy",
    ]
    encryption = policy(named(recorded, "test-cluster-encryption"))
    assert encryption["Statement"][0]["Resource"] == CLUSTER_KEY


def test_deletion_protection_and_protect_follow_the_tier(mock_runtime):
    recorded = build(mock_runtime, with_addons=False, protect=True, deletion_protection=True)
    cluster = one(recorded, CLUSTER)
    assert inputs(cluster)["deletionProtection"] is True
    assert cluster.protect


def test_unprotected_cluster_can_be_deleted(recorded):
    cluster = one(recorded, CLUSTER)
    assert inputs(cluster)["deletionProtection"] is False
    assert not cluster.protect


def test_kubernetes_provider_gets_a_secret_kubeconfig_using_get_token(recorded):
    provider = one(recorded, "pulumi:providers:kubernetes")
    assert is_secret(provider.inputs["kubeconfig"])
    config = json.loads(inputs(provider)["kubeconfig"])
    (user,) = config["users"]
    assert user["user"]["exec"]["args"][:4] == ["eks", "get-token", "--cluster-name", "platform-test"]
    (cluster,) = config["clusters"]
    assert cluster["cluster"]["server"] == "test.mock.ap-northeast-2.amazonaws.com"


def test_default_storage_class_encrypts_volumes_with_the_cluster_key(recorded):
    storage = inputs(one(recorded, "kubernetes:storage.k8s.io/v1:StorageClass"))
    assert storage["metadata"]["annotations"] == {"storageclass.kubernetes.io/is-default-class": "true"}
    assert storage["parameters"] == {"type": "gp3", "encrypted": "true", "kmsKeyId": CLUSTER_KEY}
    assert storage["provisioner"] == "ebs.csi.aws.com"


def test_autoscaled_node_groups_leave_desired_size_to_the_autoscaler(mock_runtime):
    recorded = build(mock_runtime, with_addons=False)  # the spec enables the Cluster Autoscaler
    assert one(recorded, NODE_GROUP).ignore_changes == ("scalingConfig.desiredSize",)


def test_node_groups_keep_desired_size_without_the_autoscaler(mock_runtime):
    addons = cluster_config()["addons"]
    addons["clusterAutoscaler"]["enabled"] = False
    recorded = build(mock_runtime, with_addons=False, addons=addons)
    assert one(recorded, NODE_GROUP).ignore_changes == ()
