"""Every rendered object is valid for the pinned Kubernetes version, in strict mode."""

from __future__ import annotations

import kubernetes_validate
import pytest

from tests.deploy.manifests import KUBERNETES_VERSION, Rendered, describe

PINNED_MINOR = KUBERNETES_VERSION.rsplit(".", 1)[0]


def validate_strictly(obj: dict) -> str:
    return kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def test_every_object_validates_strictly_against_pinned_kubernetes(rendered: Rendered) -> None:
    problems = []
    for obj in rendered.objects:
        try:
            used = validate_strictly(obj)
        except kubernetes_validate.ValidationError as exc:
            where = ".".join(str(part) for part in exc.path) or "(top)"
            problems.append(f"{describe(obj)}: {where}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError as exc:
            # An unknown kind or apiVersion is as wrong as an invalid field.
            problems.append(f"{describe(obj)}: {exc.message}")
        else:
            # The library silently falls back to an older schema set when the pinned one
            # is missing; that would no longer test the version we claim.
            if used != PINNED_MINOR:
                problems.append(f"{describe(obj)}: validated against {used}, not {PINNED_MINOR}")
    assert not problems, f"{rendered.overlay}:\n" + "\n".join(problems)


def test_strict_validation_rejects_a_misspelt_field() -> None:
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "typo"},
        "spec": {"ports": [{"port": 80, "targetPrt": 8080}]},
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        validate_strictly(service)


def test_validation_of_an_unknown_kind_raises_instead_of_passing() -> None:
    unknown = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    with pytest.raises(kubernetes_validate.SchemaNotFoundError):
        validate_strictly(unknown)
