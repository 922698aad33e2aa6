"""What distinguishes the overlays: dev's in-cluster replica set, prod's scale and pinning."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

from tests.deploy.manifests import (
    API_NAME,
    SECRET_NAME,
    Rendered,
    container,
    env_var,
    pod_labels,
    resolve_port,
    selects,
)


def secret_ref_names(rendered: Rendered) -> set[str]:
    api = rendered.api_container
    return {
        env_var(api, name)["valueFrom"]["secretKeyRef"]["name"]
        for name in ("MONGODB_URI", "ADMIN_TOKEN")
    }


def dev_secret(dev: Rendered) -> dict[str, str]:
    secret = dev.get("Secret", SECRET_NAME)
    return {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}


def mongod_argument(mongod: dict, flag: str) -> str:
    for argument in [*mongod.get("command", []), *mongod.get("args", [])]:
        if argument.startswith(f"{flag}="):
            return argument.split("=", 1)[1]
    raise AssertionError(f"mongod is not started with {flag}=...")


def test_dev_runs_one_api_replica_without_disruption_budget_or_autoscaler(
    dev: Rendered,
) -> None:
    assert dev.api["spec"]["replicas"] == 1
    assert dev.of_kind("PodDisruptionBudget") == []
    assert dev.of_kind("HorizontalPodAutoscaler") == []


def test_dev_generates_the_secret_the_api_references(dev: Rendered) -> None:
    secret = dev.get("Secret", SECRET_NAME)
    assert secret_ref_names(dev) == {secret["metadata"]["name"]}
    values = dev_secret(dev)
    assert set(values) == {"MONGODB_URI", "ADMIN_TOKEN"}
    # The app refuses admin tokens shorter than 16 characters.
    assert len(values["ADMIN_TOKEN"]) >= 16
    assert "dev" in values["ADMIN_TOKEN"]


def test_dev_mongodb_is_one_member_with_a_persistent_volume(dev: Rendered) -> None:
    mongodb = dev.get("StatefulSet", "mongodb")
    assert mongodb["spec"]["replicas"] == 1
    (claim,) = mongodb["spec"]["volumeClaimTemplates"]
    assert claim["spec"]["resources"]["requests"]["storage"]
    mongod = container(mongodb, "mongodb")
    mounts = {mount["name"]: mount["mountPath"] for mount in mongod["volumeMounts"]}
    assert mounts[claim["metadata"]["name"]] == mongod_argument(mongod, "--dbpath")

    service = dev.get("Service", mongodb["spec"]["serviceName"])
    assert service["spec"]["clusterIP"] == "None"
    assert service["spec"]["publishNotReadyAddresses"] is True
    assert selects(service["spec"]["selector"], pod_labels(mongodb))


def test_dev_uri_names_the_member_and_set_that_the_init_step_creates(dev: Rendered) -> None:
    mongodb = dev.get("StatefulSet", "mongodb")
    mongod = container(mongodb, "mongodb")
    uri = urlsplit(dev_secret(dev)["MONGODB_URI"])
    replica_set = parse_qs(uri.query)["replicaSet"]
    port = resolve_port(mongod, "mongodb")
    member = f"{mongodb['metadata']['name']}-0.{mongodb['spec']['serviceName']}:{port}"

    assert uri.scheme == "mongodb"
    assert uri.netloc == member
    assert replica_set == [mongod_argument(mongod, "--replSet")]
    init = " ".join(mongod["lifecycle"]["postStart"]["exec"]["command"])
    assert "rs.initiate" in init
    assert f'"{replica_set[0]}"' in init and f'"{member}"' in init


def test_dev_database_accepts_only_the_api_and_itself(dev: Rendered) -> None:
    policy = dev.get("NetworkPolicy", "mongodb")["spec"]
    mongodb = dev.get("StatefulSet", "mongodb")
    assert selects(policy["podSelector"]["matchLabels"], pod_labels(mongodb))
    (rule,) = policy["ingress"]
    sources = [peer["podSelector"]["matchLabels"] for peer in rule["from"]]
    assert all(
        selects(labels, pod_labels(mongodb)) or selects(labels, pod_labels(dev.api))
        for labels in sources
    )
    assert [resolve_port(container(mongodb, "mongodb"), p["port"]) for p in rule["ports"]] == [
        27017
    ]


def test_dev_namespace_enforces_the_restricted_pod_security_standard(dev: Rendered) -> None:
    (namespace,) = dev.of_kind("Namespace")
    labels = namespace["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    name = namespace["metadata"]["name"]
    assert all(
        obj["metadata"].get("namespace") == name
        for obj in dev.objects
        if obj["kind"] != "Namespace"
    )


def test_prod_runs_at_least_two_replicas_within_the_autoscaler_range(prod: Rendered) -> None:
    replicas = prod.api["spec"]["replicas"]
    hpa = prod.get("HorizontalPodAutoscaler", API_NAME)
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": API_NAME,
    }
    assert replicas >= 2
    assert 2 <= hpa["spec"]["minReplicas"] <= replicas <= hpa["spec"]["maxReplicas"]
    (metric,) = hpa["spec"]["metrics"]
    assert metric["type"] == "Resource" and metric["resource"]["name"] == "cpu"


def test_prod_disruption_budget_covers_the_api_and_leaves_one_serving(prod: Rendered) -> None:
    budget = prod.get("PodDisruptionBudget", API_NAME)["spec"]
    assert selects(budget["selector"]["matchLabels"], pod_labels(prod.api))
    replicas = prod.api["spec"]["replicas"]
    if "maxUnavailable" in budget:
        assert 1 <= budget["maxUnavailable"] < replicas
    else:
        assert 1 <= budget["minAvailable"] < replicas


def test_prod_image_is_pinned_in_a_registry(prod: Rendered) -> None:
    image = prod.api_container["image"]
    assert "/" in image.split("@")[0], f"{image} names no registry repository"
    if "@" in image:
        assert image.split("@", 1)[1].startswith("sha256:")
    else:
        tag = image.rpartition(":")[2]
        assert tag and tag != "latest" and "/" not in tag, image


def test_prod_uses_the_operator_secret_and_an_external_database(prod: Rendered) -> None:
    assert secret_ref_names(prod) == {SECRET_NAME}
    assert prod.of_kind("Secret") == []
    assert prod.of_kind("StatefulSet") == []
