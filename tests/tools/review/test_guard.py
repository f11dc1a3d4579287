"""`python -m tools guard` on recorded `pulumi preview --json` documents (Pulumi's PreviewDigest format)."""

from __future__ import annotations

import json
from pathlib import Path

from tools.cli import main

FIXTURES = Path(__file__).parent / "fixtures"


def test_replacing_an_rds_instance_exits_4_and_names_it(capsys):
    assert main(["guard", str(FIXTURES / "replace-rds-instance.json")]) == 4
    out = capsys.readouterr().out
    # the replace, create-replacement and delete-replaced steps of one resource are reported once
    assert out.count("aws:rds/instance:Instance::prod-postgres") == 1
    assert "replace reasons: storageEncrypted" in out


def test_updates_only_exit_0(capsys):
    assert main(["guard", str(FIXTURES / "updates-only.json")]) == 0
    assert "no stateful or protected resource" in capsys.readouterr().out


def test_deleting_a_protected_bucket_exits_4_but_its_unprotected_policy_is_not_flagged(capsys):
    assert main(["guard", str(FIXTURES / "delete-protected-bucket.json")]) == 4
    out = capsys.readouterr().out
    assert (
        "delete: urn:pulumi:prod::platform::platform:data:Buckets$aws:s3/bucket:Bucket::prod-buckets-exports [protected, stateful]"
        in out
    )
    assert "BucketPolicy" not in out


def test_a_malformed_document_exits_2_with_a_message(capsys):
    assert main(["guard", str(FIXTURES / "malformed.json")]) == 2
    assert "malformed.json is not JSON" in capsys.readouterr().err


def test_a_document_without_steps_shape_exits_2(tmp_path, capsys):
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"steps": [{"op": "explode", "urn": "urn:x"}]}')
    assert main(["guard", str(wrong)]) == 2
    assert "steps[0].op is 'explode'" in capsys.readouterr().err


def _cluster_update(before: str, after: str) -> dict:
    urn = "urn:pulumi:prod::platform::platform:cluster:EksCluster$aws:eks/cluster:Cluster::prod-cluster"
    state = {"type": "aws:eks/cluster:Cluster", "urn": urn}
    return {
        "steps": [
            {
                "op": "update",
                "urn": urn,
                "oldState": {**state, "inputs": {"version": before}},
                "newState": {**state, "inputs": {"version": after}},
                "detailedDiff": {"version": {"kind": "update"}},
            }
        ]
    }


def test_a_cluster_update_skipping_a_minor_of_the_running_version_exits_4(tmp_path, capsys):
    preview = tmp_path / "preview.json"
    preview.write_text(json.dumps(_cluster_update("1.34", "1.36")))
    assert main(["guard", str(preview)]) == 4
    out = capsys.readouterr().out
    assert "1.34 -> 1.36 skips a minor" in out
    assert "prod-cluster" in out


def test_a_cluster_downgrade_exits_4_and_one_minor_up_passes(tmp_path, capsys):
    down, up = tmp_path / "down.json", tmp_path / "up.json"
    down.write_text(json.dumps(_cluster_update("1.35", "1.34")))
    up.write_text(json.dumps(_cluster_update("1.34", "1.35")))
    assert main(["guard", str(down)]) == 4
    assert "cannot be downgraded" in capsys.readouterr().out
    assert main(["guard", str(up)]) == 0
