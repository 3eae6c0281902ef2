"""Statistics of benchmark repetitions: median, spread, ratios and a least-squares line.
Stdlib only."""

import math


def median(xs):
    s = sorted(xs)
    n = len(s)
    if not n:
        return float("nan")
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def stddev(xs):
    if len(xs) < 2:
        return 0.0
    m = sum(xs) / len(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))


def stats(values):
    """{median, min, max, mean, stddev, repetitions} of a non-empty list of times."""
    return {"median": median(values), "min": min(values), "max": max(values),
            "mean": sum(values) / len(values), "stddev": stddev(values), "repetitions": len(values)}


def ratio(a, b):
    """a / b, or None when either is missing or b is zero."""
    if a is None or b is None or not b:
        return None
    return a / b


def linear_fit(points):
    """Least squares y = a + b x; returns (a, b, r2)."""
    n = len(points)
    if n < 2:
        return None
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    sxx = sum((p[0] - mx) ** 2 for p in points)
    if not sxx:
        return None
    sxy = sum((p[0] - mx) * (p[1] - my) for p in points)
    b = sxy / sxx
    a = my - b * mx
    ss_tot = sum((p[1] - my) ** 2 for p in points)
    ss_res = sum((p[1] - a - b * p[0]) ** 2 for p in points)
    r2 = 1.0 - ss_res / ss_tot if ss_tot else 1.0
    return a, b, r2
