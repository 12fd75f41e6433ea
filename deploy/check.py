#!/usr/bin/env python3
"""Checks the deployment files against the code they deploy: syntax (YAML, JSON, systemd via
`systemd-analyze verify`), and that they name the real executables, ports, health paths,
environment variables, Redis keys and metric names. Run by the test suite:

    python3 deploy/check.py [--bin-dir DIR]

The truth is read from the Swift sources: settings from Shared/ServiceSettings/Setting.swift,
ports from ServiceKind.swift (`defaultPort`, and `defaultMetricsPort`: where a service has one,
/metrics is served there and not on PORT; the dispatcher's metrics port is its PORT), metric names
from every `label: "passwordless_…"` (KEDA scales dispatchers on the pending gauge). Metrics ports
must never be published outside (k8s Services of type ClusterIP only, compose `expose` not `ports`).
Exits 1 and lists every mismatch.
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEPLOY = os.path.join(ROOT, "deploy")
problems = []
checks = 0


def check(condition, message):
    global checks
    checks += 1
    if not condition:
        problems.append(message)


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def swift_property(source, name):
    """The body of `var name: … { … }` in source (by brace matching), or "" when absent."""
    match = re.search(r"\bvar " + name + r"\b[^{]*\{", source)
    if not match:
        return ""
    depth, start = 1, match.end()
    for index in range(start, len(source)):
        depth += {"{": 1, "}": -1}.get(source[index], 0)
        if depth == 0:
            return source[start:index]
    return ""


def service_ports(body):
    return {m[0]: int(m[1]) for m in re.findall(r"case \.(gateway|token|dispatcher): (\d+)", body)}


settings = set(re.findall(r'case \w+ = "([A-Z_]+)"', read("Shared/ServiceSettings/Setting.swift")))
service_kind = read("Shared/ServiceSettings/ServiceKind.swift")
ports = service_ports(swift_property(service_kind, "defaultPort"))
own_metrics_ports = service_ports(swift_property(service_kind, "defaultMetricsPort"))
# Where /metrics is served: the service's own metrics port, else (the dispatcher) its only port.
metrics_ports = {name: own_metrics_ports.get(name, port) for name, port in ports.items()}
LOOPBACK = {"127.0.0.1", "::1", "[::1]", "localhost"}
executables = {f"passwordless-{name}" for name in ["gateway", "token", "dispatcher", "admin"]}
metrics = set()
for path in glob.glob(os.path.join(ROOT, "Services", "**", "*.swift"), recursive=True) + glob.glob(
        os.path.join(ROOT, "Shared", "**", "*.swift"), recursive=True):
    metrics |= set(re.findall(r'label: "(passwordless_[a-z_]+)"', open(path, encoding="utf-8").read()))
check(settings >= {"DATABASE_URL", "REDIS_URL", "PASSWORDLESS_MASTER_KEY", "PORT"}, "settings could not be read from Setting.swift")
check(ports == {"gateway": 8080, "token": 8081, "dispatcher": 8082}, f"ports could not be read from ServiceKind.swift: {ports}")
check(set(own_metrics_ports) == {"gateway", "token"} and not set(own_metrics_ports.values()) & set(ports.values()),
      f"metrics ports could not be read from ServiceKind.swift (defaultMetricsPort): {own_metrics_ports}")
check("METRICS_PORT" in settings, "Setting.swift has no METRICS_PORT")
check(len(metrics) >= 10, f"metric names could not be read from the sources: {sorted(metrics)}")


def service_of(executable):
    return executable.replace("passwordless-", "")


def metric_references(text):
    names = set(re.findall(r"\b(passwordless_[a-z_]+)", text))
    return {re.sub(r"_(bucket|count|sum)$", "", n) for n in names}


# Kubernetes
documents = []
for path in sorted(glob.glob(os.path.join(DEPLOY, "kubernetes", "*.yaml"))):
    try:
        documents += [(path, d) for d in yaml.safe_load_all(open(path, encoding="utf-8")) if d]
    except yaml.YAMLError as error:
        check(False, f"{path}: invalid YAML: {error}")
kinds = {}
for path, doc in documents:
    kinds.setdefault(doc.get("kind"), []).append(doc)
    check("apiVersion" in doc and "metadata" in doc, f"{path}: a document without apiVersion or metadata")
configmap_keys = set()
secret_keys = set()
for doc in kinds.get("ConfigMap", []):
    configmap_keys |= set(doc.get("data", {}))
for doc in kinds.get("Secret", []):
    secret_keys |= set(doc.get("stringData", {})) | set(doc.get("data", {}))
check(configmap_keys | secret_keys <= settings, f"kubernetes config names unknown settings: {sorted((configmap_keys | secret_keys) - settings)}")
check({"DATABASE_URL", "PASSWORDLESS_MASTER_KEY"} <= secret_keys, "the Secret lacks DATABASE_URL or PASSWORDLESS_MASTER_KEY")
check({"REDIS_URL"} <= configmap_keys | secret_keys, "REDIS_URL is configured nowhere")
deployments = {d["metadata"]["name"]: d for d in kinds.get("Deployment", [])}
for name in ["gateway", "token", "dispatcher"]:
    deployment = deployments.get(f"passwordless-{name}")
    check(deployment is not None, f"no Deployment passwordless-{name}")
    if not deployment:
        continue
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    check(container["command"][0] == f"passwordless-{name}", f"Deployment passwordless-{name} runs {container['command']}")
    check(container["ports"][0]["containerPort"] == ports[name], f"Deployment passwordless-{name} exposes {container['ports']}")
    named_ports = {p.get("name"): p["containerPort"] for p in container["ports"]}

    def resolve(port, default=None):
        """A probe's or Service's (target) port, by number or by container port name."""
        port = default if port is None else port
        return named_ports.get(port) if isinstance(port, str) else port

    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    check(set(env) <= settings, f"Deployment passwordless-{name} sets unknown variables {sorted(set(env) - settings)}")
    check(env.get("PORT") == str(ports[name]), f"Deployment passwordless-{name} sets PORT={env.get('PORT')}")
    if name in own_metrics_ports:
        check(named_ports.get("metrics") == metrics_ports[name],
              f"Deployment passwordless-{name} has no containerPort named metrics on {metrics_ports[name]}: {container['ports']}")
        check(env.get("METRICS_PORT") == str(metrics_ports[name]), f"Deployment passwordless-{name} sets METRICS_PORT={env.get('METRICS_PORT')}")
    else:
        check("METRICS_PORT" not in env, f"Deployment passwordless-{name} sets METRICS_PORT, which it ignores (metrics are on PORT)")
    check(container["livenessProbe"]["httpGet"]["path"] == "/healthz", f"passwordless-{name}: liveness probe is not /healthz")
    check(container["readinessProbe"]["httpGet"]["path"] == "/readyz", f"passwordless-{name}: readiness probe is not /readyz")
    check(resolve(container["readinessProbe"]["httpGet"].get("port")) == ports[name],
          f"passwordless-{name}: readiness probe is not on PORT {ports[name]} (only PORT serves /readyz)")
    annotations = deployment["spec"]["template"]["metadata"].get("annotations", {})
    check(annotations.get("prometheus.io/path") == "/metrics" and annotations.get("prometheus.io/port") == str(metrics_ports[name]),
          f"passwordless-{name}: scrape annotations do not point at /metrics on its metrics port {metrics_ports[name]}")
    check(metrics_ports[name] in named_ports.values(), f"passwordless-{name}: the metrics port {metrics_ports[name]} is not a containerPort")
    services = [s for s in kinds.get("Service", []) if s["metadata"]["name"] == f"passwordless-{name}"]
    check(services and services[0]["spec"]["ports"][0]["port"] == ports[name], f"Service passwordless-{name} does not serve port {ports[name]}")
    for service in [s for s in kinds.get("Service", []) if s["spec"].get("selector", {}).get("app.kubernetes.io/name") == f"passwordless-{name}"]:
        label = f"Service {service['metadata']['name']}"
        targets = {resolve(p.get("targetPort"), p["port"]) for p in service["spec"]["ports"]}
        check(None not in targets, f"{label} targets a port the container does not name")
        outside = service["spec"].get("type", "ClusterIP") != "ClusterIP" or service["spec"].get("externalIPs")
        if name in own_metrics_ports:
            check(metrics_ports[name] not in targets and all(p.get("name") != "metrics" for p in service["spec"]["ports"]),
                  f"{label} carries the metrics port {metrics_ports[name]}; Prometheus scrapes the pods")
        else:
            check(not (outside and metrics_ports[name] in targets),
                  f"{label} publishes the metrics port {metrics_ports[name]} outside the cluster (type {service['spec'].get('type')})")
    check(any(p["metadata"]["name"] == f"passwordless-{name}" for p in kinds.get("PodDisruptionBudget", [])), f"no PodDisruptionBudget for passwordless-{name}")
for hpa in kinds.get("HorizontalPodAutoscaler", []):
    check(hpa["spec"]["scaleTargetRef"]["name"] in deployments, f"HPA {hpa['metadata']['name']} targets an unknown Deployment")
check({h["spec"]["scaleTargetRef"]["name"] for h in kinds.get("HorizontalPodAutoscaler", [])} == {"passwordless-gateway", "passwordless-token"},
      "HPAs should scale the gateway and the token service")
scaled = kinds.get("ScaledObject", [])
check(len(scaled) == 1 and scaled[0]["spec"]["scaleTargetRef"]["name"] == "passwordless-dispatcher", "no KEDA ScaledObject for the dispatcher")
if scaled:
    # The queue is partitioned (a list per tenant in every partition): no single Redis list holds
    # the work waiting, so KEDA scales on the dispatchers' own gauge of it.
    trigger = scaled[0]["spec"]["triggers"][0]
    query = trigger.get("metadata", {}).get("query", "")
    check(trigger["type"] == "prometheus" and metric_references(query) == {"passwordless_queue_pending"},
          f"the ScaledObject should use KEDA's Prometheus scaler on passwordless_queue_pending, not {trigger['type']} {query!r}")
    check("passwordless_queue_pending" in metrics, "the code exports no passwordless_queue_pending")
jobs = kinds.get("Job", [])
check(jobs and jobs[0]["spec"]["template"]["spec"]["containers"][0]["command"] == ["passwordless-admin", "migrate"], "no migrate Job")

# Compose
compose = yaml.safe_load(open(os.path.join(DEPLOY, "docker", "compose.yaml"), encoding="utf-8"))
for name in ["gateway", "token", "dispatcher"]:
    service = compose["services"].get(name)
    check(service is not None, f"compose has no {name} service")
    if not service:
        continue
    check(service["command"] == [f"passwordless-{name}"], f"compose {name} runs {service['command']}")
    env = service["environment"]
    check(set(env) <= settings, f"compose {name} sets unknown variables {sorted(set(env) - settings)}")
    check(str(env.get("PORT")) == str(ports[name]), f"compose {name} sets PORT={env.get('PORT')}")
    if name in own_metrics_ports:
        check(str(env.get("METRICS_PORT")) == str(metrics_ports[name]), f"compose {name} sets METRICS_PORT={env.get('METRICS_PORT')}")
    else:
        check("METRICS_PORT" not in env, f"compose {name} sets METRICS_PORT, which it ignores (metrics are on PORT)")
    check("/readyz" in json.dumps(service.get("healthcheck", {})), f"compose {name} has no /readyz health check")
    published = []  # (host address, container port) of every `ports` entry
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            published.append((entry.get("host_ip", ""), int(str(entry["target"]).split("-")[0])))
        else:
            parts = str(entry).split("/")[0].rsplit(":", 2)
            published.append((parts[0] if len(parts) == 3 else "", int(parts[-1].split("-")[0])))
    outside = {port for host, port in published if host not in LOOPBACK}
    check(metrics_ports[name] not in outside, f"compose {name} publishes its metrics port {metrics_ports[name]} to the host: {service.get('ports')}")
    check(outside <= {ports[name]}, f"compose {name} publishes ports other than its public port {ports[name]}: {service.get('ports')}")
check(compose["services"]["migrate"]["command"] == ["passwordless-admin", "migrate"], "compose has no migrate one-shot")
for name, service in compose["services"].items():
    if name not in ports and str(service.get("image", "")).startswith("passwordless"):
        unknown = set(service.get("environment") or {}) - settings
        check(not unknown, f"compose {name} sets unknown variables {sorted(unknown)}")
check({"postgres", "redis"} <= set(compose["services"]), "compose lacks PostgreSQL or Redis")

# Compose, Redis Cluster override: six cluster nodes, and services that list them as seeds. The
# variables it sets are settings, or the Redis ones ARCHITECTURE.md ("Redis deployments") adds.
REDIS_DEPLOYMENT_SETTINGS = {"REDIS_MIN_REPLICAS", "REDIS_WAIT_TIMEOUT", "REDIS_MODE", "REDIS_TLS_CA_FILE", "REDIS_TLS_CERT_FILE",
                             "REDIS_TLS_KEY_FILE"}
cluster = yaml.safe_load(open(os.path.join(DEPLOY, "docker", "compose.cluster.yaml"), encoding="utf-8"))
cluster_nodes = {n for n, s in cluster["services"].items() if "--cluster-enabled" in (s.get("command") or [])}
check(len(cluster_nodes) == 6, f"compose.cluster.yaml should run six cluster nodes, runs {sorted(cluster_nodes)}")
for name in ["gateway", "token", "dispatcher"]:
    env = cluster["services"].get(name, {}).get("environment", {})
    check(set(env) <= settings | REDIS_DEPLOYMENT_SETTINGS, f"compose.cluster.yaml {name} sets unknown variables {sorted(set(env) - settings - REDIS_DEPLOYMENT_SETTINGS)}")
    seeds = {seed.split(":")[0] for seed in re.sub(r"^rediss?://", "", env.get("REDIS_URL", "")).split("/")[0].split(",")}
    check(len(seeds) >= 3 and seeds <= cluster_nodes, f"compose.cluster.yaml {name}: REDIS_URL should list cluster nodes as seeds: {env.get('REDIS_URL')}")

# Dockerfile
dockerfile = open(os.path.join(DEPLOY, "docker", "Dockerfile"), encoding="utf-8").read()
for executable in executables:
    check(executable in dockerfile, f"the Dockerfile does not install {executable}")
check(set(map(int, re.search(r"EXPOSE ([\d ]+)", dockerfile).group(1).split())) == set(ports.values()) | set(metrics_ports.values()),
      "the Dockerfile does not EXPOSE exactly the service and metrics ports")
check("libhiredis" in dockerfile and "libcurl4" in dockerfile, "the runtime image lacks libhiredis or libcurl")

# systemd
units = sorted(glob.glob(os.path.join(DEPLOY, "systemd", "*.service")))
check(len(units) == 4, f"expected 4 units, found {len(units)}")
env_example = open(os.path.join(DEPLOY, "systemd", "passwordless.env.example"), encoding="utf-8").read()
example_keys = set(re.findall(r"^([A-Z_]+)=", env_example, re.M))
check(example_keys <= settings, f"passwordless.env.example sets unknown variables {sorted(example_keys - settings)}")
# EnvironmentFile= overrides Environment=, and the file is shared by every unit.
check(not example_keys & {"PORT", "METRICS_PORT"}, "passwordless.env.example sets PORT or METRICS_PORT, which would override every unit's")
for unit in units:
    text = open(unit, encoding="utf-8").read()
    executable = re.search(r"^ExecStart=/usr/local/bin/(\S+)", text, re.M).group(1)
    check(executable in executables, f"{unit} starts {executable}")
    check("EnvironmentFile=/etc/passwordless/passwordless.env" in text, f"{unit} has no EnvironmentFile")
    unit_env = dict(re.findall(r"^Environment=\"?([A-Za-z_][A-Za-z0-9_]*)=(\S*?)\"?$", text, re.M))
    check(set(unit_env) <= settings, f"{unit} sets unknown variables {sorted(set(unit_env) - settings)}")
    if executable != "passwordless-admin":
        name = service_of(executable)
        port = re.search(r"^Environment=PORT=(\d+)", text, re.M)
        check(port and int(port.group(1)) == ports[name], f"{unit} sets the wrong PORT")
        if name in own_metrics_ports:
            check(unit_env.get("METRICS_PORT") == str(metrics_ports[name]),
                  f"{unit} does not set Environment=METRICS_PORT={metrics_ports[name]} (sets {unit_env.get('METRICS_PORT')})")
        else:
            check("METRICS_PORT" not in unit_env, f"{unit} sets METRICS_PORT, which {executable} ignores (metrics are on PORT)")
        check("Restart=on-failure" in text and "NoNewPrivileges=yes" in text, f"{unit} lacks its restart policy or hardening")

parser = argparse.ArgumentParser()
parser.add_argument("--bin-dir")
args = parser.parse_args()
if args.bin_dir:
    analyze = shutil.which("systemd-analyze")
    check(analyze is not None, "systemd-analyze is not installed (Debian package systemd)")
    if analyze:
        with tempfile.TemporaryDirectory() as directory:
            copies = []
            for unit in units:
                text = open(unit, encoding="utf-8").read().replace("/usr/local/bin/", os.path.abspath(args.bin_dir) + "/")
                text = text.replace("EnvironmentFile=/etc/passwordless/", f"EnvironmentFile=-{directory}/")
                copy = os.path.join(directory, os.path.basename(unit))
                open(copy, "w", encoding="utf-8").write(text)
                copies.append(copy)
            result = subprocess.run([analyze, "verify", *copies], capture_output=True, text=True)
            relevant = [line for line in (result.stdout + result.stderr).splitlines() if directory in line or "passwordless" in line]
            check(result.returncode == 0 and not relevant, "systemd-analyze verify: " + " | ".join(relevant or [result.stderr.strip()]))

# Dashboard and alerts refer to metrics that exist
dashboard = json.load(open(os.path.join(DEPLOY, "grafana", "passwordless-dashboard.json"), encoding="utf-8"))
exprs = " ".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
unknown = metric_references(exprs) - metrics
check(not unknown, f"the dashboard uses unknown metrics {sorted(unknown)}")
alerts = yaml.safe_load(open(os.path.join(DEPLOY, "prometheus-alerts.yaml"), encoding="utf-8"))
unknown = metric_references(json.dumps(alerts)) - metrics
check(not unknown, f"the alerts use unknown metrics {sorted(unknown)}")

for problem in problems:
    print("FAILED:", problem)
print(f"deploy: {checks - len(problems)} passed, {len(problems)} failed")
sys.exit(1 if problems else 0)
