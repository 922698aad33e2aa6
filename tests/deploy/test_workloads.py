"""Properties every overlay keeps: probes, ports, hardening, resources, secrets, network."""

from __future__ import annotations

import pytest

from service.app import create_app
from service.config import ENVIRONMENT, Settings
from tests.deploy.manifests import (
    API_NAME,
    CONFIG_NAME,
    Rendered,
    all_containers,
    describe,
    env_var,
    pod_labels,
    pod_spec,
    resolve_port,
    selects,
)

# Routes the app serves for Kubernetes (see architecture.md, "Running it").
LIVENESS_ROUTE = "/livez"
READINESS_ROUTE = "/readyz"
# The app's own default SHUTDOWN_GRACE_SECONDS; the kubelet must wait longer.
APP_DEFAULT_SHUTDOWN_GRACE = 10
SECRET_SETTINGS = ("MONGODB_URI", "ADMIN_TOKEN")


@pytest.fixture(scope="module")
def app_get_routes() -> set[str]:
    """GET paths the real app serves; building it does no I/O until startup."""
    app = create_app(Settings(mongodb_uri="mongodb://unused.invalid:27017"))
    return {route.resource.canonical for route in app.router.routes() if route.method == "GET"}


def config_data(rendered: Rendered) -> dict[str, str]:
    return rendered.get("ConfigMap", CONFIG_NAME)["data"]


def http_port(rendered: Rendered) -> int:
    return resolve_port(rendered.api_container, "http")


def test_probes_use_health_routes_on_the_http_port(
    rendered: Rendered, app_get_routes: set[str]
) -> None:
    assert {LIVENESS_ROUTE, READINESS_ROUTE} <= app_get_routes
    api = rendered.api_container
    expected = {
        "livenessProbe": LIVENESS_ROUTE,
        "readinessProbe": READINESS_ROUTE,
        "startupProbe": LIVENESS_ROUTE,
    }
    for probe_name, route in expected.items():
        probe = api.get(probe_name)
        assert probe, f"{rendered.overlay}: the API container has no {probe_name}"
        assert probe["httpGet"]["path"] == route, probe_name
        assert resolve_port(api, probe["httpGet"]["port"]) == http_port(rendered), probe_name


def test_service_targets_the_container_port_of_the_api_pods(rendered: Rendered) -> None:
    service = rendered.get("Service", API_NAME)
    assert selects(service["spec"]["selector"], pod_labels(rendered.api))
    (port,) = service["spec"]["ports"]
    assert resolve_port(rendered.api_container, port["targetPort"]) == http_port(rendered)


def test_app_listens_on_all_interfaces_at_the_container_port(rendered: Rendered) -> None:
    config = config_data(rendered)
    assert config["HOST"] == "0.0.0.0"
    assert int(config["PORT"]) == http_port(rendered)


def test_config_holds_only_settings_the_app_reads_and_no_secrets(rendered: Rendered) -> None:
    config = config_data(rendered)
    assert set(config) <= set(ENVIRONMENT), set(config) - set(ENVIRONMENT)
    assert not set(config) & set(SECRET_SETTINGS)
    api = rendered.api_container
    referenced = {ref["configMapRef"]["name"] for ref in api.get("envFrom", [])}
    assert rendered.get("ConfigMap", CONFIG_NAME)["metadata"]["name"] in referenced


@pytest.mark.parametrize("setting", SECRET_SETTINGS)
def test_secret_settings_come_from_secret_key_refs(rendered: Rendered, setting: str) -> None:
    variable = env_var(rendered.api_container, setting)
    assert "value" not in variable, f"{setting} must not be written into the manifest"
    assert variable["valueFrom"]["secretKeyRef"]["key"] == setting
    assert not variable["valueFrom"]["secretKeyRef"].get("optional", False)


def test_pods_run_as_a_fixed_non_root_user_with_runtime_default_seccomp(
    rendered: Rendered,
) -> None:
    for workload in rendered.workloads():
        context = pod_spec(workload)["securityContext"]
        assert context["runAsNonRoot"] is True, describe(workload)
        assert isinstance(context["runAsUser"], int), describe(workload)
        assert context["runAsUser"] > 0, describe(workload)
        assert context["seccompProfile"]["type"] == "RuntimeDefault", describe(workload)


