"""Unpacks one Kubernetes version's JSON schemas from the kubernetes-validate wheel.

usage: extract-schemas.py WHEEL VERSION DEST
Writes DEST/vVERSION-local/ and DEST/vVERSION-local-strict/ ($ref into _definitions.json beside
each file), the layout kubeconform reads with
-schema-location 'file://ABSOLUTE-DEST/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json'.
"""
import json
import os
import sys
import zipfile

wheel, version, dest = sys.argv[1], sys.argv[2], sys.argv[3]
prefix = "kubernetes_validate/kubernetes-json-schema/"
wanted = (f"v{version}-local/", f"v{version}-local-strict/")
count = 0
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if not name.startswith(prefix) or name.endswith("/"):
            continue
        rel = name[len(prefix):]
        if not rel.startswith(wanted):
            continue
        out = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        schema = json.loads(z.read(name))
        # The wheel's schemas carry "$id": "https://kubernetes.io/api/..." and refs rooted there
        # ("/api/_definitions.json#/$defs/..."); drop the ids and make the refs relative so that a
        # file:// schema location resolves them against _definitions.json beside each file.
        if isinstance(schema, dict):
            schema.pop("$id", None)
        text = json.dumps(schema).replace('"/api/_definitions.json#', '"_definitions.json#')
        with open(out, "w", encoding="utf-8") as dst:
            dst.write(text)
        count += 1
if count == 0:
    sys.exit(f"no schemas for Kubernetes v{version} in {wheel}")
print(f"extracted {count} schema files for Kubernetes v{version} into {dest}")
