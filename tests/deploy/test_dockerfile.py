"""The Dockerfile's key properties, read from the file (no Docker engine runs here)."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from dataclasses import dataclass, field

import pytest
import yaml

from tests.deploy.manifests import K8S, REPO

BUILD_TOOLS = ("gcc", "g++", "cc", "clang", "make", "build-essential", "pip wheel")


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def arguments(self, keyword: str) -> list[str]:
        return [rest for word, rest in self.instructions if word == keyword]


def parse(text: str) -> tuple[dict[str, str], list[Stage]]:
    """Global ARG defaults and the stages, with line continuations joined."""
    joined = re.sub(r"\\\n(?:\s*#[^\n]*\n)*", " ", text)
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        word, rest = word.upper(), rest.strip()
        if word == "FROM":
            parts = rest.split()
            base = re.sub(r"\$\{?(\w+)\}?", lambda m: global_args.get(m.group(1), ""), parts[0])
            named = len(parts) == 3 and parts[1].upper() == "AS"
            stages.append(Stage(base=base, name=parts[2] if named else None))
        elif not stages:
            if word == "ARG" and "=" in rest:
                key, value = rest.split("=", 1)
                global_args[key] = value
        else:
            stages[-1].instructions.append((word, rest))
    return global_args, stages


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return parse((REPO / "Dockerfile").read_text())[1]


@pytest.fixture(scope="module")
def final(stages: list[Stage]) -> Stage:
    return stages[-1]


def base_deployment() -> dict:
    return yaml.safe_load((K8S / "base" / "deployment.yaml").read_text())


def test_parser_joins_continuations_and_resolves_the_base_image() -> None:
    text = "ARG IMG=python:3.11-slim\nFROM ${IMG} AS b\nRUN a \\\n  # note\n  && b\n"
    args, (stage,) = parse(text)
    assert args == {"IMG": "python:3.11-slim"}
    assert (stage.base, stage.name) == ("python:3.11-slim", "b")
    assert stage.arguments("RUN") == ["a    && b"]


def test_image_is_built_in_stages_on_slim_python_311(stages: list[Stage]) -> None:
    assert len(stages) >= 2
    for stage in stages:
        assert stage.base.startswith("python:3.11-slim"), stage.base


def test_final_stage_takes_the_built_environment_from_the_builder(
    stages: list[Stage], final: Stage
) -> None:
    earlier = {stage.name for stage in stages[:-1]}
    sources = [
        re.match(r"--from=(\S+)", rest).group(1)
        for rest in final.arguments("COPY")
        if rest.startswith("--from=")
    ]
    assert sources and set(sources) <= earlier
    assert any("pip wheel" in run for stage in stages[:-1] for run in stage.arguments("RUN"))


def test_final_stage_contains_no_build_tools(final: Stage) -> None:
    for command in final.arguments("RUN"):
        words = set(shlex.split(command.replace("&&", " ")))
        assert not words & set(BUILD_TOOLS), command
        assert "pip wheel" not in command and "apt-get install" not in command, command


def test_final_stage_runs_as_the_numeric_uid_the_pods_use(final: Stage) -> None:
    users = final.arguments("USER")
    assert users, "the final stage never leaves root"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit() and int(uid) != 0, users[-1]
    assert not gid or gid.isdigit(), users[-1]
    pod_context = base_deployment()["spec"]["template"]["spec"]["securityContext"]
    assert int(uid) == pod_context["runAsUser"]


def test_entry_point_is_python_dash_m_service_in_exec_form(final: Stage) -> None:
    (entrypoint,) = final.arguments("ENTRYPOINT")
    # Exec form keeps python as PID 1, so it receives SIGTERM directly.
    assert json.loads(entrypoint) == ["python", "-m", "service"]


def test_exposes_the_container_port_of_the_deployment(final: Stage) -> None:
    (container,) = base_deployment()["spec"]["template"]["spec"]["containers"]
    ports = {port["containerPort"] for port in container["ports"]}
    assert {int(port.split("/")[0]) for port in final.arguments("EXPOSE")} == ports == {8080}
    env = " ".join(final.arguments("ENV"))
    assert "HOST=0.0.0.0" in env and "PORT=8080" in env


def dockerignore_patterns() -> list[str]:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored(path: str, patterns: list[str]) -> bool:
    """A simplified .dockerignore match (no `!` exceptions are used in this repo)."""
    for pattern in patterns:
        for candidate in (pattern, pattern.removeprefix("**/")):
            if fnmatch.fnmatch(path, candidate) or path.startswith(candidate.rstrip("/") + "/"):
                return True
    return False


def test_dockerignore_leaves_out_local_state() -> None:
    patterns = dockerignore_patterns()
    assert not any(pattern.startswith("!") for pattern in patterns)
    for path in (".git", ".venv", "data", ".pytest_cache", ".mypy_cache", ".ruff_cache"):
        assert ignored(path, patterns), path
    for path in (".hypothesis", "bench/results/latest.md", "x.egg-info", "service/__pycache__"):
        assert ignored(path, patterns), path


def test_dockerignore_keeps_everything_the_builder_copies(stages: list[Stage]) -> None:
    patterns = dockerignore_patterns()
    copied = [
        source
        for stage in stages
        for rest in stage.arguments("COPY")
        if not rest.startswith("--from=")
        for source in rest.split()[:-1]
    ]
    assert copied
    for source in copied:
        assert (REPO / source).exists(), source
        assert not ignored(source, patterns), source
