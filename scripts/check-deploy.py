#!/usr/bin/python3
"""Checks deploy/ offline: scripts/check-deploy.sh runs it (see there for the tools).

    /usr/bin/python3 scripts/check-deploy.py [--rendered FILE]

1. Every Kubernetes manifest of deploy/kubernetes/ against the Kubernetes OpenAPI
   definitions in deploy/schemas/ (kubernetes-<version>.json), read strictly: a field
   the API does not know is an error (the API server would drop it silently), an
   apiVersion/kind pair must be the definition's own. --rendered FILE validates the
   output of `kubectl kustomize` the same way.
2. What makes the manifests work together and with the binary: the rolling-update
   and shutdown figures against config/container.conf, probes, the port, the
   release's image tag and migration Job name against include/config/version.h,
   selectors, the Ingress backend and TLS, the read-only root with a writable TMPDIR.
3. deploy/compose.yaml against the Compose Specification's schema
   (deploy/schemas/compose-spec.json), then its health checks and grace period.
4. The Dockerfile: a few of hadolint's rules restated, and every RUN through
   ShellCheck, as hadolint does.
5. docs/operations.md: each YAML block marked `<!-- same as FILE -->` appears in FILE.

Needs Debian's python3-yaml and python3-jsonschema (hence /usr/bin/python3).
"""
import copy
import json
import os
import re
import shutil
import subprocess
import sys

import jsonschema
import yaml

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
K8S_DIR = os.path.join(ROOT, "deploy", "kubernetes")
SCHEMA_DIR = os.path.join(ROOT, "deploy", "schemas")
IMAGE_REPO = "registry.example.com/leadrouter"

errors = []


def fail(where, msg):
    errors.append(f"{where}: {msg}")


def rel(path):
    return os.path.relpath(path, ROOT)


# ---------------------------------------------------------------- Kubernetes schemas

QUANTITY = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|[KMGTPE]i|[mkMGTPE])?$"


def strict(schema):
    """kubeconform's strict reading of the OpenAPI definitions: objects with listed
    properties refuse others; int-or-string and quantities take what the API takes."""
    if not isinstance(schema, dict):
        return schema
    if schema.get("format") == "int-or-string":
        return {"oneOf": [{"type": "string"}, {"type": "integer"}]}
    out = {}
    for k, v in schema.items():
        if k == "x-kubernetes-group-version-kind":
            continue
        if k == "properties":
            out[k] = {name: strict(p) for name, p in v.items()}
        elif k in ("items", "additionalProperties"):
            out[k] = strict(v)
        else:
            out[k] = v
    if "properties" in schema and "additionalProperties" not in schema:
        out["additionalProperties"] = False
    return out


def load_k8s_schemas():
    names = sorted(f for f in os.listdir(SCHEMA_DIR) if re.fullmatch(r"kubernetes-[\d.]+\.json", f))
    if len(names) != 1:
        sys.exit(f"check-deploy: want one deploy/schemas/kubernetes-<version>.json, found {names}")
    with open(os.path.join(SCHEMA_DIR, names[0]), encoding="utf-8") as f:
        doc = json.load(f)
    raw = doc["definitions"]
    defs = {name: strict(d) for name, d in raw.items()}
    defs["io.k8s.apimachinery.pkg.api.resource.Quantity"] = {
        "oneOf": [{"type": "string", "pattern": QUANTITY}, {"type": "number"}]}
    kinds = {}
    for name, d in raw.items():
        for gvk in d.get("x-kubernetes-group-version-kind", []):
            if name not in doc["kinds"]:
                continue
            api = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
            root = copy.deepcopy(defs[name])
            root["properties"]["apiVersion"] = {"enum": [api]}
            root["properties"]["kind"] = {"enum": [gvk["kind"]]}
            root["required"] = sorted(set(root.get("required", [])) | {"apiVersion", "kind", "metadata"})
            root["definitions"] = defs
            kinds[(api, gvk["kind"])] = root
    return doc["kubernetes"], kinds


def path_of(err):
    return "/".join(str(p) for p in err.absolute_path) or "(top)"


def message(err):
    """For a oneOf/anyOf that failed, the reason of the alternative that got furthest."""
    if err.context:
        best = max(err.context, key=lambda e: len(e.absolute_path))
        return f"{err.message} ({path_of(best)}: {best.message})"
    return err.message


