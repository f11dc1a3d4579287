"""The job-compatibility matrix template the application repositories copy (docs/templates/)."""

from __future__ import annotations

import shutil
from pathlib import Path

from ruamel.yaml import YAML

from tests.pipeline.test_workflows import ROOT, _run, _tool

TEMPLATE = ROOT / "docs" / "templates" / "job-compat-matrix.yml"


def test_the_template_is_a_valid_workflow_without_zizmor_findings(tmp_path: Path):
    result = _run(_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(TEMPLATE))
    assert result.returncode == 0, result.stdout + result.stderr
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    shutil.copy(TEMPLATE, workflows / TEMPLATE.name)
    result = _run(_tool("zizmor"), "--offline", "--no-progress", str(workflows / TEMPLATE.name))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_matrix_pairs_producer_n_and_n_minus_1_with_consumer_n_and_n_minus_1():
    workflow = YAML(typ="safe").load(TEMPLATE.read_text())
    (job,) = workflow["jobs"].values()
    matrix = job["strategy"]["matrix"]
    assert (matrix["producer"], matrix["consumer"]) == (["N", "N-1"], ["N", "N-1"])
    assert job["strategy"]["fail-fast"] is False  # every pair reports
    assert job["env"]["PRODUCER"].count("inputs.producer") == 2
    assert job["env"]["CONSUMER"].count("inputs.consumer") == 2
