#!/usr/bin/env python3
"""Reference figures for Tests/FeatureProfilesTests/DriftTests.swift, computed with numpy and scipy.

Run: python3 scripts/reference/drift-reference.py (numpy, scipy). The tests paste its output.

PSI has no library implementation; it is computed here with numpy from its definition
sum((q - p) * ln(q / p)) with every share below EPS counted as EPS (fs's epsilon policy).
The Jensen-Shannon distance is scipy.spatial.distance.jensenshannon(p, q, base=2).
Decile bins are cut at the baseline's deciles by numpy.quantile(method="inverted_cdf") (the
smallest value whose cumulative share reaches the decile), right-closed: (-inf, d1], ..., (d9, inf).
"""
import numpy as np
from scipy.spatial.distance import jensenshannon

EPS = 1e-4


def psi(p, q):
    p = np.maximum(np.asarray(p, dtype=float), EPS)
    q = np.maximum(np.asarray(q, dtype=float), EPS)
    return float(np.sum((q - p) * np.log(q / p)))


def decile_shares(baseline, window):
    cuts = np.unique(np.quantile(baseline, np.arange(1, 10) / 10, method="inverted_cdf"))
    def shares(values):
        ranks = np.searchsorted(np.sort(values), cuts, side="right") / len(values)
        return np.diff(np.concatenate([[0.0], ranks, [1.0]]))
    return cuts, shares(baseline), shares(window)


print("# fixed share vectors")
vectors = {
    "half_vs_quarter": ([0.5, 0.5], [0.25, 0.75]),
    "three_bins": ([0.2, 0.3, 0.5], [0.1, 0.4, 0.5]),
    "empty_window_bin": ([0.5, 0.3, 0.2], [0.6, 0.4, 0.0]),
    "empty_baseline_bin": ([0.5, 0.5, 0.0], [0.5, 0.4, 0.1]),
    "identical": ([0.1] * 10, [0.1] * 10),
}
for name, (p, q) in vectors.items():
    print(f"{name}: psi={psi(p, q)!r} js={float(jensenshannon(p, q, base=2))!r}")

print("# decile bins on fixed data (n = 150 per side: the sketches hold every value)")
n = 150
grid = (np.arange(n) + 0.5) / n
datasets = {
    "uniform_vs_power": (grid, grid ** 1.5),
    "uniform_vs_shift": (grid, grid + 0.05),
    "uniform_vs_same": (grid, grid[::-1].copy()),
}
for name, (base, window) in datasets.items():
    cuts, p, q = decile_shares(base, window)
    print(f"{name}: cuts={len(cuts)} psi={psi(p, q)!r} js={float(jensenshannon(p, q, base=2))!r}")

print("# categories (exact counts): baseline a 50 b 30 c 20; window a 20 b 30 c 40 d 10")
p = [0.5, 0.3, 0.2, 0.0]  # a, b, c, other
q = [0.2, 0.3, 0.4, 0.1]
print(f"categories: psi={psi(p, q)!r} js={float(jensenshannon(p, q, base=2))!r}")
