"""Every project builds its virtualenv the way Pulumi's pip toolchain does, and runs in it as the host runs it.

Replayed from pulumi/pulumi at commit 1b5949891b3c (tag v3.259.0 + 14 commits), read with git:

* ``sdk/python/toolchain/pip.go``: ``resolveVirtualEnvironmentPath(root, virtualenv)`` joins a relative
  ``virtualenv`` option to the project root (the directory of ``Pulumi.yaml`` / ``PulumiPolicy.yaml``);
  ``InstallDependencies(ctx, cwd, venvDir, ...)`` runs ``python3 -m venv <venvDir>`` (the first of
  ``python3``, ``python`` on PATH), then, with ``cmd.Dir = cwd`` and ``ActivateVirtualEnv`` (venv ``bin``
  first on PATH, ``VIRTUAL_ENV`` set, ``PYTHONHOME`` removed), ``<venv>/bin/python -m pip install
  --upgrade pip setuptools wheel`` and, only if ``<cwd>/requirements.txt`` exists,
  ``<venv>/bin/python -m pip install -r requirements.txt``. ``EnsureVenv`` does all this only when the
  virtualenv has no ``bin/python`` yet; ``pulumi install`` always does.
* ``sdk/python/cmd/pulumi-language-python/main.go``: ``InstallDependencies`` and ``GetRequiredPackages``
  pass ``req.Info.ProgramDirectory`` as that ``cwd`` (the project's directory: no project sets
  ``main:``); ``Run`` starts ``pulumi-language-python-exec``, which ``runpy.run_path``-s the program
  directory with the working directory set to it (``sdk/python/cmd/pulumi-language-python-exec``).
  ``RunPlugin`` for an analyzer (a policy pack) runs ``python -u -m pulumi.policy <engine> <pack dir>``
  with ``cmd.Dir`` the pack's directory.
* ``pkg/cmd/pulumi/policy/io.go`` (``InstallPluginDependencies``, called by ``pulumi install`` in a
  policy pack's directory, ``pkg/cmd/pulumi/install/install.go``): the pack's directory is both root and
  program directory, so its ``requirements.txt`` is read there. A local ``--policy-pack`` is not installed
  by ``pulumi preview``/``up`` (``sdk/go/common/resource/plugin/analyzer_plugin.go`` only starts it).

What differs here, and why: the virtualenv is built under ``.cache/toolchain/<hash>/`` (git-ignored)
instead of ``./venv`` (the developer's own), keyed by the hash of the expanded requirement set, so it is
rebuilt only when a requirement changes; and pip installs offline (``PIP_NO_INDEX=1``,
``PIP_FIND_LINKS=<wheelhouse>``: pip's command line stays exactly Pulumi's) from a wheelhouse that is
downloaded once per requirement set through the machine's pip configuration, without byte-compiling what
it installs (``PIP_COMPILE=0``: most of the install's time, and the runs compile what they import).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tools.preview.runner import ROOT

pytestmark = pytest.mark.toolchain

CACHE = ROOT / ".cache" / "toolchain"
UPGRADED = ("pip", "setuptools", "wheel")
"""What ``InstallDependencies`` upgrades in a new virtualenv before reading requirements.txt."""


@dataclass(frozen=True)
class Project:
    """A Pulumi project of this repository, as the CLI reads its project file."""

    name: str
    project_file: Path

    @property
    def root(self) -> Path:
        return self.project_file.parent

    @property
    def document(self) -> dict:
        return YAML(typ="safe").load(self.project_file.read_text())

    @property
    def program_dir(self) -> Path:
        """``main:`` joined to the root (``Pulumi.yaml``); a policy pack's program is its root."""
        return (self.root / self.document.get("main", ".")).resolve()

    @property
    def virtualenv(self) -> Path:
        """``resolveVirtualEnvironmentPath``: the ``virtualenv`` option, relative to the project root."""
        option = self.document["runtime"]["options"]["virtualenv"]
        return Path(os.path.normpath(self.root / option))


PROJECTS = {
    p.name: p
    for p in (
        Project("platform", ROOT / "infra" / "Pulumi.yaml"),
        Project("services", ROOT / "services" / "Pulumi.yaml"),
        Project("bootstrap", ROOT / "bootstrap" / "Pulumi.yaml"),
        Project("policy", ROOT / "policy" / "PulumiPolicy.yaml"),
    )
}


def expand(requirements: Path, cwd: Path) -> list[str]:
    """The requirement lines pip reads from ``requirements`` when run in ``cwd``.

    ``-r`` resolves against the including file's folder, ``-e <path>`` against pip's working directory.
    """
    lines: list[str] = []
    for raw in requirements.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r "):
            lines += expand((requirements.parent / line[3:].strip()).resolve(), cwd)
        elif line.startswith("-e "):
            lines.append(f"-e {(cwd / line[3:].strip()).resolve()}")
        else:
            lines.append(line)
    return lines


def requirement_set(project: Project) -> tuple[str, ...]:
    return tuple(expand(project.program_dir / "requirements.txt", project.program_dir))


