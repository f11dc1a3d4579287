"""The services preview's answer to its StackReference: the platform's offline outputs, cached under a key
over every input that can change them, so a services preview does not re-run the platform each time."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from tests.conftest import services_run
from tools.preview import render, runner
from tools.preview.runner import ROOT


def copy_repository(tmp_path: Path) -> Path:
    """A throw-away repository: this program, the dev stack files of both projects (editable copies)."""
    root = tmp_path / "repo"
    for project in ("infra", "services"):
        (root / project).mkdir(parents=True)
        for name in ("Pulumi.yaml", "Pulumi.dev.yaml"):
            shutil.copy(ROOT / project / name, root / project / name)
        (root / project / "__main__.py").symlink_to(ROOT / project / "__main__.py")
    shutil.copy(ROOT / "stacks.yaml", root / "stacks.yaml")
    return root


def services_json(root: Path, cache: Path | None, preview: bool = True) -> str:
    result = runner.run_project("services", "dev", preview=preview, root=root, cache=cache)
    return render.as_json("dev", result.resources, result.outputs)


def test_a_cached_answer_gives_the_same_services_preview_and_unknowns_stay_unknown(tmp_path):
    root, cache = copy_repository(tmp_path), tmp_path / "cache"
    fresh = services_json(root, cache)  # runs the platform and stores its outputs
    (stored,) = cache.glob("platform.dev.preview.*.json")
    outputs = json.loads(stored.read_text())["outputs"]
    assert outputs["postgres_endpoint"] == runner.mocks.to_wire(runner.mocks.Unknown())  # not a value
    assert services_json(root, cache) == fresh  # answered from the cache
    shared = services_run("dev", preview=True)  # the repository's run, answered by a platform run
    assert render.as_json("dev", shared.resources, shared.outputs) == fresh
    assert '"[unknown]"' in fresh


def test_a_change_to_the_platform_stack_file_changes_the_services_answer(tmp_path):
    root, cache = copy_repository(tmp_path), tmp_path / "cache"
    # Update mode, where the services see the platform's values (a preview leaves them unknown).
    reports = "platform-dev-reports-123456789012"
    answer = runner.platform_outputs("dev", preview=False, root=root, cache=cache)
    assert "reports" not in answer["bucket_names"]
    assert reports not in services_json(root, cache, preview=False)  # answered from the cache
    key = runner.cache_key("dev", preview=False, root=root)

    stack_file = root / "infra" / "Pulumi.dev.yaml"  # the platform gains a bucket
    stack_file.write_text(
        stack_file.read_text().replace(
            "      - name: static\n", "      - name: reports\n      - name: static\n"
        )
    )

    assert runner.cache_key("dev", preview=False, root=root) != key
    answer = runner.platform_outputs("dev", preview=False, root=root, cache=cache)
    assert answer["bucket_names"]["reports"] == reports
    assert f'"value": "{reports}"' in services_json(root, cache, preview=False)  # S3_BUCKET_REPORTS


def test_the_key_covers_the_mode_the_stack_and_the_code():
    keys = {
        runner.cache_key("dev", preview=True),
        runner.cache_key("dev", preview=False),
        runner.cache_key("prod", preview=True),
    }
    assert len(keys) == 3
    assert {"infra", "components", "policy"} <= set(runner.CODE_DIRS)


def test_a_platform_preview_stores_its_outputs_for_the_services_preview(tmp_path):
    root, cache = copy_repository(tmp_path), tmp_path / "cache"
    platform = runner.run_project("platform", "dev", preview=True, root=root, cache=cache)
    (stored,) = cache.glob("platform.dev.preview.*.json")
    assert json.loads(stored.read_text())["outputs"] == runner.mocks.to_wire(platform.outputs)
    written = stored.stat().st_mtime_ns
    shared = services_run("dev", preview=True)  # the repository's services run, answered by a platform run
    assert services_json(root, cache) == render.as_json("dev", shared.resources, shared.outputs)
    assert stored.stat().st_mtime_ns == written  # reused, not run again


def test_the_newest_runs_of_a_stack_and_mode_are_kept(tmp_path):
    for i in range(runner._KEPT + 2):
        runner._store(tmp_path, "dev", True, f"{i:016x}" * 4, {"n": i})
        os.utime(tmp_path / f"platform.dev.preview.{i:016x}.json", ns=(i * 10**9, i * 10**9))
    runner._store(tmp_path, "dev", False, "f" * 64, {})  # another mode: not counted with them
    kept = sorted(p.name for p in tmp_path.glob("platform.dev.preview.*.json"))
    assert len(kept) == runner._KEPT
    assert f"platform.dev.preview.{0:016x}.json" not in kept
    assert (tmp_path / f"platform.dev.update.{'f' * 16}.json").is_file()


def test_a_cache_directory_that_cannot_be_written_is_said_and_the_run_goes_on(tmp_path, capsys, monkeypatch):
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    monkeypatch.setenv(runner.CACHE_ENV, str(not_a_directory))
    runner._store(runner.cache_dir(tmp_path), "dev", True, "a" * 64, {"n": 1})
    assert f"note: platform outputs not cached in {not_a_directory}" in capsys.readouterr().err
    assert not_a_directory.read_text() == ""
