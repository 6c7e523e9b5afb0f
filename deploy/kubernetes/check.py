#!/usr/bin/env python3
"""Checks what a schema cannot: that the Kubernetes manifests agree with each other, with the
Dockerfile and with Firehouse itself, in both variants as kustomize renders them: SQLite
(deploy/kubernetes: StatefulSet) and PostgreSQL (deploy/kubernetes/postgres: Deployment, PDB,
CloudNativePG Cluster), each also with the optional components/servicemonitor. Run by
scripts/check-deploy after the schema validation.

The variants are rendered here with the few kustomize features the files use (resources, components,
patches, labels, images, namespace; a kustomization using anything else is reported). Where kubectl
is on PATH, `kubectl kustomize` renders them too and must agree.

Usage: deploy/kubernetes/check.py PATH-TO-firehouse-BINARY
"""
import copy
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
COMPONENT = "components/servicemonitor"
# What the PostgreSQL variant's config is checked with (check-config parses it, never connects).
CHECK_DATABASE_URL = "postgres://app@firehouse-pg-rw:5432/app?sslmode=require"
STABLE = {"app.kubernetes.io/name", "app.kubernetes.io/instance"}
RECOMMENDED = STABLE | {"app.kubernetes.io/component", "app.kubernetes.io/part-of", "app.kubernetes.io/version"}
SCRAPE = ("prometheus.io/scrape", "prometheus.io/port", "prometheus.io/path")


def load(path):
    with open(os.path.join(HERE, path), encoding="utf-8") as f:
        return yaml.safe_load(f)