def validate_k8s(where, obj, kinds):
    if not isinstance(obj, dict):
        fail(where, "not a mapping")
        return
    key = (obj.get("apiVersion"), obj.get("kind"))
    if key not in kinds:
        known = ", ".join(sorted(f"{a} {k}" for a, k in kinds))
        fail(where, f"{key[0]} {key[1]} is not a kind deploy/schemas knows ({known}); "
                    "add it to deploy/schemas/kubernetes-subset.py")
        return
    validator = jsonschema.Draft4Validator(kinds[key])
    for err in sorted(validator.iter_errors(obj), key=path_of):
        fail(where, f"{key[1]} {path_of(err)}: {message(err)}")
    name = obj.get("metadata", {}).get("name", "")
    if not re.fullmatch(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?", name or ""):
        fail(where, f"metadata.name {name!r} is not a lowercase DNS name")


def load_yaml_docs(path):
    with open(path, encoding="utf-8") as f:
        try:
            return [d for d in yaml.safe_load_all(f) if d is not None]
        except yaml.YAMLError as e:
            fail(rel(path), f"YAML: {e}")
            return []


# ---------------------------------------------------------------- the setup as a whole

def container_conf():
    conf = {}
    with open(os.path.join(ROOT, "config", "container.conf"), encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if "=" in line:
                k, v = (s.strip() for s in line.split("=", 1))
                conf[k] = v
    return conf


def release_version():
    with open(os.path.join(ROOT, "include", "config", "version.h"), encoding="utf-8") as f:
        m = re.search(r'#define\s+LR_VERSION\s+"([^"]+)"', f.read())
    if not m:
        sys.exit("check-deploy: no LR_VERSION in include/config/version.h")
    return m.group(1)


def containers(pod_spec):
    return list(pod_spec.get("initContainers", [])) + list(pod_spec.get("containers", []))


def check_image(where, c, version):
    want = f"{IMAGE_REPO}:{version}"
    if c.get("image") != want:
        fail(where, f"container {c.get('name')}: image {c.get('image')!r}, want {want!r} "
                    "(this release's tag, from include/config/version.h)")
    if c.get("imagePullPolicy") not in (None, "IfNotPresent"):
        fail(where, f"container {c.get('name')}: imagePullPolicy {c.get('imagePullPolicy')}: a pinned "
                    "tag needs no Always")


def check_hardening(where, pod_spec):
    psc = pod_spec.get("securityContext", {})
    if psc.get("runAsNonRoot") is not True:
        fail(where, "pod securityContext.runAsNonRoot must be true")
    if pod_spec.get("automountServiceAccountToken") is not False:
        fail(where, "automountServiceAccountToken must be false (leadrouter never calls the API)")
    for c in containers(pod_spec):
        sc = c.get("securityContext", {})
        if sc.get("readOnlyRootFilesystem") is not True:
            fail(where, f"container {c.get('name')}: readOnlyRootFilesystem must be true")
        if sc.get("allowPrivilegeEscalation") is not False:
            fail(where, f"container {c.get('name')}: allowPrivilegeEscalation must be false")
        if "ALL" not in sc.get("capabilities", {}).get("drop", []):
            fail(where, f"container {c.get('name')}: capabilities must drop ALL")
        res = c.get("resources", {})
        if "memory" not in res.get("limits", {}):
            fail(where, f"container {c.get('name')}: no memory limit")
        for k in list(res.get("requests", {})) + list(res.get("limits", {})):
            if k not in ("cpu", "memory", "ephemeral-storage"):
                fail(where, f"container {c.get('name')}: resource {k!r} is none of cpu, memory, ephemeral-storage")


def matches(selector, labels):
    return all(labels.get(k) == v for k, v in selector.items())


def http_get(probe):
    return (probe or {}).get("httpGet", {})


def check_setup(objs, version):
    conf = container_conf()
    delay = int(conf["shutdown_delay_seconds"])
    drain = int(conf["drain_seconds"])
    port = int(conf["listen"].rsplit(":", 1)[1])
    by_kind = {}
    for where, o in objs:
        by_kind.setdefault(o.get("kind"), []).append((where, o))

    deps = by_kind.get("Deployment", [])
    if len(deps) != 1:
        fail("deploy/kubernetes", f"want one Deployment, found {len(deps)}")
        return
    where, dep = deps[0]
    spec = dep["spec"]
    pod = spec["template"]["spec"]
    pod_labels = spec["template"]["metadata"].get("labels", {})
    ru = spec.get("strategy", {}).get("rollingUpdate", {})
    if spec.get("strategy", {}).get("type", "RollingUpdate") != "RollingUpdate" or ru.get("maxUnavailable") != 0:
        fail(where, "strategy must be RollingUpdate with maxUnavailable 0")
    if spec.get("replicas", 1) < 2:
        fail(where, "fewer than 2 replicas cannot roll without a gap")
    if not matches(spec["selector"].get("matchLabels", {}), pod_labels):
        fail(where, "selector does not match the pod template's labels")
    server = [c for c in pod["containers"] if "serve" in c.get("args", [])]
    if len(server) != 1:
        fail(where, "want one container with args [serve]")
        return
    c = server[0]
    check_image(where, c, version)
    check_hardening(where, pod)
    if pod_labels.get("app.kubernetes.io/version") != version:
        fail(where, f"pod label app.kubernetes.io/version must be {version!r}")

    pre = c.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
    if len(pre) != 2 or os.path.basename(pre[0]) != "sleep" or not pre[1].isdigit():
        fail(where, f"preStop must be exec [sleep N], found {pre}")
        sleep = 0
    else:
        sleep = int(pre[1])
        if sleep != delay:
            fail(where, f"preStop sleeps {sleep} s, shutdown_delay_seconds is {delay} (config/container.conf)")
    grace = pod.get("terminationGracePeriodSeconds", 30)
    if grace <= sleep + delay + drain:
        fail(where, f"terminationGracePeriodSeconds {grace} must exceed preStop {sleep} + "
                    f"shutdown_delay_seconds {delay} + drain_seconds {drain}")

    ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
    if ports.get("http") != port:
        fail(where, f"container port http must be {port}, the listen port of config/container.conf")

    def probe_port(p):
        pp = http_get(p).get("port")
        return ports.get(pp) if isinstance(pp, str) else pp

    for name, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        p = c.get(name)
        if http_get(p).get("path") != path or probe_port(p) != port:
            fail(where, f"{name} must GET {path} on port {port}")
    if c.get("readinessProbe", {}).get("timeoutSeconds", 1) < 2:
        fail(where, "readinessProbe.timeoutSeconds must cover readyz_timeout_ms (1.5 s)")

    ann = spec["template"]["metadata"].get("annotations", {})
    if ann.get("prometheus.io/scrape") != "true" or ann.get("prometheus.io/port") != str(port) \
            or ann.get("prometheus.io/path") != "/metrics":
        fail(where, f"pod annotations must say prometheus.io/scrape \"true\", port \"{port}\", path /metrics")

    env = {e["name"]: e.get("value") for e in c.get("env", [])}
    tmp = env.get("TMPDIR")
    mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
    vols = {v["name"]: v for v in pod.get("volumes", [])}
    if not tmp or tmp not in mounts or "emptyDir" not in vols.get(mounts[tmp], {}):
        fail(where, "TMPDIR must be set to the mount path of an emptyDir (bulk loads spool there)")
    elif vols[mounts[tmp]]["emptyDir"].get("medium") == "Memory":
        fail(where, "the TMPDIR emptyDir must be on disk: a tmpfs spool counts as memory")

    # The migration Job of this release.
    jobs = by_kind.get("Job", [])
    if len(jobs) != 1:
        fail("deploy/kubernetes", f"want one migration Job, found {len(jobs)}")
    for jwhere, job in jobs:
        want = f"leadrouter-migrate-{version}"
        if job["metadata"]["name"] != want:
            fail(jwhere, f"Job name {job['metadata']['name']!r}, want {want!r}: a name per release "
                         "lets every release create its own")
        jpod = job["spec"]["template"]["spec"]
        jlabels = job["spec"]["template"]["metadata"].get("labels", {})
        for jc in jpod["containers"]:
            check_image(jwhere, jc, version)
            if jc.get("args") != ["migrate"]:
                fail(jwhere, "the Job's container must run [migrate]")
        check_hardening(jwhere, jpod)
        if "ttlSecondsAfterFinished" not in job["spec"]:
            fail(jwhere, "ttlSecondsAfterFinished missing: finished Jobs would pile up")
        for lbls in (job["metadata"].get("labels", {}), jlabels):
            if lbls.get("app.kubernetes.io/version") != version:
                fail(jwhere, f"label app.kubernetes.io/version must be {version!r}")
        for swhere, s in by_kind.get("Service", []) + by_kind.get("PodDisruptionBudget", []):
            sel = s["spec"].get("selector", {})
            sel = sel.get("matchLabels", sel) if s["kind"] == "PodDisruptionBudget" else sel
            if matches(sel, jlabels):
                fail(swhere, "selector also picks the migration Job's pod")

    services = {}
    for swhere, s in by_kind.get("Service", []):
        services[s["metadata"]["name"]] = s
        if not matches(s["spec"].get("selector", {}), pod_labels):
            fail(swhere, "selector does not pick the Deployment's pods")
        for p in s["spec"]["ports"]:
            tp = p.get("targetPort")
            if (ports.get(tp) if isinstance(tp, str) else tp) != port:
                fail(swhere, f"targetPort {tp} is not the container's port {port}")
    for pwhere, p in by_kind.get("PodDisruptionBudget", []):
        if not matches(p["spec"]["selector"].get("matchLabels", {}), pod_labels):
            fail(pwhere, "selector does not pick the Deployment's pods")
    if "ServiceAccount" in by_kind:
        names = {o["metadata"]["name"] for _, o in by_kind["ServiceAccount"]}
        for w, o in deps + jobs:
            sa = (o["spec"]["template"]["spec"]).get("serviceAccountName")
            if sa not in names:
                fail(w, f"serviceAccountName {sa!r} is not defined in deploy/kubernetes")

    ings = by_kind.get("Ingress", [])
    if not ings:
        fail("deploy/kubernetes", "no Ingress")
    for iwhere, ing in ings:
        tls = ing["spec"].get("tls", [])
        if not tls or not all(t.get("secretName") for t in tls):
            fail(iwhere, "every Ingress needs tls with a secretName")
        tls_hosts = {h for t in tls for h in t.get("hosts", [])}
        for rule in ing["spec"].get("rules", []):
            if rule.get("host") not in tls_hosts:
                fail(iwhere, f"host {rule.get('host')} is not covered by tls")
            for p in rule.get("http", {}).get("paths", []):
                svc = p["backend"].get("service", {})
                s = services.get(svc.get("name"))
                if s is None:
                    fail(iwhere, f"backend service {svc.get('name')} is not defined")
                    continue
                want = svc.get("port", {})
                if not any(sp.get("name") == want.get("name") if "name" in want else
                           sp.get("port") == want.get("number") for sp in s["spec"]["ports"]):
                    fail(iwhere, f"backend port {want} is not a port of service {svc.get('name')}")
                if p.get("path") in ("/metrics",) or p.get("path", "").startswith(("/metrics", "/readyz")):
                    fail(iwhere, "/metrics and probes stay inside the cluster")

    # docs/operations.md applies `-l app.kubernetes.io/component!=server` first: that
    # must be the migration Job and what it needs, nothing that serves.
    first = sorted(o["kind"] for _, o in objs
                   if o["metadata"].get("labels", {}).get("app.kubernetes.io/component") != "server")
    if first != ["Job", "ServiceAccount"]:
        fail("deploy/kubernetes", f"-l app.kubernetes.io/component!=server selects {first}, "
                                  "want the Job and the ServiceAccount")

    for where_, o in objs:
        if o.get("kind") in ("Secret",):
            fail(where_, "no Secret in the repository: docs/operations.md says how to create it")


def check_kustomization(files):
    path = os.path.join(K8S_DIR, "kustomization.yaml")
    docs = load_yaml_docs(path)
    if len(docs) != 1:
        fail(rel(path), "want one document")
        return
    k = docs[0]
    allowed = {"apiVersion", "kind", "resources", "images", "namespace", "labels", "commonAnnotations"}
    for key in k:
        if key not in allowed:
            fail(rel(path), f"unexpected key {key!r}")
    if k.get("apiVersion") != "kustomize.config.k8s.io/v1beta1" or k.get("kind") != "Kustomization":
        fail(rel(path), "apiVersion/kind must be kustomize.config.k8s.io/v1beta1 Kustomization")
    if sorted(k.get("resources", [])) != sorted(files):
        fail(rel(path), f"resources {sorted(k.get('resources', []))} must list every manifest {sorted(files)}")
    for img in k.get("images", []):
        if img.get("name") != IMAGE_REPO:
            fail(rel(path), f"images: {img.get('name')!r} matches no image (the manifests use {IMAGE_REPO})")
        if "newTag" in img or "digest" in img:
            fail(rel(path), "images: the tag is the release's, set in the manifests; only newName goes here")


def check_kubernetes(rendered):
    k8s_version, kinds = load_k8s_schemas()
    files = sorted(f for f in os.listdir(K8S_DIR) if f.endswith((".yaml", ".yml")) and f != "kustomization.yaml")
    version = release_version()
    objs = []
    for f in files:
        path = os.path.join(K8S_DIR, f)
        for i, d in enumerate(load_yaml_docs(path)):
            where = f"{rel(path)}#{i + 1}"
            validate_k8s(where, d, kinds)
            objs.append((where, d))
    check_kustomization(files)
    before = len(errors)
    if len(errors) == 0:
        # Only on manifests the schema accepted: the checks below trust their shape.
        check_setup(objs, version)
    if rendered:
        with open(rendered, encoding="utf-8") as f:
            out = [d for d in yaml.safe_load_all(f) if d is not None]
        if len(out) != len(objs):
            fail("kubectl kustomize", f"rendered {len(out)} objects, the files hold {len(objs)}")
        for d in out:
            validate_k8s(f"kubectl kustomize: {d.get('kind')} {d.get('metadata', {}).get('name')}", d, kinds)
    n = len(objs)
    print(f"kubernetes: {n} objects in {len(files)} files valid against Kubernetes {k8s_version} "
          f"OpenAPI (strict){', and as rendered by kubectl kustomize' if rendered else ''}"
          if len(errors) == before else f"kubernetes: {n} objects checked")


# ---------------------------------------------------------------- compose

def duration_seconds(s):
    total, units = 0.0, {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 1e-6}
    for num, unit in re.findall(r"(\d+(?:\.\d+)?)(ms|us|h|m|s)", str(s)):
        total += float(num) * units[unit]
    return total


def check_compose():
    path = os.path.join(ROOT, "deploy", "compose.yaml")
    docs = load_yaml_docs(path)
    if len(docs) != 1:
        fail(rel(path), "want one document")
        return
    doc = docs[0]
    with open(os.path.join(SCHEMA_DIR, "compose-spec.json"), encoding="utf-8") as f:
        schema = json.load(f)
    for err in jsonschema.Draft7Validator(schema).iter_errors(doc):
        fail(rel(path), f"{path_of(err)}: {message(err)}")
    services = doc.get("services", {})
    conf = container_conf()
    for name, svc in services.items():
        deps = svc.get("depends_on", {})
        if isinstance(deps, list):
            deps = {d: {"condition": "service_started"} for d in deps}
        for dep, how in deps.items():
            if dep not in services:
                fail(rel(path), f"{name} depends on unknown service {dep}")
                continue
            if how.get("condition") == "service_healthy":
                test = services[dep].get("healthcheck", {}).get("test")
                if not test:
                    fail(rel(path), f"{name} waits for {dep} to be healthy, which has no healthcheck")
        hc = svc.get("healthcheck")
        if hc:
            test = hc.get("test")
            text = " ".join(test[1:]) if isinstance(test, list) else str(test)
            if re.fullmatch(r"\s*(exit 0|true|:)\s*", text):
                fail(rel(path), f"{name}: healthcheck {text!r} checks nothing")
        if svc.get("command") == ["serve"]:
            if not hc:
                fail(rel(path), f"{name}: the serving replicas need a healthcheck")
            elif "/readyz" not in " ".join(hc.get("test", [])):
                fail(rel(path), f"{name}: healthcheck must ask /readyz")
            elif hc["test"][:2] == ["CMD", "curl"] and not dockerfile_installs("curl"):
                fail(rel(path), f"{name}: healthcheck runs curl, which the Dockerfile's image lacks")
            need = int(conf["shutdown_delay_seconds"]) + int(conf["drain_seconds"])
            if duration_seconds(svc.get("stop_grace_period", "10s")) <= need:
                fail(rel(path), f"{name}: stop_grace_period must exceed shutdown_delay_seconds + "
                                f"drain_seconds = {need} s")
    print(f"compose: {len(services)} services checked against the Compose Specification schema")


# ---------------------------------------------------------------- Dockerfile

def dockerfile_instructions():
    """(line, instruction, arguments) with continuation lines joined and comments dropped."""
    out, buf, start = [], "", 0
    with open(os.path.join(ROOT, "Dockerfile"), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            s = line.rstrip("\n")
            if not buf and (not s.strip() or s.lstrip().startswith("#")):
                continue
            if buf and s.lstrip().startswith("#"):
                continue
            if not buf:
                start = n
            if s.endswith("\\"):
                buf += s[:-1] + "\n"
                continue
            buf += s
            word, _, rest = buf.strip().partition(" ")
            out.append((start, word.upper(), rest.strip()))
            buf = ""
    return out


def final_stage():
    ins = dockerfile_instructions()
    last = max(i for i, (_, w, _) in enumerate(ins) if w == "FROM")
    return ins[last:]


def dockerfile_installs(pkg):
    return any(w == "RUN" and re.search(rf"apt-get install[^&;]*\s{re.escape(pkg)}(\s|$)", a)
               for _, w, a in final_stage())


def check_dockerfile():
    where = "Dockerfile"
    ins = dockerfile_instructions()
    stages = set()
    for line, word, args in ins:
        at = f"{where}:{line}"
        if word == "FROM":
            parts = args.split()
            image = parts[0]
            if len(parts) >= 3 and parts[1].upper() == "AS":
                stages.add(parts[2])
            if image in stages:
                continue
            # hadolint DL3006, DL3007: a tagged base image, not latest.
            if ":" not in image.rsplit("/", 1)[-1] and "@" not in image:
                fail(at, f"FROM {image}: no tag")
            elif image.endswith(":latest"):
                fail(at, f"FROM {image}: latest")
        if word == "RUN" and not args.startswith("["):
            if "apt-get install" in args:
                # hadolint DL3014, DL3015, DL3009
                if not re.search(r"apt-get\s+install[^&;|]*\s(-[a-z]*y[a-z]*|--yes|--assume-yes)(\s|$)", args):
                    fail(at, "apt-get install without -y")
                if "--no-install-recommends" not in args:
                    fail(at, "apt-get install without --no-install-recommends")
                if "rm -rf /var/lib/apt/lists/*" not in args:
                    fail(at, "apt lists not removed in the same RUN")
            if re.search(r"(^|[;&|]\s*)cd\s", args):
                fail(at, "cd in RUN: use WORKDIR (hadolint DL3003)")
    users = [a for _, w, a in final_stage() if w == "USER"]
    if not users or users[-1].split(":")[0] in ("root", "0"):
        fail(where, "the final image must run as a non-root USER (hadolint DL3002)")
    elif not users[-1].split(":")[0].isdigit():
        fail(where, "USER must be numeric, so that Kubernetes can check runAsNonRoot")

    sc = shutil.which("shellcheck")
    if sc:
        for line, word, args in ins:
            if word != "RUN" or args.startswith("["):
                continue
            script = "#!/bin/sh\n" + args.replace("\n", " \\\n") + "\n"
            r = subprocess.run([sc, "-s", "sh", "-f", "gcc", "-"], input=script, text=True,
                               capture_output=True)
            if r.returncode != 0:
                for msg in r.stdout.strip().splitlines():
                    fail(f"{where}:{line} (RUN, shellcheck)", msg.split(": ", 1)[-1])
        print(f"dockerfile: {len(ins)} instructions checked, every RUN through {sc}")
    else:
        fail(where, "shellcheck is not installed (Debian package shellcheck)")


# ---------------------------------------------------------------- docs

def check_docs():
    path = os.path.join(ROOT, "docs", "operations.md")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    n = 0
    for m in re.finditer(r"<!-- same as (\S+) -->\s*\n```[a-z]*\n(.*?)```", text, re.S):
        n += 1
        target = os.path.join(ROOT, m.group(1))
        try:
            with open(target, encoding="utf-8") as f:
                body = f.read()
        except OSError:
            fail(rel(path), f"block names {m.group(1)}, which does not exist")
            continue
        if m.group(2) not in body:
            fail(rel(path), f"the block marked `same as {m.group(1)}` differs from that file")
    if n == 0:
        fail(rel(path), "no `<!-- same as FILE -->` blocks found")
    print(f"docs: {n} blocks of docs/operations.md match their files")


def main():
    rendered = None
    if len(sys.argv) == 3 and sys.argv[1] == "--rendered":
        rendered = sys.argv[2]
    elif len(sys.argv) != 1:
        sys.exit("usage: check-deploy.py [--rendered FILE]")
    check_kubernetes(rendered)
    check_compose()
    check_dockerfile()
    check_docs()
    for e in errors:
        print(f"check-deploy: {e}", file=sys.stderr)
    if errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
