#!/bin/sh
# Checks docs/openapi.yaml, the API contract:
#   1. `redocly lint` with redocly.yaml (Redocly's recommended rules, warnings as errors);
#   2. every schema in it compiles under Ajv's JSON Schema 2020-12, as Prism compiles it
#      (Prism skips a schema it cannot compile without a word, validating nothing);
#   3. it matches the server: every route of src/api/routes.c and no other, each with
#      the role the route table gives it (x-leadrouter-role), and the problem types of
#      src/api/problem.c with their statuses and titles, each answered only under its
#      own status.
# The npm tools come from `make deps` (npm ci). Exits non-zero on any finding.
set -eu
cd "$(dirname "$0")/.."
doc=docs/openapi.yaml
if [ ! -x node_modules/.bin/redocly ]; then
    echo "check-openapi: node_modules/.bin/redocly is missing: run make deps (npm ci) first" >&2
    exit 1
fi
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_NOTIFICATIONS=true
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Redocly prints a banner about Node 20's end of life on every run: left out.
quiet() { grep -v -e '^ *[║╔╚]' -e '^ *$' "$1" || true; }

if ! npx --no-install redocly lint --format=codeframe "$doc" >"$tmp/lint" 2>&1; then
    quiet "$tmp/lint"
    echo "check-openapi: redocly lint found problems in $doc" >&2
    exit 1
fi
if ! npx --no-install redocly bundle "$doc" --output "$tmp/openapi.json" >"$tmp/bundle" 2>&1; then
    quiet "$tmp/bundle"
    echo "check-openapi: redocly bundle failed" >&2
    exit 1
fi

node - "$tmp/openapi.json" <<'EOF'
// Compiles every schema of the document the way Prism's validator does.
const fs = require("fs");
const path = require("path");
const root = path.resolve("node_modules");
const Ajv2020 = require(path.join(root, "ajv/dist/2020")).default;
const addFormats = require(path.join(root, "ajv-formats")).default;
const doc = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true, strict: false });
addFormats(ajv);
ajv.addSchema(doc, "openapi.json");
const bad = [];
let n = 0;
const esc = (k) => String(k).replace(/~/g, "~0").replace(/\//g, "~1");
function walk(node, ptr) {
  if (Array.isArray(node)) { node.forEach((v, i) => walk(v, ptr + "/" + i)); return; }
  if (node === null || typeof node !== "object") return;
  for (const [k, v] of Object.entries(node)) {
    const p = ptr + "/" + esc(k);
    if (k === "schema" && v && typeof v === "object") {
      n++;
      try { ajv.compile({ $ref: "openapi.json#" + p }); } catch (e) { bad.push(p + ": " + e.message); }
    } else if (ptr === "/components/schemas") {
      n++;
      try { ajv.compile({ $ref: "openapi.json#" + p }); } catch (e) { bad.push(p + ": " + e.message); }
    }
    walk(v, p);
  }
}
walk(doc, "");
if (bad.length) {
  console.error("check-openapi: schemas Ajv (JSON Schema 2020-12) cannot compile:\n  " + bad.join("\n  "));
  process.exit(1);
}
if (n < 50) { console.error("check-openapi: only " + n + " schemas found"); process.exit(1); }
EOF

python3 - "$tmp/openapi.json" <<'EOF'
import json, re, sys

doc = json.load(open(sys.argv[1]))
bad = []

def flat(path):
    return " ".join(open(path).read().split())

# -- routes: method, template, role --
routes = {}
for m in re.finditer(r'\{"([A-Z]+)", "([^"]+)", \w+, LR_ROLE_([A-Z]+), LR_BODY_[A-Z]+\}',
                     flat("src/api/routes.c")):
    routes[(m.group(1), m.group(2))] = m.group(3).lower()
if len(routes) < 20:
    bad.append("read only %d routes from src/api/routes.c" % len(routes))
ops = {}
for p, item in doc["paths"].items():
    for method, op in item.items():
        if method in ("get", "put", "post", "delete", "patch", "head", "options"):
            ops[(method.upper(), re.sub(r"\{[^}]*\}", "{}", p))] = op
for key, role in sorted(routes.items()):
    op = ops.get(key)
    if op is None:
        bad.append("route %s %s is not in the document" % key)
    elif op.get("x-leadrouter-role") != role:
        bad.append("%s %s: x-leadrouter-role is %r, the route table says %r"
                   % (key + (op.get("x-leadrouter-role"), role)))
for key, op in sorted(ops.items()):
    method, tmpl = key
    served = (("GET", tmpl) if method == "HEAD" else key) in routes
    if not served:
        bad.append("the document has %s %s, which the server does not serve" % key)
    elif method == "HEAD" and op.get("x-leadrouter-role") != routes[("GET", tmpl)]:
        bad.append("HEAD %s: x-leadrouter-role differs from GET's" % tmpl)
    if "x-leadrouter-role" not in op:
        bad.append("%s %s has no x-leadrouter-role" % key)

# -- problem types: slug, status, title --
problems = {}
for m in re.finditer(r'\[LR_PROBLEM_\w+\] = \{(\d+), "([a-z-]+)", "([^"]*)"\}', flat("src/api/problem.c")):
    problems[m.group(2)] = (int(m.group(1)), m.group(3))
if len(problems) < 20:
    bad.append("read only %d problem types from src/api/problem.c" % len(problems))
prefix = "urn:leadrouter:problem:"
ptype = doc["components"]["schemas"]["Problem"]["properties"]["type"]
documented = [t[len(prefix):] for t in ptype["enum"]]
for slug in sorted(set(problems) - set(documented)):
    bad.append("problem type %s (src/api/problem.c) is not in Problem.type" % slug)
for slug in sorted(set(documented) - set(problems)):
    bad.append("Problem.type lists %s, which src/api/problem.c does not have" % slug)
table = " ".join(ptype.get("description", "").split())
for slug, (status, title) in sorted(problems.items()):
    if '%s %d "%s"' % (slug, status, title) not in table:
        bad.append('Problem.type description lacks `%s %d "%s"`' % (slug, status, title))

def resolve(obj):
    while isinstance(obj, dict) and "$ref" in obj:
        node = doc
        for part in obj["$ref"].lstrip("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        obj = node
    return obj

def slugs(schema):
    schema = resolve(schema)
    found = []
    for sub in schema.get("allOf", []):
        if "$ref" in sub:
            continue  # the Problem schema itself, with every type
        t = sub.get("properties", {}).get("type", {})
        found += [t["const"]] if "const" in t else t.get("enum", [])
    return [s[len(prefix):] for s in found if isinstance(s, str) and s.startswith(prefix)]

for (method, tmpl), op in sorted(ops.items()):
    for code, resp in op.get("responses", {}).items():
        media = resolve(resp).get("content", {}).get("application/problem+json")
        if media is None:
            continue
        listed = slugs(media["schema"])
        if not listed:
            bad.append("%s %s %s: a problem answer that names no problem type" % (method, tmpl, code))
        for s in listed:
            if s in problems and str(problems[s][0]) != code:
                bad.append("%s %s: %s is a %d, listed under %s" % (method, tmpl, s, problems[s][0], code))

if bad:
    sys.stderr.write("check-openapi: docs/openapi.yaml does not match the server:\n  " +
                     "\n  ".join(bad) + "\n")
    sys.exit(1)
print("check-openapi: %s lints clean, its schemas compile, and it has the %d routes and %d "
      "problem types of the server" % ("docs/openapi.yaml", len(routes), len(problems)))
EOF
