#!/usr/bin/env python3
"""Checks what a schema cannot: that the Kubernetes manifests agree with each other, with the
Dockerfile and with Firehouse itself. Run by scripts/check-deploy after the schema validation.

Usage: deploy/kubernetes/check.py PATH-TO-firehouse-BINARY
"""
import os
import re
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def load(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return yaml.safe_load(f)


def duration_seconds(text):
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    total = 0.0
    for value, unit in re.findall(r"(\d+)(ms|s|m|h)", str(text)):
        total += int(value) * units[unit]
    return total


def main():
    firehouse = sys.argv[1]
    problems = []

    def expect(condition, message):
        if not condition:
            problems.append(message)

    kustomization = load("kustomization.yaml")
    manifests = sorted(f for f in os.listdir(HERE) if f.endswith(".yaml") and f != "kustomization.yaml")
    expect(sorted(kustomization["resources"]) == manifests, f"kustomization resources {kustomization['resources']} != files {manifests}")

    config_map, secret, service, statefulset = load("configmap.yaml"), load("secret.yaml"), load("service.yaml"), load("statefulset.yaml")
    config = yaml.safe_load(config_map["data"]["firehouse.yml"])
    pod = statefulset["spec"]["template"]
    container = pod["spec"]["containers"][0]

    # The config Firehouse will run with is valid, with the Secret's keys as the files it mounts.
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    secret_dirs = [p for p, n in mounts.items() if volumes.get(n, {}).get("secret", {}).get("secretName") == secret["metadata"]["name"]]
    expect(len(secret_dirs) == 1, f"the Secret must be mounted once as a volume, found {secret_dirs}")
    secret_dir = secret_dirs[0] if secret_dirs else "/nowhere"
    text = config_map["data"]["firehouse.yml"]
    named = re.findall(r"^\s*-?\s*\w+_file:\s*(\S+)\s*$", text, re.M)
    expect(len(named) >= 4, f"the config names only {named} as secret files")
    for path in named:
        expect(os.path.dirname(path) == secret_dir and os.path.basename(path) in secret["stringData"],
               f"{path} (named by the config) is not a key of the Secret mounted at {secret_dir}")
    with tempfile.TemporaryDirectory() as tmp:
        files = os.path.join(tmp, "secrets")
        os.mkdir(files)
        for key, value in secret["stringData"].items():
            with open(os.path.join(files, key), "w", encoding="utf-8") as f:
                f.write(value + "\n")
        path = os.path.join(tmp, "firehouse.yml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace(secret_dir + "/", files + "/"))
        env = {k: v for k, v in os.environ.items() if not k.startswith("FIREHOUSE_")}
        run = subprocess.run([firehouse, "check-config", path], capture_output=True, text=True, env=env)
        expect(run.returncode == 0, f"configmap firehouse.yml: {run.stderr.strip()}")
        # Without its secrets it must not start: the shipped deployment is authenticated.
        for key in ("FIREHOUSE_WEBHOOK_TOKEN", "FIREHOUSE_API_ADMIN_TOKEN"):
            os.rename(os.path.join(files, key), os.path.join(files, key + ".gone"))
            run = subprocess.run([firehouse, "check-config", path], capture_output=True, text=True, env=env)
            expect(run.returncode != 0, f"the config passes without the Secret's {key}")
            os.rename(os.path.join(files, key + ".gone"), os.path.join(files, key))
        # The runbooks ConfigMap, laid out as the volume will be, is a clean library.
        runbooks = os.path.join(tmp, "runbooks")
        os.mkdir(runbooks)
        for key, text in load("runbooks-configmap.yaml")["data"].items():
            with open(os.path.join(runbooks, key), "w", encoding="utf-8") as f:
                f.write(text)
            original = os.path.join(ROOT, "runbooks", key.replace("--", os.sep))
            expect(open(original, encoding="utf-8").read() == text, f"runbooks ConfigMap {key} differs from {original}")
        run = subprocess.run([firehouse, "runbooks", "check", runbooks], capture_output=True, text=True)
        expect(run.returncode == 0, f"runbooks ConfigMap: {run.stdout.strip()} {run.stderr.strip()}")

    # Ports, probes and mounts agree with the config.
    port = int(config["server"]["listen"].rsplit(":", 1)[1])
    expect(config["server"]["listen"].startswith("0.0.0.0:"), "server.listen must be 0.0.0.0 in a pod")
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    expect(ports.get("http") == port, f"containerPort {ports} != listen port {port}")
    expect(container["livenessProbe"]["httpGet"]["path"] == "/healthz", "liveness must be /healthz (no database)")
    expect(container["readinessProbe"]["httpGet"]["path"] == "/readyz", "readiness must be /readyz")
    expect(mounts.get(os.path.dirname(config["database"]["path"])) == "data", "the database directory must be the PVC")
    expect(mounts.get(config["runbooks"]["path"]) == "runbooks", "runbooks.path must be the runbooks ConfigMap")
    expect(container["args"][-1] in mounts, f"--config {container['args'][-1]} is not mounted")
    claims = [c["metadata"]["name"] for c in statefulset["spec"]["volumeClaimTemplates"]]
    expect("data" in claims, "no volumeClaimTemplate named data")
    expect(statefulset["spec"]["replicas"] == 1, "SQLite allows one replica")

    # SIGKILL must not cut a graceful shutdown short; readiness must fail before the server stops.
    server = config["server"]
    needed = duration_seconds(server.get("shutdown_delay", "2s")) + duration_seconds(server.get("grace_period", "20s"))
    grace = pod["spec"]["terminationGracePeriodSeconds"]
    expect(grace > needed, f"terminationGracePeriodSeconds {grace} <= shutdown_delay + grace_period ({needed}s)")
    expect(duration_seconds(server.get("shutdown_delay", "2s")) > container["readinessProbe"]["periodSeconds"],
           "shutdown_delay must outlast one readiness period")

    # The non-root user is the image's.
    dockerfile = open(os.path.join(ROOT, "Dockerfile"), encoding="utf-8").read()
    user = re.search(r"^USER (\d+)", dockerfile, re.M)
    expect(user and int(user.group(1)) == pod["spec"]["securityContext"]["runAsUser"], "runAsUser differs from the Dockerfile's USER")

    # Secrets come as files only (no variables to leak into child processes or crash dumps).
    expect("envFrom" not in container and "env" not in container, "secrets are files: no env or envFrom")
    expect(not re.search(r"_env:", config_map["data"]["firehouse.yml"]), "the config names environment variables")
    # The Service reaches the pod.
    labels = pod["metadata"]["labels"]
    expect(all(labels.get(k) == v for k, v in service["spec"]["selector"].items()), "the Service selector misses the pod")
    for annotations in (pod["metadata"]["annotations"], service["metadata"]["annotations"]):
        expect(annotations.get("prometheus.io/scrape") == "true" and annotations.get("prometheus.io/port") == str(port)
               and annotations.get("prometheus.io/path") == "/metrics", "scrape annotations must point at /metrics on the port")

    for problem in problems:
        print(f"deploy/kubernetes: {problem}", file=sys.stderr)
    print(f"deploy/kubernetes: {len(manifests)} manifests consistent" if not problems else f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
