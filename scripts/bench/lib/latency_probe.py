#!/usr/bin/env python3
"""Sends one request after another to a server over one keep-alive connection, with a short pause
between them (as a liveness probe or a light client would), until a stop file appears, and writes
one line per request: wall-clock time it was sent (seconds), latency (microseconds), HTTP status.

Usage: latency_probe.py --url http://127.0.0.1:PORT --path /health --out FILE --stop FILE
                        [--ready FILE] [--body JSON] [--interval-ms 1]
A POST when --body is given, else a GET. --ready is created once the first answer arrived.
"""
import argparse
import http.client
import os
import time
import urllib.parse

parser = argparse.ArgumentParser()
parser.add_argument("--url", required=True)
parser.add_argument("--path", required=True)
parser.add_argument("--out", required=True)
parser.add_argument("--stop", required=True)
parser.add_argument("--ready")
parser.add_argument("--body")
parser.add_argument("--interval-ms", type=float, default=1.0)
args = parser.parse_args()

url = urllib.parse.urlparse(args.url)
connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
body = args.body.encode() if args.body is not None else None
headers = {"Content-Type": "application/json"} if body is not None else {}
method = "POST" if body is not None else "GET"
lines = []
while not os.path.exists(args.stop):
    sent = time.time()
    began = time.perf_counter()
    connection.request(method, args.path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    latency = (time.perf_counter() - began) * 1e6
    lines.append(f"{sent:.6f} {latency:.0f} {response.status}\n")
    if args.ready and len(lines) == 1:
        open(args.ready, "w").close()
    time.sleep(args.interval_ms / 1000)
with open(args.out, "w") as f:
    f.writelines(lines)
