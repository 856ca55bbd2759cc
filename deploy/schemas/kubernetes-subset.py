#!/usr/bin/env python3
"""Cuts the part of Kubernetes' OpenAPI v2 document (swagger.json) that validates the
kinds deploy/kubernetes/ uses, keeping only what a validator reads.

    python3 deploy/schemas/kubernetes-subset.py SWAGGER.json 1.33 > deploy/schemas/kubernetes-1.33.json

Every definition reachable by $ref from the kinds below is kept, with its type,
format, properties, items, required, enum, additionalProperties, $ref and
x-kubernetes-group-version-kind; descriptions and the other x-kubernetes-* markers
are dropped. Nothing is changed or added: scripts/check-deploy.py applies its
stricter reading (unknown fields refused, int-or-string, quantities) when it loads
the file. To validate a new kind, add it here and run the command again.
"""
import json
import sys

KINDS = [
    "io.k8s.api.apps.v1.Deployment",
    "io.k8s.api.batch.v1.Job",
    "io.k8s.api.core.v1.ConfigMap",
    "io.k8s.api.core.v1.Secret",
    "io.k8s.api.core.v1.Service",
    "io.k8s.api.core.v1.ServiceAccount",
    "io.k8s.api.networking.v1.Ingress",
    "io.k8s.api.networking.v1.NetworkPolicy",
    "io.k8s.api.policy.v1.PodDisruptionBudget",
]
KEEP = {"type", "format", "properties", "items", "required", "enum", "additionalProperties",
        "$ref", "x-kubernetes-group-version-kind"}
PREFIX = "#/definitions/"


def trim_schema(schema):
    if not isinstance(schema, dict):
        return schema
    out = {}
    for k, v in schema.items():
        if k not in KEEP:
            continue
        if k == "properties":
            out[k] = {name: trim_schema(p) for name, p in v.items()}
        elif k in ("items", "additionalProperties"):
            out[k] = trim_schema(v)
        else:
            out[k] = v
    return out


def refs(schema, found):
    if isinstance(schema, dict):
        for k, v in schema.items():
            if k == "$ref" and isinstance(v, str) and v.startswith(PREFIX):
                found.add(v[len(PREFIX):])
            else:
                refs(v, found)
    elif isinstance(schema, list):
        for v in schema:
            refs(v, found)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: kubernetes-subset.py SWAGGER.json KUBERNETES_VERSION")
    with open(sys.argv[1], encoding="utf-8") as f:
        definitions = json.load(f)["definitions"]
    keep, todo = {}, list(KINDS)
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep[name] = trim_schema(definitions[name])
        found = set()
        refs(keep[name], found)
        todo.extend(sorted(found - keep.keys()))
    doc = {
        "kubernetes": sys.argv[2],
        "kinds": KINDS,
        "definitions": dict(sorted(keep.items())),
    }
    json.dump(doc, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
