"""Writes the canonical request (specs/README.md section 8.2) of every scenario under the
given specs directory into the output directory, one JSON file per scenario named after its
path: what `tools/threadspec compile FILE` prints, in one process. They are the seeds of the
request fuzzer and the inputs of the test that the C++ executor accepts every scenario.

Usage: python3 make_seeds.py REPO_ROOT SPECS_DIR OUT_DIR
"""
import json
import os
import shutil
import sys


def main(argv):
    root, specs, out = argv[1:4]
    sys.path.insert(0, os.path.join(root, "tools"))
    from threadspec_lib import loader

    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    count = 0
    for path in loader.find_files([specs]):
        scenario = loader.load(path)
        request = {"protocol": scenario.protocol, "time_scale": 1.0, "trace": "/dev/null",
                   "scenario": scenario.canonical()}
        name = os.path.relpath(path, specs).replace(os.sep, "_").rsplit(".", 1)[0] + ".json"
        with open(os.path.join(out, name), "w") as f:
            json.dump(request, f, indent=1)
        count += 1
    print("%d canonical requests in %s" % (count, out))
    return 0 if count else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
