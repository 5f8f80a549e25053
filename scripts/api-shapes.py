#!/usr/bin/env python3
"""Writes web/src/serve/aws/shapes.json: the request shapes of the Step Functions botocore model, trimmed to
what the server checks (types, enums, integer ranges). Usage: scripts/api-shapes.py path/to/service-2.json[.gz]
(from `pip download --no-deps botocore`: botocore/data/stepfunctions/2016-11-23/)."""
import gzip, json, sys, pathlib

src = sys.argv[1]
raw = gzip.open(src).read() if src.endswith(".gz") else open(src, "rb").read()
model = json.loads(raw)
shapes, keep = model["shapes"], {}

def walk(name):
    if name in keep:
        return
    s = shapes[name]
    t = {"type": s["type"]}
    keep[name] = t
    if "enum" in s:
        t["enum"] = s["enum"]
    if s["type"] in ("integer", "long"):
        for bound in ("min", "max"):
            if bound in s:
                t[bound] = s[bound]
    if s["type"] == "structure":
        t["members"] = {k: v["shape"] for k, v in s["members"].items()}
        for v in s["members"].values():
            walk(v["shape"])
    if s["type"] == "list":
        t["member"] = s["member"]["shape"]
        walk(s["member"]["shape"])
    if s["type"] == "map":
        t["key"], t["value"] = s["key"]["shape"], s["value"]["shape"]
        walk(s["key"]["shape"])
        walk(s["value"]["shape"])

ops = {}
for op, o in sorted(model["operations"].items()):
    if "input" in o:
        ops[op] = o["input"]["shape"]
        walk(o["input"]["shape"])
out = {"operations": ops, "shapes": dict(sorted(keep.items()))}
dest = pathlib.Path(__file__).resolve().parent.parent / "web/src/serve/aws/shapes.json"
dest.write_text(json.dumps(out, indent=1, sort_keys=False) + "\n")
print(f"{dest}: {len(ops)} operations, {len(keep)} shapes")
