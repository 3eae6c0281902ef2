"""The harness's limits (specs/README.md, "Limits"): how big an input may be, how much of
a run's output is kept, and how much of it a report repeats. Every limit is a constant
here, so that the document, the code and the tests name the same numbers."""

import math

# Scenario and expectations files
MAX_FILE_BYTES = 1 << 20            # 1 MiB per YAML file
MAX_DEPTH = 64                      # nesting of mappings and lists
MAX_NODES = 200000                  # YAML nodes after alias expansion
MAX_INT_DIGITS = 18                 # integers |n| < 10**18
MAX_REGEX_CHARS = 1000              # length of one regular expression
MAX_SECONDS = 3600.0                # any seconds field, unscaled
MAX_COUNT = 1000000                 # an item's count
MAX_DEADLINE = 3600.0               # a run's deadline after scaling, seconds
MIN_TIME_SCALE, MAX_TIME_SCALE = 0.001, 100.0

# A run's output
MAX_LINES = 100000                  # lines kept per stream; the rest are counted
MAX_LINE_CHARS = 65536              # characters kept of one line
MAX_STREAM_BYTES = 16 << 20         # bytes read per stream; the rest are drained unread
MAX_TRACE_BYTES = 64 << 20          # bytes of trace read
CHECK_SECONDS = 60.0                # checking one run (regular expressions included)

# Reports
SHOWN_LINES = 20                    # lines shown of a list: the first and last halves
SAMPLE_LINES = 200                  # lines kept of a stream in results (sample, first_failure)
SHOWN_CHARS = 400                   # characters shown of one line in a message
MAX_VIOLATIONS = 50                 # violations kept per run


def finite(x):
    """True for an int or a finite float (bool is not a number here)."""
    if isinstance(x, bool):
        return False
    if isinstance(x, int):
        return True
    return isinstance(x, float) and math.isfinite(x)


def clip_text(text, limit=SHOWN_CHARS):
    """text, or its first and last parts with the number of characters left out."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return "%s…[%d characters]…%s" % (text[:half], len(text) - 2 * half, text[-half:])


def clip_list(values, limit=SHOWN_LINES):
    """values (each clipped), or the first and last limit/2 with a marker between."""
    values = [clip_text(v) if isinstance(v, str) else v for v in values]
    if len(values) <= limit:
        return values
    half = limit // 2
    return values[:half] + ["…[%d more]…" % (len(values) - 2 * half)] + values[-half:]
