"""Tests of the benchmark tool (tools/threadspec_lib/bench*.py: reading results, statistics,
the targets file and its rules, table, SVG, compare) and of bench/pybench.py's output format.
No timing is ever asserted: inputs are synthetic, and the one test that runs pybench.py
checks only the shape of its JSON."""

import json
import os
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from threadspec_lib import bench, bench_compare, bench_render, bench_results, bench_stats  # noqa: E402
from threadspec_lib import bench_targets  # noqa: E402


def gb_entry(name, real, run_type="iteration", agg=None, unit="ns", rep=0, reps=3):
    run_name = name
    e = {"name": name if not agg else name + "_" + agg, "run_name": run_name, "run_type": run_type,
         "repetitions": reps, "repetition_index": rep, "threads": 1, "iterations": 100,
         "real_time": real, "cpu_time": real, "time_unit": unit}
    if agg:
        e["aggregate_name"] = agg
    return e


def gb_doc(series, python=None):
    """series: {name: [real times, one per repetition]} -> Google Benchmark JSON."""
    ctx = {"threadspec_suite": "pybench", "python_implementation": "CPython", "python_version": python} \
        if python else {"threadspec_suite": "threadspec_bench", "compiler": "GNU 12", "benchmark_version": "1.7.1"}
    out = []
    for name, values in series.items():
        for i, v in enumerate(values):
            out.append(gb_entry(name, v, rep=i, reps=len(values)))
        out.append(gb_entry(name, sorted(values)[len(values) // 2], "aggregate", "median", reps=len(values)))
    return {"context": ctx, "benchmarks": out}


CPP = gb_doc({
    "BM_SpawnJoin/pthread/real_time": [10000, 11000, 12000],
    "BM_SpawnJoin/pythreading/real_time": [10500, 11500, 12500],
    "BM_SpawnJoinBatch/pthread/1/real_time": [10000, 10000, 10000],
    "BM_SpawnJoinBatch/pthread/4/real_time": [40000, 40000, 40000],
    "BM_SpawnJoinBatch/pythreading/1/real_time": [11000, 11000, 11000],
    "BM_SpawnJoinBatch/pythreading/4/real_time": [44000, 44000, 44000],
    "BM_ActiveCount/1/real_time": [1.0, 1.0, 1.0],
    "BM_ActiveCount/1024/real_time": [1.1, 1.1, 1.1],
    "BM_Enumerate/1/real_time": [20, 20, 20],
    "BM_Enumerate/16/real_time": [170, 170, 170],
    "BM_Enumerate/256/real_time": [2570, 2570, 2570],
    "BM_EventPingPong/condvar/real_time": [5000, 5000, 5000],
    "BM_EventPingPong/pythreading/real_time": [7000, 7000, 7000],
    "BM_CpuBound/1/real_time": [100, 100, 100],
    "BM_CpuBound/2/real_time": [52, 52, 52],
    "BM_CpuBound/pthread/1/real_time": [100, 100, 100],
    "BM_CpuBound/pthread/2/real_time": [51, 51, 51],
})
PY311 = gb_doc({
    "BM_SpawnJoin/cpython": [80000, 81000, 82000],
    "BM_SpawnJoinBatch/cpython/1": [80000, 80000, 80000],
    "BM_ActiveCount/1": [200, 200, 200],
    "BM_CpuBound/1": [100, 100, 100],
    "BM_CpuBound/2": [101, 101, 101],
}, python="3.11.7")
PY312 = gb_doc({"BM_SpawnJoin/cpython": [70000, 70000, 70000]}, python="3.12.1")


def results(*docs):
    recs, cx = [], {}
    for d in docs:
        r, _, c = bench_results.records_from_gb(d)
        recs += r
        cx.update(c)
    return bench_results.Results(recs, cx)


class ParseName(unittest.TestCase):
    def test_variants_args_and_decorations(self):
        self.assertEqual(bench_results.parse_name("BM_SpawnJoin/pthread/real_time"), ("BM_SpawnJoin", "pthread", ()))
        self.assertEqual(bench_results.parse_name("BM_SpawnJoinBatch/pythreading/64/real_time"),
                         ("BM_SpawnJoinBatch", "pythreading", (64,)))
        self.assertEqual(bench_results.parse_name("BM_ActiveCount/1024/real_time"), ("BM_ActiveCount", None, (1024,)))
        self.assertEqual(bench_results.parse_name("BM_CpuBound/2"), ("BM_CpuBound", None, (2,)))
        self.assertEqual(bench_results.parse_name("BM_X/threads:2/min_time:0.1/repeats:3"), ("BM_X", None, ()))

    def test_key(self):
        self.assertEqual(bench_results.bench_key("BM_SpawnJoinBatch", (64,)), "BM_SpawnJoinBatch/64")
        self.assertEqual(bench_results.bench_key("BM_SpawnJoin", ()), "BM_SpawnJoin")


class Records(unittest.TestCase):
    def test_default_impls_and_stats(self):
        res = results(CPP, PY311)
        r = res.get("BM_SpawnJoin", "pthread")
        self.assertEqual((r["median"], r["min"], r["max"], r["repetitions"]), (11000, 10000, 12000, 3))
        self.assertIsNotNone(res.get("BM_ActiveCount/1024", "pythreading"))
        self.assertIsNotNone(res.get("BM_SpawnJoin", "CPython 3.11.7"))
        self.assertIsNotNone(res.get("BM_CpuBound/2", "CPython 3.11.7"))
        self.assertIn("pthread", res.impls())

    def test_units_normalised_to_ns(self):
        doc = {"context": {}, "benchmarks": [gb_entry("BM_A/pthread", 2.0, unit="us"),
                                              gb_entry("BM_A/pthread", 3.0, unit="ms", rep=1)]}
        recs, _, _ = bench_results.records_from_gb(doc)
        self.assertEqual(recs[0]["values"], [2000.0, 3e6])

    def test_aggregates_only_and_errors_and_bigo(self):
        doc = {"context": {}, "benchmarks": [
            gb_entry("BM_A/pthread", 10.0, "aggregate", "median"), gb_entry("BM_A/pthread", 11.0, "aggregate", "mean"),
            gb_entry("BM_A/pthread", 1.0, "aggregate", "stddev"),
            {"name": "BM_B/pthread", "run_name": "BM_B/pthread", "run_type": "iteration", "error_occurred": True,
             "error_message": "boom"},
            {"name": "BM_ActiveCount/real_time_BigO", "run_name": "BM_ActiveCount/real_time", "run_type": "aggregate",
             "aggregate_name": "BigO", "big_o": "(1)", "real_coefficient": 1.5, "time_unit": "ns"},
            {"name": "BM_ActiveCount/real_time_RMS", "run_name": "BM_ActiveCount/real_time", "run_type": "aggregate",
             "aggregate_name": "RMS", "rms": 0.01}]}
        recs, errors, cx = bench_results.records_from_gb(doc)
        self.assertEqual(len(recs), 1)
        self.assertEqual((recs[0]["median"], recs[0]["min"], recs[0]["max"]), (10.0, 10.0, 12.0))
        self.assertEqual(errors[0]["error"], "boom")
        self.assertEqual(cx["BM_ActiveCount"]["big_o"], "(1)")
        self.assertEqual(cx["BM_ActiveCount"]["rms"], 0.01)


class Targets(unittest.TestCase):
    def targets(self, *docs):
        spec = bench_targets.load_targets()
        return {t["id"]: t for t in bench_targets.evaluate_targets(results(*docs), spec)}

    def test_reference_python_prefers_311(self):
        self.assertEqual(results(CPP, PY312, PY311).reference_python(), "CPython 3.11.7")
        self.assertEqual(results(CPP, PY312).reference_python(), "CPython 3.12.1")
        self.assertIsNone(results(CPP).reference_python())

    def test_the_repositorys_targets(self):
        t = self.targets(CPP, PY311)
        self.assertAlmostEqual(t["spawn_join_vs_pthread"]["value"], 11500 / 11000.0)
        self.assertTrue(t["spawn_join_vs_pthread"]["met"])  # 1.045 <= 1.05
        self.assertAlmostEqual(t["spawn_join_vs_cpython"]["value"], 11500 / 81000.0)
        self.assertTrue(t["spawn_join_vs_cpython"]["met"])
        # Every batch size: 1.1x at N=1 and N=4, both within 1.15.
        self.assertAlmostEqual(t["spawn_join_batch_vs_pthread"]["value"], 1.1)
        self.assertTrue(t["spawn_join_batch_vs_pthread"]["met"])
        self.assertIn("1: 1.10x, 4: 1.10x", t["spawn_join_batch_vs_pthread"]["measured"])
        self.assertTrue(t["active_count_flat"]["met"])
        self.assertTrue(t["enumerate_linear"]["met"])
        self.assertAlmostEqual(t["event_ping_pong_vs_condvar"]["value"], 1.4)
        self.assertFalse(t["event_ping_pong_vs_condvar"]["met"])
        self.assertAlmostEqual(t["cpu_bound_speedup"]["value"], 100 / 52.0)
        self.assertTrue(t["cpu_bound_speedup"]["met"])
        self.assertIn("CPython 3.11.7", t["cpu_bound_speedup"]["note"])
        self.assertIsNone(t["lock_uncontended_vs_std_mutex"]["met"])  # not in this run

    def test_missing_measurements_are_not_measured(self):
        t = self.targets(PY311)
        self.assertIsNone(t["spawn_join_vs_pthread"]["met"])
        self.assertIsNone(t["spawn_join_batch_vs_pthread"]["met"])
        self.assertIsNone(t["event_ping_pong_vs_condvar"]["met"])
        self.assertIsNone(t["enumerate_linear"]["met"])
        self.assertIsNone(t["current_thread"]["met"])

    def check(self, rule, docs, **fields):
        t = dict({"id": "x", "rule": rule}, **fields)
        return bench_targets.evaluate_targets(results(*docs), [t])[0]

    def test_ratio_every_argument_must_hold(self):
        doc = gb_doc({"BM_L/pythreading/2": [10, 10, 10], "BM_L/std_mutex/2": [10, 10, 10],
                      "BM_L/pythreading/4": [14, 14, 14], "BM_L/std_mutex/4": [10, 10, 10]})
        r = self.check("ratio", [doc], benchmark="BM_L", impl="pythreading", baseline="std_mutex", max=1.3)
        self.assertFalse(r["met"])
        self.assertAlmostEqual(r["value"], 1.4)
        self.assertIn("at N=4", r["measured"])
        one = self.check("ratio", [doc], benchmark="BM_L/2", impl="pythreading", baseline="std_mutex", max=1.3)
        self.assertTrue(one["met"])
        low = self.check("ratio", [doc], benchmark="BM_L", impl="pythreading", baseline="std_mutex", min=1.2)
        self.assertFalse(low["met"])
        self.assertAlmostEqual(low["value"], 1.0)

    def test_time_flat_linear_speedup(self):
        doc = gb_doc({"BM_T/pythreading": [2.5, 2.6, 2.7], "BM_F/1": [1, 1, 1], "BM_F/8": [3, 3, 3],
                      "BM_C/1": [100, 100, 100], "BM_C/2": [60, 60, 60]})
        self.assertTrue(self.check("time", [doc], benchmark="BM_T", impl="pythreading", max_ns=3)["met"])
        self.assertFalse(self.check("time", [doc], benchmark="BM_T", impl="pythreading", max_ns=2)["met"])
        flat = self.check("flat", [doc], benchmark="BM_F", impl="pythreading", max=2)
        self.assertFalse(flat["met"])
        self.assertAlmostEqual(flat["value"], 3.0)
        self.assertIsNone(self.check("linear", [doc], benchmark="BM_F", impl="pythreading", min_r2=0.9)["met"])
        sp = self.check("speedup", [doc], benchmark="BM_C", impl="pythreading", **{"from": 1, "to": 2, "min": 1.8})
        self.assertFalse(sp["met"])
        self.assertAlmostEqual(sp["value"], 100 / 60.0)

    def test_linear_fit(self):
        a, b, r2 = bench_stats.linear_fit([(1, 3), (2, 5), (4, 9)])
        self.assertAlmostEqual(a, 1.0)
        self.assertAlmostEqual(b, 2.0)
        self.assertAlmostEqual(r2, 1.0)


class TargetsFile(unittest.TestCase):
    def load(self, text):
        d = tempfile.mkdtemp()
        path = os.path.join(d, "targets.yaml")
        with open(path, "w") as f:
            f.write(text)
        return path, lambda: bench_targets.load_targets(path)

    def error(self, text):
        path, load = self.load(text)
        with self.assertRaises(bench_results.BenchError) as cm:
            load()
        return str(cm.exception).replace(path, "F")

    def test_repository_file_loads(self):
        ids = [t["id"] for t in bench_targets.load_targets()]
        self.assertIn("lock_uncontended_vs_std_mutex", ids)
        self.assertEqual(len(ids), len(set(ids)))

    def test_errors_name_file_line_and_field(self):
        good = "targets:\n  - id: a\n    rule: time\n    benchmark: BM_T\n    impl: x\n    max_ns: 3\n"
        _, load = self.load(good)
        self.assertEqual(load()[0]["max_ns"], 3)
        self.assertEqual(self.error(good.replace("max_ns: 3", "max_ns: fast")),
                         "F:6 (targets[0].max_ns): must be a number")
        self.assertEqual(self.error(good.replace("rule: time", "rule: magic")),
                         "F:3 (targets[0].rule): unknown rule 'magic' (one of flat, linear, ratio, speedup, time)")
        self.assertEqual(self.error(good.replace("    max_ns: 3\n", "")),
                         "F:2 (targets[0]): rule time needs the field 'max_ns'")
        self.assertEqual(self.error(good + "    colour: red\n"), "F:7 (targets[0].colour): unknown field for rule time")
        self.assertEqual(self.error(good + good[len("targets:\n"):]), "F:7 (targets[1].id): duplicate id 'a'")
        self.assertEqual(self.error("targets: 3\n"), "F:1 (top level): the file must be a mapping with one key, "
                         "targets: a list")
        self.assertEqual(self.error("targets:\n  - {id: a\n  - b\n"),
                         "F:4: invalid YAML: expected ',' or '}', but got '<stream end>'")
        ratio = "targets:\n  - id: r\n    rule: ratio\n    benchmark: B\n    impl: x\n    baseline: y\n"
        self.assertEqual(self.error(ratio), "F:2 (targets[0]): rule ratio needs max or min")


class Rendering(unittest.TestCase):
    def test_markdown(self):
        res = results(CPP, PY311)
        md = bench_render.markdown(res, bench_targets.evaluate_targets(res, bench_targets.load_targets()),
                                  {"cpu_model": "X", "cores": 2})
        self.assertIn("## Targets", md)
        self.assertIn("| BM_SpawnJoin | 11.5 us | pthread 11 us | 1.05x | 81 us | 0.14x |", md)
        self.assertIn("| BM_SpawnJoin | CPython 3.11.7 | 81 us | 80 us | 82 us | 3 |", md)
        self.assertIn("**missed**", md)

    def test_svg_parses(self):
        for docs in ((CPP, PY311), (PY312,), ()):
            svg = bench_render.svg_plot(results(*docs), "t <&>")
            root = ET.fromstring(svg)
            self.assertTrue(root.tag.endswith("svg"))

    def test_fmt_time(self):
        self.assertEqual(bench_render.fmt_time(12.0), "12 ns")
        self.assertEqual(bench_render.fmt_time(12345.0), "12.3 us")
        self.assertEqual(bench_render.fmt_time(2.5e6), "2.5 ms")
        self.assertEqual(bench_render.fmt_time(None), "n/a")


class Compare(unittest.TestCase):
    def rec(self, key, impl, values):
        r = bench_stats.stats(values)
        r.update({"key": key, "impl": impl, "family": key, "args": [], "values": values})
        return r

    def test_verdicts(self):
        a = bench_results.Results([self.rec("BM_A", "x", [100, 101, 102]), self.rec("BM_B", "x", [100, 110, 120]),
                           self.rec("BM_C", "x", [100, 100, 100]), self.rec("BM_D", "x", [5])])
        b = bench_results.Results([self.rec("BM_A", "x", [150, 151, 152]), self.rec("BM_B", "x", [105, 115, 125]),
                           self.rec("BM_C", "x", [50, 50, 51]), self.rec("BM_E", "x", [1])])
        rows = {r["key"]: r for r in bench_compare.compare(a, b)}
        self.assertEqual(rows["BM_A"]["verdict"], "slower")
        self.assertAlmostEqual(rows["BM_A"]["ratio"], 151 / 101.0)
        self.assertEqual(rows["BM_B"]["verdict"], "within noise")
        self.assertEqual(rows["BM_C"]["verdict"], "faster")
        self.assertEqual(rows["BM_D"]["verdict"], "only in A")
        self.assertEqual(rows["BM_E"]["verdict"], "only in B")
        text = bench_compare.render_compare(list(rows.values()), "a.json", "b.json")
        self.assertIn("within noise", text)

    def test_single_repetition_is_marked_uncertain(self):
        a = bench_results.Results([self.rec("BM_A", "x", [100])])
        b = bench_results.Results([self.rec("BM_A", "x", [200])])
        self.assertEqual(bench_compare.compare(a, b)[0]["verdict"], "slower?")

    def test_load_results_both_formats(self):
        d = tempfile.mkdtemp()
        raw = os.path.join(d, "cpp.json")
        with open(raw, "w") as f:
            json.dump(CPP, f)
        merged = os.path.join(d, "results.json")
        res = results(CPP)
        with open(merged, "w") as f:
            json.dump({"schema": bench_results.SCHEMA, "context": {}, "results": res.records}, f)
        for p in (raw, merged):
            r, _, _ = bench_results.load_results(p)
            self.assertEqual(r.median("BM_SpawnJoin", "pthread"), 11000)
        bad = os.path.join(d, "bad.json")
        with open(bad, "w") as f:
            f.write("[1]")
        with self.assertRaises(bench_results.BenchError):
            bench_results.load_results(bad)


class PyBench(unittest.TestCase):
    def test_json_format(self):
        """pybench.py writes Google Benchmark JSON that bench.py reads (shape only)."""
        d = tempfile.mkdtemp()
        out = os.path.join(d, "py.json")
        subprocess.check_call([sys.executable, bench.PYBENCH, "--quick", "--min-time", "0.001", "--repetitions", "2",
                               "--filter", "BM_(SpawnJoin|LockUncontended|CpuBound)/", "--out", out],
                              stderr=subprocess.DEVNULL)
        with open(out) as f:
            doc = json.load(f)
        self.assertEqual(doc["context"]["threadspec_suite"], "pybench")
        names = {b["run_name"] for b in doc["benchmarks"]}
        self.assertIn("BM_SpawnJoin/cpython", names)
        self.assertIn("BM_CpuBound/2", names)
        aggs = {b["aggregate_name"] for b in doc["benchmarks"] if b["run_type"] == "aggregate"}
        self.assertTrue({"median", "mean", "stddev"} <= aggs)
        for b in doc["benchmarks"]:
            for k in ("name", "run_name", "run_type", "repetitions", "real_time", "cpu_time", "time_unit",
                      "iterations"):
                self.assertIn(k, b)
        recs, errors, _ = bench_results.records_from_gb(doc)
        self.assertEqual(errors, [])
        self.assertTrue(all(r["repetitions"] == 2 for r in recs))


if __name__ == "__main__":
    unittest.main()
