#!/usr/bin/env python3
"""Early answers seen by real clients (driven by scripts/fuzz-server).

A body over --max-body sent by python-requests (which sends the whole body before reading the
answer) and by curl, with and without `Connection: close`, and a large body without a token: each
client must report the server's 413 or 401, not a connection error or a timeout.
Usage: early_answer_clients.py URL MAX_BODY_BYTES [WRITE_TOKEN]
"""
import json, subprocess, sys, tempfile, time

url, max_body = sys.argv[1], int(sys.argv[2])
auth = {"Authorization": f"Bearer {sys.argv[3]}"} if len(sys.argv) > 3 else {}
body = b'{"push_source_name": "driver_events", "pad": "' + b"a" * (max_body + (1 << 20)) + b'"}'
failures = 0


def check(client, case, status, expected, seconds, detail=""):
    global failures
    ok = status == expected
    failures += 0 if ok else 1
    print(f"  {client:15} {case:38} -> {status} in {seconds:.2f} s {'ok' if ok else 'FAILED ' + detail}")


try:
    import requests
except ImportError:
    requests = None
    print("  python-requests is not installed (pip install requests); skipped")
if requests:
    for case, headers, expected in [
        ("413, Connection: close", {"Connection": "close"}, 413),
        ("413, keep-alive", {}, 413),
    ]:
        started = time.time()
        try:
            answer = requests.post(f"{url}/push", data=body, timeout=30,
                                   headers={"Content-Type": "application/json", **auth, **headers})
            check("python-requests", case, answer.status_code, expected, time.time() - started, answer.text[:100])
        except Exception as error:
            check("python-requests", case, type(error).__name__, expected, time.time() - started, str(error)[:200])
    started = time.time()
    try:
        answer = requests.post(f"{url}/push", data=body[: max_body // 2], timeout=30,
                               headers={"Content-Type": "application/json", "Authorization": "Bearer wrong-0123456789abcdef"})
        check("python-requests", "401 before a large body is read", answer.status_code, 401, time.time() - started)
    except Exception as error:
        check("python-requests", "401 before a large body is read", type(error).__name__, 401, time.time() - started)

with tempfile.NamedTemporaryFile(suffix=".json") as f:
    f.write(body)
    f.flush()
    for case, extra in [("413, Connection: close", ["-H", "Connection: close"]), ("413, keep-alive", [])]:
        started = time.time()
        token = [h for k, v in auth.items() for h in ("-H", f"{k}: {v}")]
        out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "30",
                              "-H", "Content-Type: application/json", *token, *extra, "--data-binary", f"@{f.name}",
                              f"{url}/push"], capture_output=True, text=True)
        check("curl", case, int(out.stdout or 0), 413, time.time() - started, out.stderr[:200])
sys.exit(1 if failures else 0)
