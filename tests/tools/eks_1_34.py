"""The platform stack files as they were before the 1.35 upgrade (issue 30), for tests that check the
upgrade itself: this tree's files with the bump undone (the version, the support type it added, the EKS
add-on builds and the autoscaler chart), every other setting as it is now."""

from __future__ import annotations

from pathlib import Path

from settings.stacks import Project, project_dir

_BUMP = [
    ('    kubernetesVersion: "1.34"\n', '    kubernetesVersion: "1.35"\n'),
    ("      vpcCni: v1.20.4-eksbuild.2\n", "      vpcCni: v1.21.1-eksbuild.3\n"),
    ("      coredns: v1.12.3-eksbuild.1\n", "      coredns: v1.13.2-eksbuild.1\n"),
    ("      kubeProxy: v1.34.0-eksbuild.2\n", "      kubeProxy: v1.35.0-eksbuild.2\n"),
    ("      podIdentityAgent: v1.3.10-eksbuild.2\n", "      podIdentityAgent: v1.3.10-eksbuild.3\n"),
    ("      ebsCsiDriver: v1.54.0-eksbuild.1\n", "      ebsCsiDriver: v1.57.1-eksbuild.1\n"),
    ("      clusterAutoscaler: {chartVersion: 9.53.0}", "      clusterAutoscaler: {chartVersion: 9.54.0}"),
]
SUPPORT_TYPE = "    supportType: STANDARD\n"


def old_stack_text(stack: str) -> str:
    """``Pulumi.<stack>.yaml`` on Kubernetes 1.34, without ``supportType`` (as before the upgrade)."""
    text = (project_dir(Project.PLATFORM) / f"Pulumi.{stack}.yaml").read_text()
    for old, new in _BUMP:
        assert text.count(new) == 1, f"{stack}: {new!r} is not in the stack file once"
        text = text.replace(new, old)
    assert text.count(SUPPORT_TYPE) == 1, f"{stack}: no {SUPPORT_TYPE!r}"
    return text.replace(SUPPORT_TYPE, "")


def write_old_stack_files(directory: Path, stacks: tuple[str, ...] = ("dev", "staging", "prod")) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for stack in stacks:
        (directory / f"Pulumi.{stack}.yaml").write_text(old_stack_text(stack))
    return directory
