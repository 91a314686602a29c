"""deploy/k8s renders with kubectl kustomize, passes the Kubernetes API schemas and holds the parts it must."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

kubernetes_validate = pytest.importorskip("kubernetes_validate", reason="kubernetes-validate (dev dependency) absent")

from rest_bridge.settings import BridgeSettings  # noqa: E402
from server.config import Settings  # noqa: E402

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
OVERLAYS = ("single", "scaled", "gpu")
KUBERNETES_VERSION = "1.30.0"  # the oldest version with the preStop sleep action the server uses


def render(overlay: str) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl absent (scripts/ci/install_k8s_tools.sh installs Debian's kubernetes-client)")
    done = subprocess.run([kubectl, "kustomize", str(K8S / "overlays" / overlay)], capture_output=True, text=True,
                          check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def by_kind(docs: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    assert len(found) == 1, f"{kind} {name or ''}: {len(found)} found"
    return found[0]


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers: list[dict[str, Any]] = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_overlay_renders_and_passes_the_api_schema(overlay: str) -> None:
    docs = render(overlay)
    for doc in docs:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    kinds = {d["kind"] for d in docs}
    assert {"Deployment", "Service", "Ingress", "ConfigMap", "Secret"} <= kinds


def test_a_broken_manifest_fails_the_schema_check() -> None:
    deployment = by_kind(render("single"), "Deployment", "galaxy-alpr-server")
    deployment["spec"]["replicas"] = "three"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)
    deployment["spec"]["replicas"] = 1
    deployment["spec"]["template"]["spec"]["containers"][0]["livenessProbes"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_the_server_is_probed_by_grpc_health_and_drains_before_it_is_killed() -> None:
    docs = render("scaled")
    server = by_kind(docs, "Deployment", "galaxy-alpr-server")
    spec = server["spec"]["template"]["spec"]
    main = container(server)
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert main[probe]["grpc"]["port"] == 50051
    assert main["resources"]["requests"]["cpu"] and main["resources"]["limits"]["memory"]
    config = by_kind(docs, "ConfigMap")["data"]
    grace = float(config["GALAXY_ALPR__SERVER__GRACE_PERIOD_S"])
    pre_stop = main["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert spec["terminationGracePeriodSeconds"] > grace + pre_stop
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert server["spec"]["replicas"] == 3


def test_grpc_balancing_goes_through_a_headless_service() -> None:
    docs = render("scaled")
    headless = by_kind(docs, "Service", "galaxy-alpr-server-headless")
    assert headless["spec"]["clusterIP"] == "None"
    target = by_kind(docs, "ConfigMap")["data"]["GALAXY_ALPR_BRIDGE__GRPC_TARGET"]
    assert target == f"dns:///{headless['metadata']['name']}:50051"
    bridge_service = by_kind(docs, "Service", "galaxy-alpr-bridge")
    ingress = by_kind(docs, "Ingress")
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"]
    assert backend == bridge_service["metadata"]["name"]


def test_scaled_has_an_autoscaler_and_a_disruption_budget_single_has_neither() -> None:
    scaled = render("scaled")
    hpa = by_kind(scaled, "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "galaxy-alpr-server" and hpa["spec"]["minReplicas"] >= 2
    assert by_kind(scaled, "PodDisruptionBudget")["spec"]["maxUnavailable"] == 1
    single = render("single")
    assert not {d["kind"] for d in single} & {"HorizontalPodAutoscaler", "PodDisruptionBudget"}
    volumes = by_kind(single, "Deployment", "galaxy-alpr-server")["spec"]["template"]["spec"]["volumes"]
    assert {"name": "artefacts", "persistentVolumeClaim": {"claimName": "galaxy-alpr-artefacts"}} in volumes
    by_kind(single, "PersistentVolumeClaim", "galaxy-alpr-artefacts")


def test_gpu_overlay_asks_for_a_gpu_and_puts_cuda_first() -> None:
    server = by_kind(render("gpu"), "Deployment", "galaxy-alpr-server")
    main = container(server)
    assert main["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert main["image"].endswith("-gpu")
    env = {e["name"]: e["value"] for e in main.get("env", []) if "value" in e}
    assert yaml.safe_load(env["GALAXY_ALPR__RUNTIME__EXECUTION_PROVIDERS"])[0] == "CUDAExecutionProvider"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_server_setting_the_manifests_set_is_one_the_server_knows(overlay: str) -> None:
    docs = render(overlay)
    values = dict(by_kind(docs, "ConfigMap")["data"])
    values.update(by_kind(docs, "Secret").get("stringData", {}))
    server_env = container(by_kind(docs, "Deployment", "galaxy-alpr-server")).get("env", [])
    values.update({e["name"]: e.get("value", "") for e in server_env})
    sections = Settings.model_fields
    for name in values:
        if name.startswith("GALAXY_ALPR_BRIDGE__"):
            assert name.removeprefix("GALAXY_ALPR_BRIDGE__").lower() in BridgeSettings.model_fields, name
            continue
        if not name.startswith("GALAXY_ALPR__"):
            continue
        section, key = name.removeprefix("GALAXY_ALPR__").lower().split("__", 1)
        assert section in sections, name
        model = sections[section].annotation
        assert key in model.model_fields, name  # type: ignore[union-attr]
