#!/usr/bin/env python3
"""Checks that two CSV files hold the same rows: same header, same cells, numbers compared as
numbers (1 == 1.0), empty and null alike. Exits 1 naming the first difference.

Usage: compare_csv.py A.csv B.csv [RELATIVE_TOLERANCE]
With a tolerance, numbers agree when within it relative to the larger (for sums and averages that
another engine rounds in another order); without one, they must be equal.
"""
import csv
import sys

tolerance = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0


def cell(text):
    try:
        return float(text)
    except ValueError:
        return "" if text == "null" else text


def same(x, y):
    if isinstance(x, float) and isinstance(y, float):
        return x == y or abs(x - y) <= tolerance * max(abs(x), abs(y))
    return x == y


with open(sys.argv[1]) as a, open(sys.argv[2]) as b:
    left, right = list(csv.reader(a)), list(csv.reader(b))
if len(left) != len(right):
    sys.exit(f"row counts differ: {len(left)} vs {len(right)}")
for number, (x, y) in enumerate(zip(left, right), start=1):
    cx, cy = [cell(v) for v in x], [cell(v) for v in y]
    if len(cx) != len(cy) or not all(same(p, q) for p, q in zip(cx, cy)):
        sys.exit(f"line {number} differs:\n  {x}\n  {y}")
print(f"outputs agree: {len(left) - 1} rows")
