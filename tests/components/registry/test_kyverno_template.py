"""Kyverno's chart renders with the program's values (``helm template``), where helm and the chart's source
are at hand (as ``tests/components/cluster/test_helm_template.py``):

    HELM=/path/to/helm HELM_CHARTS=/path/to/charts venv/bin/pytest tests/components/registry/test_kyverno_template.py

``HELM_CHARTS/kyverno`` is kyverno/kyverno ``charts/kyverno`` at tag ``kyverno-chart-3.9.0``; its remote
subcharts (kyverno-api, openreports, reports-server) are not vendored there and are dropped from a
temporary copy's ``Chart.yaml``, as that test does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.registry.admission import (
    ADMISSION_SERVICE_ACCOUNT,
    KYVERNO_HOME,
    KYVERNO_NAMESPACE,
    kyverno_values,
)
from components.registry.spec import AdmissionSpec

HELM = os.environ.get("HELM")
CHARTS = Path(os.environ.get("HELM_CHARTS", "/nonexistent"))
pytestmark = pytest.mark.skipif(
    not HELM or not Path(HELM).is_file() or not (CHARTS / "kyverno").is_dir(),
    reason="set HELM and HELM_CHARTS (with kyverno/) to run helm template",
)
ROLE = "arn:aws:iam::123456789012:role/test"


def _render(tmp_path: Path) -> list[dict[str, Any]]:
    source = CHARTS / "kyverno"
    meta = yaml.safe_load((source / "Chart.yaml").read_text())
    assert meta["version"] == AdmissionSpec().chart_version
    copy = tmp_path / "kyverno"
    shutil.copytree(source, copy)
    vendored = {p.name for p in (copy / "charts").iterdir()}
    meta["dependencies"] = [d for d in meta.get("dependencies", []) if d["name"] in vendored]
    (copy / "Chart.yaml").write_text(yaml.safe_dump(meta))
    (copy / "Chart.lock").unlink(missing_ok=True)
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump(kyverno_values(AdmissionSpec(), ROLE)))
    done = subprocess.run(
        [
            HELM or "helm",
            "template",
            "kyverno",
            str(copy),
            "--namespace",
            KYVERNO_NAMESPACE,
            "-f",
            str(values),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if d]


def test_kyverno_renders_three_admission_replicas_a_budget_and_a_writable_home(tmp_path: Path):
    objects = _render(tmp_path)
    by = {(d["kind"], d["metadata"]["name"]): d for d in objects}
    deployment = by[("Deployment", "kyverno-admission-controller")]["spec"]
    assert deployment["replicas"] == 3
    pod = deployment["template"]["spec"]
    assert pod["serviceAccountName"] == ADMISSION_SERVICE_ACCOUNT
    kyverno = next(c for c in pod["containers"] if c["name"] == "kyverno")
    assert {"name": "HOME", "value": KYVERNO_HOME} in kyverno["env"]
    assert {"name": "home", "mountPath": KYVERNO_HOME} in kyverno["volumeMounts"]
    assert kyverno["securityContext"]["readOnlyRootFilesystem"] is True
    assert by[("PodDisruptionBudget", "kyverno-admission-controller")]["spec"]["minAvailable"] == 2
    account = by[("ServiceAccount", ADMISSION_SERVICE_ACCOUNT)]
    assert account["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": ROLE}
    webhooks = yaml.safe_load(by[("ConfigMap", "kyverno")]["data"]["webhooks"])
    excluded = [v for e in webhooks["namespaceSelector"]["matchExpressions"] for v in e["values"]]
    assert sorted(excluded) == ["kube-system", "kyverno"]