def set_hash(lines: tuple[str, ...]) -> str:
    digest = hashlib.sha256("\n".join(lines).encode())
    digest.update((ROOT / "pyproject.toml").read_bytes())  # the editable project's own metadata
    digest.update(sys.version.encode())
    return digest.hexdigest()[:16]


def activated(venv: Path, wheelhouse: Path) -> dict[str, str]:
    """``ActivateVirtualEnv``, plus pip pointed at the wheelhouse only and not byte-compiling what it
    installs (``PIP_COMPILE=0``, pip's ``--no-compile``).

    Compiling every module of the set is 18 of pip's 21 s here (6,000 modules, ``pulumi_aws`` most of
    them) and installs nothing a run needs: the runs below compile the ~2,000 they import. It is the
    environment, not pip's command line, that says so, as for the wheelhouse.
    """
    env = {
        k: v for k, v in os.environ.items() if k.upper() not in ("PYTHONHOME", "VIRTUAL_ENV", "PYTHONPATH")
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    env["PIP_NO_INDEX"] = "1"
    env["PIP_FIND_LINKS"] = str(wheelhouse)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_COMPILE"] = "0"  # `--compile` is a store_true option: pip reads "0" as false
    return env


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 900) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (
        f"{' '.join(cmd)} (in {cwd}) failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    return done.stdout


def wheelhouse_for(lines: tuple[str, ...], download: bool = True) -> Path:
    """Every wheel the set's pins need (and pip, setuptools, wheel), downloaded once into the cache."""
    pinned = [line for line in lines if not line.startswith("-e ")]
    key = hashlib.sha256("\n".join([*pinned, sys.version]).encode()).hexdigest()[:16]
    house = CACHE / f"wheels-{key}"
    if (house / ".complete").is_file() or not download:
        return house
    house.mkdir(parents=True, exist_ok=True)
    pins = house / "requirements.txt"
    pins.write_text("\n".join(pinned) + "\n")
    download = [sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(house)]
    run([*download, "-r", str(pins), *UPGRADED], cwd=house)
    (house / ".complete").touch()
    return house


@dataclass(frozen=True)
class BuiltVenv:
    path: Path
    wheelhouse: Path
    seconds: float
    fresh: bool


def build(project: Project, key: str, wheelhouse: Path) -> BuiltVenv:
    """``InstallDependencies(ctx, ProgramDirectory, venvDir)`` as pip.go runs it (once per set)."""
    venv = CACHE / key / "venv"
    stamp = CACHE / key / ".built"
    started = time.monotonic()
    if stamp.is_file():
        return BuiltVenv(venv, wheelhouse, 0.0, fresh=False)
    shutil.rmtree(CACHE / key, ignore_errors=True)
    python3 = shutil.which("python3") or shutil.which("python") or sys.executable
    run([python3, "-m", "venv", str(venv)], cwd=project.program_dir)
    env = activated(venv, wheelhouse)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install"]
    run([*pip, "--upgrade", *UPGRADED], cwd=project.program_dir, env=env)
    assert (project.program_dir / "requirements.txt").is_file()  # else Pulumi silently installs nothing
    run([*pip, "-r", "requirements.txt"], cwd=project.program_dir, env=env)
    stamp.touch()
    return BuiltVenv(venv, wheelhouse, time.monotonic() - started, fresh=True)


@pytest.fixture(scope="module")
def outputs_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Platform outputs stored by this module's platform run, for its services run."""
    return tmp_path_factory.mktemp("platform-outputs")


@pytest.fixture(scope="module")
def venvs() -> dict[str, BuiltVenv]:
    """One virtualenv per distinct requirement set, built from the first project that has it."""
    built: dict[str, BuiltVenv] = {}
    by_key: dict[str, BuiltVenv] = {}
    for project in PROJECTS.values():
        lines = requirement_set(project)
        key = set_hash(lines)
        if key not in by_key:
            by_key[key] = build(
                project, key, wheelhouse_for(lines, download=not (CACHE / key / ".built").is_file())
            )
        elif by_key[key].fresh:
            # `pulumi install` in this project's directory: pip install -r requirements.txt, run there.
            venv = by_key[key]
            python = str(venv.path / "bin" / "python")
            env = activated(venv.path, venv.wheelhouse)
            run([python, "-m", "pip", "install", "-r", "requirements.txt"], project.program_dir, env)
        built[project.name] = by_key[key]
    return built


# --- what the toolchain reads, without building anything ---------------------------------------------


def test_every_project_resolves_its_virtualenv_to_the_one_repository_venv():
    # So whichever project creates it first (EnsureVenv), every other project runs in what it installed.
    assert {name: p.virtualenv for name, p in PROJECTS.items()} == dict.fromkeys(PROJECTS, ROOT / "venv")


def test_every_project_uses_the_pip_toolchain_and_its_program_directory_has_requirements():
    for project in PROJECTS.values():
        assert project.document["runtime"]["options"]["toolchain"] == "pip", project.name
        assert (project.program_dir / "requirements.txt").is_file(), project.name
    assert PROJECTS["platform"].program_dir == ROOT / "infra"
    assert PROJECTS["services"].program_dir == ROOT / "services"


def test_every_program_directory_installs_the_same_set_with_the_project_itself_editable():
    sets = {name: requirement_set(p) for name, p in PROJECTS.items()}
    assert len(set(sets.values())) == 1, sets
    lines = sets["platform"]
    assert f"-e {ROOT}" in lines  # `-e ..` from each program directory is the repository root
    assert any(line.startswith("pulumi-policy==") for line in lines)  # the pack runs in the shared venv
    assert any(line.startswith("pulumi==") for line in lines)


def test_expand_resolves_includes_against_the_file_and_editables_against_pips_working_directory(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "base.txt").write_text("pkg==1.0  # pinned\n")
    (tmp_path / "a" / "requirements.txt").write_text("-r ../base.txt\n-e ..\n")
    assert expand(tmp_path / "a" / "requirements.txt", tmp_path / "a") == ["pkg==1.0", f"-e {tmp_path}"]
    # The same file read from another working directory installs another editable path.
    assert expand(tmp_path / "a" / "requirements.txt", tmp_path)[1] == f"-e {tmp_path.parent}"


# --- the real build and the host's run ---------------------------------------------------------------

HOST = textwrap.dedent(
    """
    import gc, json, os, sys
    from pathlib import Path
    gc.disable()  # short-lived, as `python -m tools` runs (no collector, no teardown): imports are what is checked
    root = os.path.realpath(sys.argv[1])
    project, stack = sys.argv[2], sys.argv[3]
    # The exec shim's sys.path: its own folder and the venv's site-packages; never the repository root.
    assert all(os.path.realpath(p or os.getcwd()) != root for p in sys.path), sys.path
    import components, infra
    from settings import stackfile
    from tools.preview import runner
    if project == "bootstrap":
        directory = Path(root) / "bootstrap"
        result = runner.run_program(stackfile.read_stack_file(stack, directory), preview=True, root=directory)
    else:
        # The module's own cache: the services run reuses the platform outputs of the platform run before it.
        result = runner.run_project(project, stack, preview=True, cache=Path(sys.argv[4]))
    print(json.dumps({
        "prefix": sys.prefix,
        "infra": os.path.dirname(infra.__file__),
        "cwd": os.getcwd(),
        "types": sorted({r.type for r in result.resources}),
        "count": len(result.resources),
    }), flush=True)
    os._exit(0)
    """
)


@pytest.mark.parametrize(
    ("project", "stack", "expected"),
    [
        ("platform", "staging", {"aws:eks/cluster:Cluster", "aws:kms/key:Key", "aws:rds/instance:Instance"}),
        ("services", "staging", {"kubernetes:argoproj.io/v1alpha1:Rollout", "kubernetes:apps/v1:Deployment"}),
        (
            "bootstrap",
            "staging",
            {"aws:s3/bucket:Bucket", "aws:iam/openIdConnectProvider:OpenIdConnectProvider"},
        ),
    ],
)
def test_program_runs_in_the_toolchains_venv_as_the_host_runs_it(
    venvs, outputs_cache, tmp_path, project, stack, expected
):
    built = venvs[project]
    program = PROJECTS[project].program_dir
    env = activated(built.path, built.wheelhouse)
    script = tmp_path / "host.py"
    script.write_text(HOST)
    command = [str(built.path / "bin" / "python"), str(script), str(ROOT), project, stack, str(outputs_cache)]
    out = run(command, program, env)
    seen = json.loads(out.strip().splitlines()[-1])
    assert Path(seen["prefix"]) == built.path
    assert Path(seen["infra"]) == ROOT / "infra"  # the editable install of this checkout
    assert seen["count"] > 10
    assert expected <= set(seen["types"]), seen["types"]


def test_policy_pack_starts_in_the_toolchains_venv_as_the_analyzer_host_starts_it(venvs):
    built = venvs["policy"]
    pack = PROJECTS["policy"].program_dir
    env = activated(built.path, built.wheelhouse)
    # RunPlugin: python -u -m pulumi.policy <engine address> <pack directory>, in the pack's directory.
    process = subprocess.Popen(
        [str(built.path / "bin" / "python"), "-u", "-m", "pulumi.policy", "127.0.0.1:1", str(pack)],
        cwd=pack,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        if not port:
            process.kill()
            pytest.fail(f"the pack printed no port: {process.communicate(timeout=10)[1][-3000:]}")
        assert port.isdigit(), port
    finally:
        process.kill()
        process.wait(timeout=10)


def test_the_build_is_recorded_and_reused(venvs):
    # A fresh build is timed (see the report line); a second run of the suite finds it in the cache.
    for built in venvs.values():
        assert (built.path / "bin" / "python").is_file()
        assert (built.path.parent / ".built").is_file()
    fresh = [b.seconds for b in venvs.values() if b.fresh]
    print(f"toolchain venv: {f'built in {fresh[0]:.0f} s' if fresh else 'reused from the cache'}")