def test_api_runs_as_uid_10001(rendered: Rendered) -> None:
    assert pod_spec(rendered.api)["securityContext"]["runAsUser"] == 10001
    assert rendered.api_container["securityContext"]["runAsUser"] == 10001


def test_containers_drop_all_capabilities_and_mount_root_read_only(rendered: Rendered) -> None:
    for workload in rendered.workloads():
        for each in all_containers(workload):
            where = f"{describe(workload)} container {each['name']}"
            context = each["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["capabilities"]["drop"] == ["ALL"], where
            assert not context["capabilities"].get("add"), where
            assert not context.get("privileged", False), where
            assert context.get("runAsNonRoot", True) is True, where


def test_tmp_is_a_writable_empty_dir(rendered: Rendered) -> None:
    for workload in rendered.workloads():
        volumes = {volume["name"]: volume for volume in pod_spec(workload).get("volumes", [])}
        for each in all_containers(workload):
            mounts = {mount["mountPath"]: mount for mount in each.get("volumeMounts", [])}
            where = f"{describe(workload)} container {each['name']}"
            assert "/tmp" in mounts, f"{where} has no /tmp mount"
            assert not mounts["/tmp"].get("readOnly", False), where
            assert "emptyDir" in volumes[mounts["/tmp"]["name"]], where


def test_every_container_requests_and_limits_cpu_and_memory(rendered: Rendered) -> None:
    for workload in rendered.workloads():
        for each in all_containers(workload):
            resources = each.get("resources", {})
            for bound in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    assert resources.get(bound, {}).get(resource), (
                        f"{describe(workload)} container {each['name']}: no {bound}.{resource}"
                    )


def test_service_account_tokens_are_not_mounted(rendered: Rendered) -> None:
    for workload in rendered.workloads():
        assert pod_spec(workload)["automountServiceAccountToken"] is False, describe(workload)
    account_name = pod_spec(rendered.api)["serviceAccountName"]
    account = rendered.get("ServiceAccount", account_name)
    assert account["automountServiceAccountToken"] is False


def test_termination_grace_outlasts_the_app_shutdown_and_pre_stop_pause(
    rendered: Rendered,
) -> None:
    grace = pod_spec(rendered.api)["terminationGracePeriodSeconds"]
    app_grace = float(config_data(rendered).get("SHUTDOWN_GRACE_SECONDS", 10))
    pre_stop = rendered.api_container.get("lifecycle", {}).get("preStop", {})
    pause = int(pre_stop["exec"]["command"][-1]) if pre_stop else 0
    assert grace > APP_DEFAULT_SHUTDOWN_GRACE
    assert grace > app_grace + pause, (grace, app_grace, pause)


def test_network_policy_admits_http_and_lets_out_only_mongodb_and_dns(
    rendered: Rendered,
) -> None:
    policy = rendered.get("NetworkPolicy", API_NAME)["spec"]
    assert selects(policy["podSelector"]["matchLabels"], pod_labels(rendered.api))
    assert sorted(policy["policyTypes"]) == ["Egress", "Ingress"]

    ingress_ports = [port for rule in policy["ingress"] for port in rule["ports"]]
    assert [resolve_port(rendered.api_container, p["port"]) for p in ingress_ports] == [
        http_port(rendered)
    ]

    # A rule without ports would open every port, so each one must list its ports.
    assert all(rule.get("ports") for rule in policy["egress"]), policy["egress"]
    egress = {
        (port.get("protocol", "TCP"), port["port"])
        for rule in policy["egress"]
        for port in rule["ports"]
    }
    assert egress == {("TCP", 27017), ("UDP", 53), ("TCP", 53)}


def test_images_carry_an_explicit_tag_other_than_latest(rendered: Rendered) -> None:
    for workload in rendered.workloads():
        for each in all_containers(workload):
            image = each["image"]
            if "@sha256:" in image:
                continue
            name, _, tag = image.rpartition(":")
            assert name and "/" not in tag, f"{describe(workload)}: {image} has no tag"
            assert tag != "latest", f"{describe(workload)}: {image}"