def load_all(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def duration_seconds(text):
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    total = 0.0
    for value, unit in re.findall(r"(\d+)(ms|s|m|h)", str(text)):
        total += int(value) * units[unit]
    return total


def where(directory):
    rel = os.path.relpath(directory, HERE)
    return "kustomization.yaml" if rel == "." else f"{rel}/kustomization.yaml"


def key(obj):
    return (obj["kind"], obj["metadata"]["name"])


def selects(selector, labels):
    """A label selector (matchLabels/matchExpressions, or a Service's plain map) against labels."""
    if selector is None:
        return False
    match = selector.get("matchLabels", {}) if ("matchLabels" in selector or "matchExpressions" in selector) else selector
    if not all(labels.get(k) == v for k, v in match.items()):
        return False
    for e in selector.get("matchExpressions", []) if "matchExpressions" in selector else []:
        op, values = e["operator"], e.get("values", [])
        if (op == "In" and labels.get(e["key"]) not in values) or (op == "NotIn" and labels.get(e["key"]) in values) \
                or (op == "Exists" and e["key"] not in labels) or (op == "DoesNotExist" and e["key"] in labels):
            return False
    return True


def selector_keys(selector):
    if "matchLabels" in selector or "matchExpressions" in selector:
        return set(selector.get("matchLabels", {}))
    return set(selector)


# --- kustomize, the subset these files use -------------------------------------------------------

class Unsupported(Exception):
    pass


def merge(target, patch):
    """Strategic merge for maps (a null deletes a key); lists are replaced."""
    for k, v in patch.items():
        if v is None:
            target.pop(k, None)
        elif isinstance(v, dict) and isinstance(target.get(k), dict):
            merge(target[k], v)
        else:
            target[k] = copy.deepcopy(v)


def json_patch(obj, ops):
    for op in ops:
        parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        parent = obj
        try:
            for p in parts[:-1]:
                parent = parent[int(p)] if isinstance(parent, list) else parent[p]
        except (KeyError, IndexError, ValueError):
            raise Unsupported(f"JSON patch on {key(obj)}: no {op['path']}") from None
        last = parts[-1]
        if op["op"] in ("remove", "replace") and (last not in parent if isinstance(parent, dict) else not last.isdigit()):
            raise Unsupported(f"JSON patch {op['op']} on {key(obj)}: no {op['path']}")
        if op["op"] == "remove":
            if isinstance(parent, list):
                del parent[int(last)]
            else:
                del parent[last]
        elif op["op"] in ("add", "replace"):
            if isinstance(parent, list):
                index = len(parent) if last == "-" else int(last)
                parent.insert(index, op["value"]) if op["op"] == "add" else parent.__setitem__(index, op["value"])
            else:
                parent[last] = op["value"]
        else:
            raise Unsupported(f"JSON patch op {op['op']}")


def matches(target, obj):
    group = obj["apiVersion"].split("/")[0] if "/" in obj["apiVersion"] else ""
    for field, value in (("group", group), ("version", obj["apiVersion"].split("/")[-1]), ("kind", obj["kind"]),
                         ("name", obj["metadata"]["name"]), ("namespace", obj["metadata"].get("namespace", ""))):
        if field in target and not re.fullmatch(target[field], value):
            return False
    return True


def transform(kustomization, directory, objects):
    for patch in kustomization.get("patches", []):
        if "path" in patch:
            with open(os.path.join(directory, patch["path"]), encoding="utf-8") as f:
                body = yaml.safe_load(f)
        else:
            body = yaml.safe_load(patch["patch"])
        target = patch.get("target")
        if target is None:
            if isinstance(body, list):
                raise Unsupported("a JSON patch needs a target")
            target = {"kind": re.escape(body["kind"]), "name": re.escape(body["metadata"]["name"])}
        hits = [o for o in objects if matches(target, o)]
        if not hits:
            raise Unsupported(f"patch {patch.get('path', target)} matches nothing")
        for obj in hits:
            if isinstance(body, list):
                json_patch(obj, body)
            else:
                body = copy.deepcopy(body)
                body.get("metadata", {}).pop("name", None)
                merge(obj, {k: v for k, v in body.items() if k not in ("apiVersion", "kind")})
    namespace = kustomization.get("namespace")
    for label in kustomization.get("labels", []):
        options = {k: v for k, v in label.items() if k != "pairs"}
        if set(options) - {"includeSelectors", "includeTemplates"} or any(options.values()):
            raise Unsupported(f"labels options {options}")
        for obj in objects:
            obj["metadata"].setdefault("labels", {}).update(label["pairs"])
    for image in kustomization.get("images", []):
        for obj in objects:
            spec = obj.get("spec", {}).get("template", {}).get("spec", {})
            for container in spec.get("containers", []) + spec.get("initContainers", []):
                reference = container["image"].split("@", 1)[0]
                name, tag = reference, None
                if reference.rfind(":") > reference.rfind("/"):
                    name, tag = reference.rsplit(":", 1)
                if name == image["name"]:
                    tag = image.get("newTag", tag)
                    container["image"] = image.get("newName", name) + (f":{tag}" if tag else "")
    if namespace:
        for obj in objects:
            obj["metadata"]["namespace"] = namespace


def build(directory, extra_components=()):
    """kustomize build DIRECTORY (with extra components appended, as an overlay would)."""
    kustomization = load_all(os.path.join(directory, "kustomization.yaml"))[0]
    known = {"apiVersion", "kind", "resources", "components", "patches", "labels", "images", "namespace"}
    if set(kustomization) - known:
        raise Unsupported(f"{where(directory)}: check.py does not know {sorted(set(kustomization) - known)}")
    if kustomization.get("kind") != "Kustomization":
        raise Unsupported(f"{where(directory)}: kind {kustomization.get('kind')}, not Kustomization")
    objects = []
    for resource in kustomization.get("resources", []):
        path = os.path.normpath(os.path.join(directory, resource))
        objects += build(path) if os.path.isdir(path) else load_all(path)
    for name in list(kustomization.get("components", [])) + list(extra_components):
        path = os.path.normpath(os.path.join(directory, name))
        sub = load_all(os.path.join(path, "kustomization.yaml"))[0]
        if sub.get("kind") != "Component":
            raise Unsupported(f"{name} is not a Component")
        for resource in sub.get("resources", []):
            objects += load_all(os.path.join(path, resource))
        transform(sub, path, objects)
    transform(kustomization, directory, objects)
    seen = set()
    for obj in objects:
        if key(obj) in seen:
            raise Unsupported(f"{key(obj)} twice")
        seen.add(key(obj))
    return objects


def kubectl_build(directory, extra_components=()):
    with tempfile.TemporaryDirectory() as tmp:
        if extra_components:
            overlay = os.path.join(tmp, "overlay")
            os.mkdir(overlay)
            rel = os.path.relpath(directory, overlay)
            with open(os.path.join(overlay, "kustomization.yaml"), "w", encoding="utf-8") as f:
                yaml.safe_dump({"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": [rel],
                                "components": [os.path.relpath(os.path.join(directory, c), overlay) for c in extra_components]}, f)
            directory = overlay
        run = subprocess.run(["kubectl", "kustomize", directory], capture_output=True, text=True)
    if run.returncode != 0:
        raise Unsupported(f"kubectl kustomize: {run.stderr.strip()}")
    return [d for d in yaml.safe_load_all(run.stdout) if d]


# --- the checks ----------------------------------------------------------------------------------

def check_layout(expect):
    """Each kustomization lists exactly the files and kustomization directories beside it."""
    exempt = {".": {"postgres", "components"}}  # the other variant and the optional components
    for directory, dirs, files in os.walk(HERE):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        rel = os.path.relpath(directory, HERE)
        if "kustomization.yaml" not in files:
            expect(rel == "components", f"{rel}/ has no kustomization.yaml")
            if rel == "components":
                for d in dirs:
                    path = os.path.join(directory, d, "kustomization.yaml")
                    expect(os.path.exists(path) and load(path).get("kind") == "Component"
                           and load(path).get("apiVersion") == "kustomize.config.k8s.io/v1alpha1",
                           f"components/{d} is not a kustomize.config.k8s.io/v1alpha1 Component")
            continue
        kustomization = load(os.path.join(rel, "kustomization.yaml"))
        listed = [r for r in kustomization.get("resources", []) if not r.startswith("../")]
        listed += [p["path"] for p in kustomization.get("patches", []) if "path" in p]
        present = [f for f in files if f.endswith(".yaml") and f != "kustomization.yaml"]
        present += [d for d in dirs if d not in exempt.get(rel, set())]
        expect(sorted(listed) == sorted(present), f"{where(directory)} lists {sorted(listed)} but the directory holds {sorted(present)}")
        expect(not any(f.endswith(".yml") for f in files), f"{rel}: name manifests *.yaml")
        for name in kustomization.get("components", []):
            expect(not name.endswith(COMPONENT), f"{where(directory)} enables {COMPONENT}, which is optional")
    expect("../base" in load("postgres/kustomization.yaml")["resources"], "postgres/ does not build on ../base")
    # The label trap: an outer labels: would put app.kubernetes.io/name: firehouse on the Cluster.
    expect("labels" not in load("postgres/kustomization.yaml"), "postgres/kustomization.yaml must not set labels (they would reach the Cluster)")


def check_config(expect, variant, config_map, secret, secret_dir, firehouse, env_extra):
    """The config Firehouse will run with is valid, with the Secret's keys as the files it mounts."""
    text = config_map["data"]["firehouse.yml"]
    named = re.findall(r"^\s*-?\s*\w+_file:\s*(\S+)\s*$", text, re.M)
    expect(len(named) >= 4, f"{variant}: the config names only {named} as secret files")
    for path in named:
        expect(os.path.dirname(path) == secret_dir and os.path.basename(path) in secret["stringData"],
               f"{variant}: {path} (named by the config) is not a key of the Secret mounted at {secret_dir}")
    with tempfile.TemporaryDirectory() as tmp:
        files = os.path.join(tmp, "secrets")
        os.mkdir(files)
        for name, value in secret["stringData"].items():
            with open(os.path.join(files, name), "w", encoding="utf-8") as f:
                f.write(value + "\n")
        path = os.path.join(tmp, "firehouse.yml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace(secret_dir + "/", files + "/"))
        env = {k: v for k, v in os.environ.items() if not k.startswith("FIREHOUSE_")}
        env.update(env_extra)
        run = subprocess.run([firehouse, "check-config", path], capture_output=True, text=True, env=env)
        expect(run.returncode == 0, f"{variant}: configmap firehouse.yml: {run.stderr.strip()}")
        # Without its secrets it must not start: the shipped deployment is authenticated.
        for name in ("FIREHOUSE_WEBHOOK_TOKEN", "FIREHOUSE_API_ADMIN_TOKEN"):
            os.rename(os.path.join(files, name), os.path.join(files, name + ".gone"))
            failed = subprocess.run([firehouse, "check-config", path], capture_output=True, text=True, env=env)
            expect(failed.returncode != 0, f"{variant}: the config passes without the Secret's {name}")
            os.rename(os.path.join(files, name + ".gone"), os.path.join(files, name))
    return run.stdout


def check_runbooks(expect, firehouse, runbooks_map):
    """The runbooks ConfigMap, laid out as the volume will be, is runbooks/ and a clean library."""
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in runbooks_map["data"].items():
            with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
                f.write(text)
            original = os.path.join(ROOT, "runbooks", name.replace("--", os.sep))
            expect(os.path.exists(original) and open(original, encoding="utf-8").read() == text,
                   f"runbooks ConfigMap {name} differs from {original}")
        run = subprocess.run([firehouse, "runbooks", "check", tmp], capture_output=True, text=True)
        expect(run.returncode == 0, f"runbooks ConfigMap: {run.stdout.strip()} {run.stderr.strip()}")


def check_variant(expect, variant, objects, firehouse, version, sqlite_config):
    by_key = {key(o): o for o in objects}
    kinds = [o["kind"] for o in objects]
    workloads = [o for o in objects if o["kind"] in ("StatefulSet", "Deployment")]
    expect(len(workloads) == 1, f"{variant}: {len(workloads)} workloads")
    if not workloads:
        return None
    workload = workloads[0]
    config_map, secret = by_key[("ConfigMap", "firehouse-config")], by_key[("Secret", "firehouse-secrets")]
    service = by_key[("Service", "firehouse")]
    config = yaml.safe_load(config_map["data"]["firehouse.yml"])
    pod = workload["spec"]["template"]
    spec = pod["spec"]
    container = spec["containers"][0]
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    secret_dirs = [p for p, n in mounts.items() if volumes.get(n, {}).get("secret", {}).get("secretName") == secret["metadata"]["name"]]
    expect(len(secret_dirs) == 1, f"{variant}: the Secret must be mounted once as a volume, found {secret_dirs}")
    secret_dir = secret_dirs[0] if secret_dirs else "/nowhere"
    for name, volume in volumes.items():
        ref = volume.get("configMap", {}).get("name") or volume.get("secret", {}).get("secretName")
        if ref:
            expect(("ConfigMap", ref) in by_key or ("Secret", ref) in by_key, f"{variant}: volume {name} names {ref}, which is not in the variant")

    if workload["kind"] == "StatefulSet":
        expect(variant == "sqlite", f"{variant}: a StatefulSet")
        output = check_config(expect, variant, config_map, secret, secret_dir, firehouse, {})
        expect(f"database {config['database'].get('path')}" in output, f"{variant}: check-config: {output.strip()}")
        expect(mounts.get(os.path.dirname(config["database"]["path"])) == "data", f"{variant}: the database directory must be the PVC")
        claims = [c["metadata"]["name"] for c in workload["spec"].get("volumeClaimTemplates", [])]
        expect("data" in claims, f"{variant}: no volumeClaimTemplate named data")
        expect(workload["spec"]["replicas"] == 1, f"{variant}: SQLite allows one replica")
        # The governing Service is headless and reaches the pod; clients use the other one.
        governing = by_key.get(("Service", workload["spec"]["serviceName"]))
        expect(governing is not None and governing["spec"].get("clusterIP") == "None",
               f"{variant}: serviceName {workload['spec']['serviceName']} is not a headless Service of the variant")
        expect(governing is not service, f"{variant}: serviceName must not be the client Service")
        expect(service["spec"].get("clusterIP") != "None", f"{variant}: the client Service must not be headless")
        # Secrets come as files only (no variables to leak into child processes or crash dumps).
        expect("envFrom" not in container and "env" not in container, f"{variant}: secrets are files: no env or envFrom")
    else:
        expect(variant == "postgres", f"{variant}: a Deployment")
        output = check_config(expect, variant, config_map, secret, secret_dir, firehouse, {"FIREHOUSE_DATABASE_URL": CHECK_DATABASE_URL})
        expect("database postgres://app@firehouse-pg-rw:5432/app" in output, f"{variant}: check-config does not see PostgreSQL: {output.strip()}")
        database = config.get("database") or {}
        expect("path" not in database and "url" not in database,
               f"{variant}: database: must name no SQLite path and no URL (FIREHOUSE_DATABASE_URL holds it)")
        expect({k: v for k, v in config.items() if k != "database"} == {k: v for k, v in sqlite_config.items() if k != "database"},
               f"{variant}: firehouse.yml differs from base's in more than database:")
        expect(workload["spec"].get("replicas", 1) >= 2, f"{variant}: fewer than 2 replicas")
        expect("volumeClaimTemplates" not in workload["spec"], f"{variant}: volumeClaimTemplates")
        expect(not any("persistentVolumeClaim" in v for v in volumes.values()) and "data" not in volumes,
               f"{variant}: the replicas share no volume: no PVC, no data volume")
        rolling = workload["spec"].get("strategy", {}).get("rollingUpdate", {})
        expect(rolling.get("maxUnavailable") == 0 and rolling.get("maxSurge", 0) >= 1,
               f"{variant}: a rolling update must start a replica before stopping one (maxUnavailable 0, maxSurge 1)")
        pdbs = [o for o in objects if o["kind"] == "PodDisruptionBudget"]
        expect(len(pdbs) == 1 and pdbs[0]["apiVersion"] == "policy/v1" and selects(pdbs[0]["spec"]["selector"], pod["metadata"]["labels"]),
               f"{variant}: no policy/v1 PodDisruptionBudget selecting the pods")
        for pdb in pdbs:
            expect(pdb["spec"].get("maxUnavailable") == 1, f"{variant}: the PDB must allow one replica down (maxUnavailable: 1)")
        spread = spec.get("topologySpreadConstraints", [])
        expect({"kubernetes.io/hostname", "topology.kubernetes.io/zone"} <= {c["topologyKey"] for c in spread},
               f"{variant}: topology spread over hosts and zones missing")
        for c in spread:
            expect(selects(c["labelSelector"], pod["metadata"]["labels"]), f"{variant}: topology spread on {c['topologyKey']} misses the pods")
        # The only variables: the database URL from a Secret, the replica name from the pod.
        env = {e["name"]: e for e in container.get("env", [])}
        expect("envFrom" not in container and set(env) == {"FIREHOUSE_DATABASE_URL", "FIREHOUSE_REPLICA"},
               f"{variant}: env must be exactly FIREHOUSE_DATABASE_URL and FIREHOUSE_REPLICA, no envFrom (found {sorted(env)})")
        url = env.get("FIREHOUSE_DATABASE_URL", {}).get("valueFrom", {}).get("secretKeyRef")
        expect(url is not None and "value" not in env.get("FIREHOUSE_DATABASE_URL", {}), f"{variant}: FIREHOUSE_DATABASE_URL must come from a secretKeyRef")
        replica = env.get("FIREHOUSE_REPLICA", {}).get("valueFrom", {}).get("fieldRef", {})
        expect(replica.get("fieldPath") == "metadata.name", f"{variant}: FIREHOUSE_REPLICA must be the pod name (fieldRef metadata.name)")
        clusters = [o for o in objects if o["kind"] == "Cluster"]
        expect(len(clusters) == 1, f"{variant}: {len(clusters)} CloudNativePG Clusters")
        for cluster in clusters:
            cs = cluster["spec"]
            expect(cluster["apiVersion"] == "postgresql.cnpg.io/v1", f"{variant}: Cluster apiVersion {cluster['apiVersion']}")
            expect(url is not None and url.get("name") == cluster["metadata"]["name"] + "-app" and url.get("key") == "uri",
                   f"{variant}: FIREHOUSE_DATABASE_URL must be key uri of the operator's Secret {cluster['metadata']['name']}-app")
            sync = cs.get("postgresql", {}).get("synchronous", {})
            expect(cs.get("instances", 1) >= 3 and 1 <= sync.get("number", 0) < cs["instances"],
                   f"{variant}: the Cluster needs 3 instances and a synchronous standby")
            expect(cs.get("bootstrap", {}).get("initdb", {}) == {"database": "app", "owner": "app"}, f"{variant}: Cluster initdb must create app owned by app")
            expect(cs.get("storage", {}).get("size"), f"{variant}: Cluster without storage.size")
            expect(cluster["metadata"].get("labels", {}).get("app.kubernetes.io/name") != "firehouse",
                   f"{variant}: the Cluster is labelled as Firehouse (a Service or PDB could select its pods)")

    # Ports, probes and mounts agree with the config.
    port = int(config["server"]["listen"].rsplit(":", 1)[1])
    expect(config["server"]["listen"].startswith("0.0.0.0:"), f"{variant}: server.listen must be 0.0.0.0 in a pod")
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    expect(ports.get("http") == port, f"{variant}: containerPort {ports} != listen port {port}")
    expect(container["livenessProbe"]["httpGet"]["path"] == "/healthz", f"{variant}: liveness must be /healthz (no database)")
    expect(container["startupProbe"]["httpGet"]["path"] == "/healthz", f"{variant}: startup must be /healthz (no database)")
    expect(container["readinessProbe"]["httpGet"]["path"] == "/readyz", f"{variant}: readiness must be /readyz")
    expect(mounts.get(config["runbooks"]["path"]) == "runbooks", f"{variant}: runbooks.path must be the runbooks ConfigMap")
    expect(container["args"][-1] in mounts, f"{variant}: --config {container['args'][-1]} is not mounted")
    expect(volumes.get(mounts.get(container["args"][-1]), {}).get("configMap", {}).get("name") == "firehouse-config",
           f"{variant}: --config is not the ConfigMap firehouse-config")

    # SIGKILL must not cut a graceful shutdown short; readiness must fail before the server stops.
    server = config["server"]
    needed = duration_seconds(server.get("shutdown_delay", "2s")) + duration_seconds(server.get("grace_period", "20s"))
    grace = spec["terminationGracePeriodSeconds"]
    expect(grace > needed, f"{variant}: terminationGracePeriodSeconds {grace} <= shutdown_delay + grace_period ({needed}s)")
    expect(duration_seconds(server.get("shutdown_delay", "2s")) > container["readinessProbe"]["periodSeconds"],
           f"{variant}: shutdown_delay must outlast one readiness period")

    # The non-root user is the image's; no API token, no Service variables.
    dockerfile = open(os.path.join(ROOT, "Dockerfile"), encoding="utf-8").read()
    user = re.search(r"^USER (\d+)", dockerfile, re.M)
    expect(user and int(user.group(1)) == spec["securityContext"]["runAsUser"], f"{variant}: runAsUser differs from the Dockerfile's USER")
    expect(spec.get("automountServiceAccountToken") is False, f"{variant}: automountServiceAccountToken must be false")
    expect(spec.get("enableServiceLinks") is False, f"{variant}: enableServiceLinks must be false")
    expect(not re.search(r"_env:", config_map["data"]["firehouse.yml"]), f"{variant}: the config names environment variables")

    # Recommended labels on everything of Firehouse's; selectors only on the stable ones.
    labels = pod["metadata"].get("labels", {})
    want = {"app.kubernetes.io/name": "firehouse", "app.kubernetes.io/instance": "firehouse",
            "app.kubernetes.io/part-of": "firehouse", "app.kubernetes.io/version": version}
    for what, have in [(f"{o['kind']} {o['metadata']['name']}", o["metadata"].get("labels", {})) for o in objects if o["kind"] != "Cluster"] \
            + [("the pod template", labels)]:
        expect(RECOMMENDED <= set(have) and all(have.get(k) == v for k, v in want.items()),
               f"{variant}: {what} lacks the recommended labels {want} + component (has {have})")
    selectors = [(f"{workload['kind']} selector", workload["spec"]["selector"])]
    selectors += [(f"Service {o['metadata']['name']}", o["spec"]["selector"]) for o in objects if o["kind"] == "Service"]
    selectors += [(f"PDB {o['metadata']['name']}", o["spec"]["selector"]) for o in objects if o["kind"] == "PodDisruptionBudget"]
    selectors += [(f"topology spread {c['topologyKey']}", c["labelSelector"]) for c in spec.get("topologySpreadConstraints", [])]
    for what, selector in selectors:
        expect(selector_keys(selector) == STABLE, f"{variant}: the {what} must select on exactly {sorted(STABLE)}")
        expect(selects(selector, labels), f"{variant}: the {what} misses the pod")

    # Scraped through the pods' annotations, never through a Service as well.
    annotations = pod["metadata"].get("annotations", {})
    expect(annotations.get("prometheus.io/scrape") == "true" and annotations.get("prometheus.io/port") == str(port)
           and annotations.get("prometheus.io/path") == "/metrics", f"{variant}: the pod's scrape annotations must point at /metrics on the port")
    for o in objects:
        if o["kind"] != "Deployment" and o["kind"] != "StatefulSet":
            expect(not any(a.startswith("prometheus.io/") for a in o["metadata"].get("annotations", {})),
                   f"{variant}: {o['kind']} {o['metadata']['name']} has prometheus.io annotations (targets scraped twice)")
    expect("ServiceMonitor" not in kinds, f"{variant}: the ServiceMonitor is optional (components/servicemonitor)")
    return config


def check_component(expect, variant, objects, plain):
    """components/servicemonitor: a ServiceMonitor through the client Service, and no annotations."""
    by_key = {key(o): o for o in objects}
    monitors = [o for o in objects if o["kind"] == "ServiceMonitor"]
    expect(len(monitors) == 1 and monitors[0]["apiVersion"] == "monitoring.coreos.com/v1", f"{variant}+servicemonitor: no monitoring.coreos.com/v1 ServiceMonitor")
    expect(sorted(map(key, plain)) == sorted(k for k in map(key, objects) if k[0] != "ServiceMonitor"),
           f"{variant}+servicemonitor: the component must only add the ServiceMonitor")
    for monitor in monitors:
        services = [o for o in objects if o["kind"] == "Service" and selects(monitor["spec"]["selector"], o["metadata"].get("labels", {}))]
        expect([s["metadata"]["name"] for s in services] == ["firehouse"], f"{variant}+servicemonitor: selects the Services {[s['metadata']['name'] for s in services]}, not only firehouse")
        endpoints = monitor["spec"].get("endpoints", [])
        names = {p["name"] for p in by_key[("Service", "firehouse")]["spec"]["ports"]}
        expect(len(endpoints) == 1 and endpoints[0].get("port") == "http" and endpoints[0].get("path") == "/metrics" and "http" in names,
               f"{variant}+servicemonitor: must scrape port http path /metrics")
        have = monitor["metadata"].get("labels", {})
        expect(RECOMMENDED <= set(have), f"{variant}+servicemonitor: the ServiceMonitor lacks the recommended labels")
    for o in objects:
        if o["kind"] in ("StatefulSet", "Deployment"):
            expect(not any(a.startswith("prometheus.io/") for a in o["spec"]["template"]["metadata"].get("annotations", {})),
                   f"{variant}+servicemonitor: the pods keep prometheus.io annotations (scraped twice)")


def main():
    firehouse = sys.argv[1]
    problems = []

    def expect(condition, message):
        if not condition:
            problems.append(message)

    version = subprocess.run([firehouse, "--version"], capture_output=True, text=True).stdout.strip()
    expect(re.fullmatch(r"\d+\.\d+\.\d+", version), f"firehouse --version: {version!r}")
    check_layout(expect)
    variants = {"sqlite": HERE, "postgres": os.path.join(HERE, "postgres")}
    renders, notes = {}, []
    kubectl = shutil.which("kubectl")
    for variant, directory in variants.items():
        for components in ((), (os.path.relpath(os.path.join(HERE, COMPONENT), directory),)):
            name = variant + ("+servicemonitor" if components else "")
            try:
                renders[name] = build(directory, components)
            except (Unsupported, KeyError, OSError) as e:
                expect(False, f"{name}: cannot render: {e}")
                continue
            if kubectl:
                try:
                    theirs = kubectl_build(directory, components)
                except Unsupported as e:
                    expect(False, f"{name}: {e}")
                    continue
                ours = {(o["apiVersion"],) + key(o): o for o in renders[name]}
                theirs = {(o["apiVersion"],) + key(o): o for o in theirs}
                expect(ours == theirs, f"{name}: check.py's render differs from kubectl kustomize's in "
                       f"{sorted(k for k in set(ours) | set(theirs) if ours.get(k) != theirs.get(k))}")
    if kubectl:
        notes.append("renders equal kubectl kustomize's")
    else:
        notes.append("kubectl not on PATH: rendered by check.py alone")

    sqlite_config = None
    if "sqlite" in renders:
        sqlite_config = check_variant(expect, "sqlite", renders["sqlite"], firehouse, version, {})
        check_runbooks(expect, firehouse, {key(o): o for o in renders["sqlite"]}[("ConfigMap", "firehouse-runbooks")])
        expect(renders["sqlite"] and all(o in renders.get("postgres", []) for o in renders["sqlite"]
                                         if key(o) in (("ConfigMap", "firehouse-runbooks"), ("Secret", "firehouse-secrets"), ("Service", "firehouse"))),
               "the variants must share base's runbooks, Secret and Service")
    if "postgres" in renders and sqlite_config is not None:
        check_variant(expect, "postgres", renders["postgres"], firehouse, version, sqlite_config)
    for variant in variants:
        if variant + "+servicemonitor" in renders and variant in renders:
            check_component(expect, variant, renders[variant + "+servicemonitor"], renders[variant])

    for problem in problems:
        print(f"deploy/kubernetes: {problem}", file=sys.stderr)
    if problems:
        print(f"{len(problems)} problems")
        return 1
    counts = ", ".join(f"{name} {len(objects)}" for name, objects in renders.items())
    print(f"deploy/kubernetes: both variants consistent (objects: {counts}; {'; '.join(notes)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
