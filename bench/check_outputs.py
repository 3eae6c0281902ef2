#!/usr/bin/env python3
"""Checks that a `threadspec bench` output directory holds its outputs and that they parse:
results.json (schema, context, results, targets), table.md (its sections), plot.svg (XML),
cpp.json and each Python implementation's raw file that results.json lists as a source
(Google Benchmark JSON, named by the implementation's name and release). Asserts no timing. Used by the CTest
test bench.smoke_outputs."""
import json
import os
import sys
import xml.etree.ElementTree as ET


def fail(msg):
    sys.stderr.write("check_outputs: %s\n" % msg)
    sys.exit(1)


def main(out):
    for name in ("results.json", "table.md", "plot.svg", "cpp.json"):
        if not os.path.isfile(os.path.join(out, name)):
            fail("missing %s in %s" % (name, out))
    with open(os.path.join(out, "results.json")) as f:
        doc = json.load(f)
    pys = [os.path.join(out, s["file"]) for s in doc.get("sources", []) if s.get("kind") == "python"]
    if not pys:
        fail("results.json lists no Python source in %s" % out)
    for path in pys:
        if not os.path.isfile(path):
            fail("missing %s, a source of results.json" % path)
    if doc.get("schema") != "threadspec-bench/1":
        fail("results.json: unexpected schema %r" % doc.get("schema"))
    for key in ("context", "sources", "targets", "results"):
        if key not in doc:
            fail("results.json: no %r" % key)
    for key in ("cpu_model", "cores", "kernel", "compiler", "benchmark_version", "pythons"):
        if key not in doc["context"]:
            fail("results.json: context lacks %r" % key)
    if not doc["results"]:
        fail("results.json: no results")
    for r in doc["results"]:
        for key in ("key", "impl", "median", "min", "max"):
            if key not in r:
                fail("results.json: a result lacks %r: %r" % (key, r))
    impls = {r["impl"] for r in doc["results"]}
    if "pthread" not in impls or not any(i.startswith("CPython ") or " " in i for i in impls):
        fail("results.json: expected pthread and a Python among %s" % sorted(impls))
    for path in [os.path.join(out, "cpp.json")] + pys:
        with open(path) as f:
            gb = json.load(f)
        if "context" not in gb or not gb.get("benchmarks"):
            fail("%s: not Google Benchmark JSON with benchmarks" % path)
        for b in gb["benchmarks"]:
            if b.get("aggregate_name") in ("BigO", "RMS"):
                continue
            for key in ("name", "run_name", "run_type", "real_time", "time_unit"):
                if key not in b:
                    fail("%s: %s lacks %r" % (path, b.get("name"), key))
    with open(os.path.join(out, "table.md")) as f:
        table = f.read()
    for section in ("## Targets", "## Ratios", "## All results", "BM_SpawnJoin"):
        if section not in table:
            fail("table.md lacks %r" % section)
    root = ET.parse(os.path.join(out, "plot.svg")).getroot()
    if not root.tag.endswith("svg"):
        fail("plot.svg: root element is %s" % root.tag)
    print("check_outputs: %s: %d results, %d implementations, outputs parse" % (out, len(doc["results"]), len(impls)))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        fail("usage: check_outputs.py OUTPUT_DIR")
    sys.exit(main(sys.argv[1]))
