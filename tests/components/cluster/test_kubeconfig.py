"""The kubeconfig authenticates through ``aws eks get-token``: no credential is ever inside it."""

from components.cluster.kubeconfig import kubeconfig


def test_kubeconfig_execs_aws_eks_get_token_for_the_cluster_and_region():
    config = kubeconfig("platform-dev", "https://api.example", "Q0E=", "ap-northeast-2")
    (cluster,) = config["clusters"]
    assert cluster["cluster"] == {"server": "https://api.example", "certificate-authority-data": "Q0E="}
    (user,) = config["users"]
    assert user["user"]["exec"]["command"] == "aws"
    assert user["user"]["exec"]["args"] == [
        "eks",
        "get-token",
        "--cluster-name",
        "platform-dev",
        "--region",
        "ap-northeast-2",
    ]
    assert config["current-context"] == "platform-dev"
    assert "token" not in user["user"]
