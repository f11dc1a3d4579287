"""``python -m tools release|rollback|hosts`` (tools/release.py): in-place edits of a services stack file,
checked against the tier's image rules, and the rollback target found in the file's git history. Each
test works on a synthetic repository in tmp_path (a platform stack file for the tier, the real services
stack file copied in), so nothing here edits the repository's own files."""

from __future__ import annotations

import difflib
import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from settings import stacks
from tools import cli, release

REG = "333333333333.dkr.ecr.ap-northeast-2.amazonaws.com/product"  # prod's own registry (its stack files)
FOREIGN = "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/product"  # an account no stack owns
DEV_REG = "111111111111.dkr.ecr.ap-northeast-2.amazonaws.com/product"  # dev's own registry (its stack files)


def _digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with the real platform and services stack files (the tiers and registries a release
    is checked against), committed."""
    (tmp_path / "services").mkdir()
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "Pulumi.yaml").write_text("name: platform\nruntime: python\n")
    shutil.copy(stacks.ROOT / "stacks.yaml", tmp_path / "stacks.yaml")
    for stack in ("dev", "staging", "prod"):
        shutil.copy(stacks.ROOT / "infra" / f"Pulumi.{stack}.yaml", tmp_path / "infra")
        shutil.copy(stacks.ROOT / "services" / f"Pulumi.{stack}.yaml", tmp_path / "services")
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "initial")
    return tmp_path


def _changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def test_release_changes_only_the_image_line_and_keeps_comments_order_and_quoting(repo: Path):
    path = repo / "services" / "Pulumi.dev.yaml"
    before = path.read_text()
    image = f"{DEV_REG}/gateway:dev-2612010900"
    change = release.release("dev", "gateway", image, root=repo)
    after = path.read_text()
    assert (change.before, change.after) == (f"{DEV_REG}/gateway:dev-2611220100", image)
    assert _changed_lines(before, after) == [
        f"-      image: {DEV_REG}/gateway:dev-2611220100",
        f"+      image: {image}",
    ]
    # every comment (full-line and end-of-line) is still there; flow style and quotes did not move
    assert [line for line in after.splitlines() if "#" in line] == [
        line for line in before.splitlines() if "#" in line and "image:" not in line
    ]


def test_prod_release_without_a_digest_is_refused_and_the_file_is_unchanged(repo: Path):
    path = repo / "services" / "Pulumi.prod.yaml"
    before = path.read_text()
    with pytest.raises(release.ReleaseError) as error:
        release.release("prod", "gateway", f"{REG}/gateway:v1.5.0", root=repo)
    assert "services:apps.gateway.image: prod images must be pinned by digest" in str(error.value)
    assert f"got '{REG}/gateway:v1.5.0'" in str(error.value)
    assert path.read_text() == before


@pytest.mark.parametrize(
    ("stack", "image", "message"),
    [
        ("staging", f"{REG}/gateway:dev-2612010900", "staging accepts only rc-YYMMDDHHmm"),
        ("dev", f"{REG}/gateway:latest", "'latest' is never deployed"),
        ("prod", f"{REG}/gateway:v1.5.0-rc.1@{_digest('x')}", "prod accepts only vX.Y.Z"),
    ],
)
def test_a_tag_the_tier_refuses_leaves_the_file_unchanged(repo: Path, stack: str, image: str, message: str):
    path = repo / "services" / f"Pulumi.{stack}.yaml"
    before = path.read_text()
    with pytest.raises(release.ReleaseError, match=message):
        release.release(stack, "gateway", image, root=repo)
    assert path.read_text() == before


def test_an_image_from_a_registry_the_platform_neither_owns_nor_allows_is_refused(repo: Path):
    # What the next preview would refuse (exit 2) is refused here, before the file is written.
    path = repo / "services" / "Pulumi.prod.yaml"
    before = path.read_text()
    image = f"{FOREIGN}/gateway:v1.5.0@{_digest('gateway:v1.5.0')}"
    with pytest.raises(release.ReleaseError) as error:
        release.release("prod", "gateway", image, root=repo)
    message = str(error.value)
    assert message.startswith("services:apps.gateway.image: images come from this environment's registry")
    assert "333333333333.dkr.ecr.ap-northeast-2.amazonaws.com/..." in message
    assert f"got {image!r}" in message
    with pytest.raises(release.ReleaseError, match=r"services:apps\.gateway\.rollbackTo: images come from"):
        release.rollback("prod", "gateway", image, root=repo)
    assert path.read_text() == before
    code = cli.main(
        ["release", "--stack", "prod", "--service", "gateway", "--image", image, "--root", str(repo)]
    )
    assert code == cli.EXIT_CONFIG
    assert path.read_text() == before


def test_prod_release_with_digest_is_written_and_clears_rollback_to(repo: Path):
    path = repo / "services" / "Pulumi.prod.yaml"
    previous = f"{REG}/web:v1.4.1@{_digest('web:v1.4.1')}"
    release.rollback("prod", "web", previous, root=repo)
    assert f"rollbackTo: {previous}" in path.read_text()
    image = f"{REG}/web:v1.5.0@{_digest('web:v1.5.0')}"
    release.release("prod", "web", image, root=repo)
    text = path.read_text()
    assert f"image: {image}" in text
    assert "rollbackTo:" not in text  # a release ships normally again


def test_unknown_service_or_stack_is_refused_naming_what_exists(repo: Path):
    path = repo / "services" / "Pulumi.dev.yaml"
    before = path.read_text()
    with pytest.raises(
        release.ReleaseError, match=r"services:apps.search: no such service in Pulumi.dev.yaml"
    ):
        release.release("dev", "search", f"{REG}/search:dev-2612010900", root=repo)
    with pytest.raises(release.ReleaseError, match=r"unknown services stack 'qa'.*dev, prod, staging"):
        release.release("qa", "gateway", f"{REG}/gateway:dev-2612010900", root=repo)
    assert path.read_text() == before


def test_the_cli_exits_2_with_a_message_for_an_unknown_service(capsys: pytest.CaptureFixture[str]):
    # The repository's own file: the command refuses before writing anything.
    path = stacks.ROOT / "services" / "Pulumi.dev.yaml"
    before = path.read_text()
    code = cli.main(["release", "--stack", "dev", "--service", "nope", "--image", f"{REG}/x:dev-2612010900"])
    assert code == cli.EXIT_CONFIG
    assert "error: services:apps.nope: no such service in Pulumi.dev.yaml" in capsys.readouterr().err
    assert path.read_text() == before


def _commit_image(repo: Path, service: str, image: str) -> None:
    path = repo / "services" / "Pulumi.prod.yaml"
    release.release("prod", service, image, root=repo)
    _git(repo, "commit", "-q", "-am", f"release {service} {image}")
    assert path.exists()


def test_rollback_defaults_to_the_last_different_image_in_git_history(repo: Path):
    v141 = f"{REG}/gateway:v1.4.1@{_digest('gateway:v1.4.1')}"
    v150 = f"{REG}/gateway:v1.5.0@{_digest('gateway:v1.5.0')}"
    _commit_image(repo, "gateway", v141)
    _commit_image(repo, "web", f"{REG}/web:v1.4.3@{_digest('web:v1.4.3')}")  # another service moves
    _commit_image(repo, "gateway", v150)
    path = repo / "services" / "Pulumi.prod.yaml"
    (path.parent / "note.txt").write_text("unrelated\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "unrelated commit")
    before = path.read_text()
    change = release.rollback("prod", "gateway", root=repo)
    assert change.after == v141
    assert _changed_lines(before, path.read_text()) == [f"+      rollbackTo: {v141}"]


def test_rollback_history_skips_repeats_and_reads_each_commits_file(repo: Path):
    path = repo / "services" / "Pulumi.prod.yaml"
    v141 = f"{REG}/gateway:v1.4.1@{_digest('gateway:v1.4.1')}"
    _commit_image(repo, "gateway", v141)
    _commit_image(repo, "web", f"{REG}/web:v1.4.3@{_digest('web:v1.4.3')}")
    history = release.image_history(path, "gateway")
    assert history[0] == v141
    assert len(history) == 2  # v1.4.1 once (two commits), then the initial v1.4.2


def test_rollback_without_an_earlier_image_asks_for_one(repo: Path):
    path = repo / "services" / "Pulumi.dev.yaml"
    before = path.read_text()
    with pytest.raises(
        release.ReleaseError, match=r"no earlier image of gateway.*name the release with --to"
    ):
        release.rollback("dev", "gateway", root=repo)
    assert path.read_text() == before


def test_rollback_to_a_tag_the_tier_refuses_is_refused(repo: Path):
    path = repo / "services" / "Pulumi.prod.yaml"
    before = path.read_text()
    with pytest.raises(
        release.ReleaseError, match=r"services:apps.gateway.rollbackTo: prod images must be pinned by digest"
    ):
        release.rollback("prod", "gateway", f"{REG}/gateway:v1.4.1", root=repo)
    assert path.read_text() == before


def test_hosts_are_the_ingress_hosts_of_the_stacks_services_in_file_order():
    # the workers have no ingress; every other service is smoke-checked
    assert release.hosts("dev") == [
        "api.dev.slidecraft.example.com",
        "rt.dev.slidecraft.example.com",
        "app.dev.slidecraft.example.com",
        "mcp.dev.slidecraft.example.com",
    ]
