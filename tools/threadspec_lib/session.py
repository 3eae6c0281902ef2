"""Running the selected scenarios on one implementation, start to end: its expectations
files, the progress lines, the results document, and the files named after it. `run`,
`suite` and `matrix` all go through here."""

import json
import os
import sys
import time

from . import engine, report
from .expectations import ExpectationSet


class Options(object):
    """How to run: time scale, repeats, parallel jobs, selection (for the record) and an
    explicit list of expectations files (None: each implementation's own)."""

    def __init__(self, time_scale=1.0, repeat=1, jobs=1, ids=(), tags=(), expectations=None, verbose=False):
        self.time_scale, self.repeat, self.jobs = time_scale, repeat, jobs
        self.ids, self.tags, self.expectations, self.verbose = list(ids or []), list(tags or []), expectations, verbose


class Outcome(object):
    """The results of one implementation: per-scenario results, the results document."""

    def __init__(self, impl, results, doc, duration, load_errors):
        self.impl, self.results, self.doc, self.duration, self.load_errors = impl, results, doc, duration, load_errors

    @property
    def failed(self):
        return bool(self.load_errors) or any(r.verdict in ("fail", "error") for r in self.results)

    def summary(self):
        return report.summary_line(self.results, self.load_errors)

    def write(self, json_path=None, junit_path=None, directory=None):
        """Write the results JSON and JUnit XML to the given paths, and/or into `directory`
        as KEY.json and KEY.junit.xml (KEY: the implementation's name and release)."""
        text = json.dumps(self.doc, indent=1, ensure_ascii=False) + "\n"
        xml = report.junit_xml(self.results, self.impl, self.duration, self.load_errors)
        written = []
        for path, data in ((json_path, text), (junit_path, xml)):
            if path:
                report.write_atomic(path, data)
                written.append(path)
        if directory:
            for suffix, data in ((".json", text), (".junit.xml", xml)):
                path = os.path.join(directory, self.impl.key + suffix)
                report.write_atomic(path, data)
                written.append(path)
        return written


def run_implementation(impl, selected, all_ids, load_errors, options, out=None):
    """Run `selected` on the described implementation `impl`; progress goes to `out`.
    Raises loader.ScenarioError for a bad expectations file."""
    out = out or sys.stdout
    expectations = ExpectationSet.for_implementation(impl, all_ids, options.expectations)
    out.write("threadspec: %s, %d scenarios, time scale %g, repeat %d, -j %d\n" %
              (impl.label(), len(selected), options.time_scale, options.repeat, options.jobs))
    out.write("threadspec:   %s\n" % " ".join(impl.command))
    for path in expectations.paths:
        out.write("threadspec:   expectations %s\n" % os.path.relpath(path))
    out.flush()
    started = report.now_iso()
    t0 = time.monotonic()

    def progress(r):
        out.write("\n".join(report.scenario_lines(r, verbose=options.verbose)) + "\n")
        out.flush()

    results = engine.run_all(selected, impl, expectations, options.time_scale, options.repeat, options.jobs, progress)
    duration = time.monotonic() - t0
    for e in load_errors:
        out.write("ERROR %s\n" % e)
    record = {"time_scale": options.time_scale, "repeat": options.repeat, "jobs": options.jobs,
              "ids": options.ids, "tags": options.tags,
              "expectations": [os.path.relpath(p) for p in expectations.paths]}
    doc = report.results_json(results, impl, record, started, duration, load_errors)
    return Outcome(impl, results, doc, duration, load_errors)
