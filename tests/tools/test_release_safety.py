"""Releases that lose no job: each mistake is a config error naming the key and the value (exit 2).

The stack-file cases run through the services loader as the program does (``problems_of``); one runs
the command line for real; a stranding release goes through ``release``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from settings import stacks
from tests.settings.test_config_errors import problems_of, project, run_cli, write
from tools import cli, release


def overlapping_prefixes(config: dict[str, Any]) -> None:
    config["services:apps"]["realtime"]["uses"]["cache"]["prefixes"] = ["job:"]


def wrong_flag_type(config: dict[str, Any]) -> None:
    config["services:flags"]["max-upload-mb"]["value"] = "lots"


def experimental_on(config: dict[str, Any]) -> None:
    config["services:flags"]["new-editor"]["value"] = True


def short_grace(config: dict[str, Any]) -> None:
    config["services:apps"]["worker-convert"]["terminationGracePeriodSeconds"] = 200


def unknown_flag(config: dict[str, Any]) -> None:
    config["services:apps"]["gateway"]["flags"] = ["new-editr"]


def steady_strand(config: dict[str, Any]) -> None:
    config["services:apps"]["gateway"]["jobs"]["emits"]["job:convert"] = [3]


CASES = [
    ("overlap", overlapping_prefixes, "services:apps.realtime.uses.cache.prefixes[0]", ["'job:' overlaps"]),
    ("flag type", wrong_flag_type, "services:flags.max-upload-mb.value", ["number flag; got 'lots' (str)"]),
    ("experimental", experimental_on, "services:flags.new-editor.value", ["experimental", "got True"]),
    (
        "grace",
        short_grace,
        "services:apps.worker-convert.terminationGracePeriodSeconds",
        ["drainSeconds (20) + autoscaling.queue.longestJobSeconds (240) = 260 s; got 200"],
    ),
    ("unknown flag", unknown_flag, "services:apps.gateway.flags[0]", ["unknown flag 'new-editr'"]),
    (
        "versions",
        steady_strand,
        "services:apps.worker-convert.jobs.accepts.job:convert",
        ["gateway (new release) emits version(s) [3]", "accepts [1, 2]"],
    ),
]


@pytest.mark.parametrize(("case", "edit", "key", "fragments"), CASES, ids=[c[0] for c in CASES])
def test_prod_refuses_each_mistake_naming_key_and_value(case, edit, key, fragments):
    found = [p for p in problems_of("prod", edit) if p.startswith(key)]
    assert found, problems_of("prod", edit)
    for fragment in fragments:
        assert any(fragment in p for p in found), (fragment, found)


def test_an_experimental_flag_may_be_on_in_dev():
    def on(config: dict[str, Any]) -> None:
        experimental_on(config)
        overlapping_prefixes(config)  # something to report, so the loader raises

    assert not [p for p in problems_of("dev", on) if "new-editor" in p]


def test_the_command_line_exits_2_naming_the_key(tmp_path, capsys):
    root = project(tmp_path)
    path = root / "services" / "Pulumi.prod.yaml"
    doc = YAML(typ="safe").load(path.read_text())
    overlapping_prefixes(doc["config"])
    write(path, doc)
    code, output = run_cli(
        capsys, "preview", "--stack", "prod", "--project", "services", "--project-dir", str(root)
    )
    assert code == cli.EXIT_CONFIG, output
    assert "Traceback" not in output
    assert "services:apps.realtime.uses.cache.prefixes[0]" in output


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "services").mkdir()
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "Pulumi.yaml").write_text("name: platform\nruntime: python\n")
    shutil.copy(stacks.ROOT / "stacks.yaml", tmp_path / "stacks.yaml")  # the stack registry
    for stack in ("dev", "staging", "prod"):
        shutil.copy(stacks.ROOT / "infra" / f"Pulumi.{stack}.yaml", tmp_path / "infra")  # tier, registry
        shutil.copy(stacks.ROOT / "services" / f"Pulumi.{stack}.yaml", tmp_path / "services")
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=tmp_path, check=True)
    return tmp_path


def test_a_release_that_strands_a_job_version_is_refused_naming_both_services(repo: Path):
    path = repo / "services" / "Pulumi.dev.yaml"
    before = path.read_text()
    image = "111111111111.dkr.ecr.ap-northeast-2.amazonaws.com/product/worker:dev-2612060900"
    with pytest.raises(release.ReleaseError) as caught:
        # worker-convert drops version 1 while the gateway (not released) still emits 2 only: fine;
        # but dropping 2 strands what the gateway emits.
        release.release("dev", "worker-convert", image, root=repo, jobs={"accepts": {"job:convert": [1]}})
    message = str(caught.value)
    assert "services:apps.worker-convert.jobs.accepts.job:convert" in message
    assert "gateway (old release) emits version(s) [2]" in message
    assert "worker-convert (new release) does not accept (accepts [1])" in message
    assert path.read_text() == before


def test_a_release_accepting_what_is_emitted_is_written(repo: Path):
    image = "111111111111.dkr.ecr.ap-northeast-2.amazonaws.com/product/worker:dev-2612060900"
    release.release("dev", "worker-convert", image, root=repo, jobs={"accepts": {"job:convert": [2, 3]}})
    doc = YAML(typ="safe").load((repo / "services" / "Pulumi.dev.yaml").read_text())
    assert doc["config"]["services:apps"]["worker-convert"]["jobs"] == {"accepts": {"job:convert": [2, 3]}}
    assert json.dumps(doc)  # plain data


def test_the_release_command_exits_2_naming_both_services_and_versions_and_writes_nothing(capsys):
    path = stacks.ROOT / "services" / "Pulumi.dev.yaml"
    before = path.read_bytes()
    image = "111111111111.dkr.ecr.ap-northeast-2.amazonaws.com/product/worker:dev-2612060900"
    jobs = json.dumps({"accepts": {"job:convert": [1]}})
    code, output = run_cli(
        capsys, "release", "--stack", "dev", "--service", "worker-convert", "--image", image, "--jobs", jobs
    )
    assert code == cli.EXIT_CONFIG, output
    assert "Traceback" not in output
    assert "gateway (old release) emits version(s) [2]" in output
    assert "worker-convert (new release) does not accept (accepts [1])" in output
    assert path.read_bytes() == before  # refused before the file is written
