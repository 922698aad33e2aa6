"""Renders the kustomize overlays with kubectl and looks up objects in the result."""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "k8s"
OVERLAYS = ("dev", "prod")
# The cluster version every object must be valid for (kubectl 1.32 renders them).
KUBERNETES_VERSION = "1.32.0"
API_NAME = "recordhub"
SECRET_NAME = "recordhub-secrets"
CONFIG_NAME = "recordhub-config"
INSTALL_HINT = "run .ci/install-kubectl, or set KUBECTL to a kubectl binary"

Obj = dict[str, Any]
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job")


@functools.cache
def kubectl() -> str:
    """Path of a kubectl whose built-in kustomize is v5 or newer; fails the test otherwise."""
    binary = os.environ.get("KUBECTL") or shutil.which("kubectl")
    if not binary:
        pytest.fail(f"kubectl is not on PATH: {INSTALL_HINT}", pytrace=False)
    try:
        result = subprocess.run(
            [binary, "version", "--client", "--output=json"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except OSError as exc:
        pytest.fail(f"cannot run {binary}: {exc}; {INSTALL_HINT}", pytrace=False)
    if result.returncode != 0:
        pytest.fail(f"{binary} version failed: {result.stderr.strip()}", pytrace=False)
    version = json.loads(result.stdout).get("kustomizeVersion", "")
    # Older kustomize (kubectl < 1.21 embeds v2) cannot build inline patches or `replicas:`.
    match = re.match(r"v(\d+)\.", version)
    if not match or int(match.group(1)) < 5:
        pytest.fail(
            f"{binary} embeds kustomize {version or 'of unknown version'}; v5+ is needed: "
            f"{INSTALL_HINT}",
            pytrace=False,
        )
    return binary


@dataclass(frozen=True)
class Rendered:
    """The objects `kubectl kustomize` produced for one overlay."""

    overlay: str
    objects: tuple[Obj, ...]

    def of_kind(self, kind: str) -> list[Obj]:
        return [obj for obj in self.objects if obj["kind"] == kind]

    def find(self, kind: str, name: str) -> Obj | None:
        """The object of `kind` named `name`, or generated from `name` (hash suffix)."""
        for obj in self.of_kind(kind):
            actual = obj["metadata"]["name"]
            if actual == name or re.fullmatch(rf"{re.escape(name)}-[a-z0-9]{{10}}", actual):
                return obj
        return None

    def get(self, kind: str, name: str) -> Obj:
        obj = self.find(kind, name)
        assert obj is not None, f"{self.overlay}: no {kind} {name!r} in the rendered overlay"
        return obj

    @property
    def api(self) -> Obj:
        return self.get("Deployment", API_NAME)

    @property
    def api_container(self) -> Obj:
        return container(self.api, API_NAME)

    def workloads(self) -> list[Obj]:
        return [obj for obj in self.objects if obj["kind"] in WORKLOAD_KINDS]


def render(overlay: str) -> Rendered:
    """Run `kubectl kustomize` on k8s/overlays/<overlay>; a failed build fails the test."""
    result = subprocess.run(
        [kubectl(), "kustomize", str(K8S / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"kubectl kustomize {overlay} failed:\n{result.stderr}", pytrace=False)
    objects = tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)
    assert objects, f"kubectl kustomize {overlay} rendered nothing"
    return Rendered(overlay, objects)


def describe(obj: Obj) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


def pod_spec(workload: Obj) -> Obj:
    return workload["spec"]["template"]["spec"]


def pod_labels(workload: Obj) -> dict[str, str]:
    return workload["spec"]["template"]["metadata"]["labels"]


def all_containers(workload: Obj) -> list[Obj]:
    spec = pod_spec(workload)
    return [*spec.get("initContainers", []), *spec["containers"]]


def container(workload: Obj, name: str) -> Obj:
    for candidate in pod_spec(workload)["containers"]:
        if candidate["name"] == name:
            return candidate
    raise AssertionError(f"{describe(workload)} has no container {name!r}")


def resolve_port(owner: Obj, port: int | str) -> int:
    """The number of a container port given by number or by name; unknown ports fail."""
    for declared in owner.get("ports", []):
        if port in (declared["containerPort"], declared.get("name")):
            return int(declared["containerPort"])
    raise AssertionError(f"port {port!r} is not declared by container {owner['name']!r}")


def env_var(owner: Obj, name: str) -> Obj:
    for variable in owner.get("env", []):
        if variable["name"] == name:
            return variable
    raise AssertionError(f"container {owner['name']!r} does not set {name}")


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())
