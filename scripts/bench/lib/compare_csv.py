#!/usr/bin/env python3
"""Checks that two CSV files hold the same rows: same header, same cells, numbers compared as
numbers (1 == 1.0), empty and null alike. Exits 1 naming the first difference."""
import csv
import sys


def cell(text):
    try:
        return float(text)
    except ValueError:
        return text


with open(sys.argv[1]) as a, open(sys.argv[2]) as b:
    left, right = list(csv.reader(a)), list(csv.reader(b))
if len(left) != len(right):
    sys.exit(f"row counts differ: {len(left)} vs {len(right)}")
for number, (x, y) in enumerate(zip(left, right), start=1):
    if [cell(v) for v in x] != [cell(v) for v in y]:
        sys.exit(f"line {number} differs:\n  {x}\n  {y}")
print(f"outputs agree: {len(left) - 1} rows")
