#!/usr/bin/env python3
"""Fuzzes a running `fs serve` over loopback (driven by scripts/fuzz-server).

Every request starts from a valid request of one endpoint and is mutated: its JSON body
(types, extremes, non-finite numbers, repeated members, nesting, bytes), its headers (Host,
Origin, Content-Type, Authorization, Content-Length, Transfer-Encoding) and its framing (chunk
sizes, trailers, CRLFs, request lines, pipelining, slow or short bodies). Each answer is checked:

  - a 5xx, an answer that is not HTTP, a 4xx without the JSON error body: failure
  - the connection closed (or reset) without any answer: failure ("dropped")
  - no answer within --answer-timeout seconds: failure ("hang")
  - the server process exited: failure, and the run stops

Bounded: at most --requests requests and --seconds seconds; only 127.0.0.1.
Writes failing requests to --failures DIR and a JSON summary to --summary FILE.
"""
import argparse, json, os, random, socket, sys, threading, time
from collections import Counter

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, required=True)
p.add_argument("--pid", type=int, required=True, help="the server's pid (its exit fails the run)")
p.add_argument("--requests", type=int, default=100_000)
p.add_argument("--seconds", type=float, default=1800)
p.add_argument("--threads", type=int, default=8)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--answer-timeout", type=float, default=20)
p.add_argument("--tokens", required=True, help="JSON: {role: token}")
p.add_argument("--failures", required=True)
p.add_argument("--summary", required=True)
a = p.parse_args()

HOST = "127.0.0.1"
TOKENS = json.loads(a.tokens)
os.makedirs(a.failures, exist_ok=True)

# ---------------------------------------------------------------- valid requests per endpoint
NOW = "2026-11-20T00:00:00Z"


def lookup(rng):
    features = rng.choice([
        ["driver_hourly_stats:conv_rate", "driver_hourly_stats:acc_rate"],
        ["driver_hourly_stats:*"], ["driver_trip_stats:trips_1h", "driver_trip_stats:fare_sum_1d"],
        ["driver_live:rating", "driver_live:city"], ["driver_hourly_stats:conv_rate", "driver_trip_stats:*"],
    ])
    body = {"entities": {"driver_id": [rng.randint(1000, 1120) for _ in range(rng.randint(1, 5))]}}
    if rng.random() < 0.2:
        body["feature_service"] = "driver_activity"
    else:
        body["features"] = features
    if rng.random() < 0.3:
        body["full_feature_names"] = rng.random() < 0.5
    return body


def push(rng):
    n = rng.randint(1, 4)
    return {
        "push_source_name": "driver_events",
        "to": rng.choice(["online", "offline", "online_and_offline"]),
        "df": {
            "driver_id": [rng.randint(1000, 1120) for _ in range(n)],
            "event_timestamp": [f"2026-11-19T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z" for _ in range(n)],
            "rating": [round(rng.uniform(0, 5), 2) for _ in range(n)],
            "city": [rng.choice(["Lima", "Kyiv", "Oslo", None]) for _ in range(n)],
        },
    }


def write(rng):
    n = rng.randint(1, 3)
    return {
        "feature_view_name": "driver_live",
        "df": {
            "driver_id": [rng.randint(1000, 1120) for _ in range(n)],
            "rating": [round(rng.uniform(0, 5), 2) for _ in range(n)],
            "city": ["Lima"] * n,
            "event_timestamp": ["2026-11-19T23:00:00"] * n,
            "created": [None] * n,
        },
        "allow_registry_cache": False,
    }


def materialize(rng):
    return {"start_ts": "2026-11-18T00:00:00Z", "end_ts": rng.choice([NOW, "now"]), "feature_views": ["driver_live"]}


def materialize_incremental(rng):
    return {"end_ts": rng.choice([NOW, "now"]), "feature_views": rng.choice([None, ["driver_live"]])}


ENDPOINTS = [  # (weight, method, path, body maker, role)
    (30, "POST", "/get-online-features", lookup, "read"),
    (5, "POST", "/feast.serving.ServingService/GetOnlineFeatures", lookup, "read"),
    (25, "POST", "/push", push, "write"),
    (10, "POST", "/write-to-online-store", write, "write"),
    (0.5, "POST", "/materialize", materialize, "admin"),
    (0.5, "POST", "/materialize-incremental", materialize_incremental, "admin"),
    (5, "GET", "/health", None, None),
    (3, "GET", "/metrics", None, "read"),
    (4, "GET", "/feature-views", None, "read"),
    (4, "GET", "/feature-services", None, "read"),
    (2, "GET", "/nope", None, "read"),
]
WEIGHTS = [e[0] for e in ENDPOINTS]

# ---------------------------------------------------------------- mutations
NASTY = [None, True, False, 0, -1, 1.5, -0.0, 1e308, -1e308, 5e-324, 2**63 - 1, -2**63, "__BIG_POS__",
         "__BIG_NEG__", "__INF__", "__NEGINF__", "inf", "nan", "NaN", "Infinity", "-infinity", "1e999", "",
         "x" * 5000, "1001", "1.0", "1e2", [], {}, [[1]], {"a": 1}, "2026-13-45T99:99:99Z",
         "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "0000-00-00T00:00:00Z", "2026-11-19T23:00:00+25:00",
         "2026-11-19 23:00:00", "now", -9e15, 9e15, 1e20, "\u0000", "é😀", "\\", "'; DROP TABLE x; --",
         "driver_hourly_stats:*", ":", "a:b:c", "driver_live:", "__event_ts"]
LITERALS = {"\"__BIG_POS__\"": "9223372036854775808", "\"__BIG_NEG__\"": "-9223372036854775809",
            "\"__INF__\"": "1e999", "\"__NEGINF__\"": "-1E+400"}


def leaves(value, path=()):
    if isinstance(value, dict):
        yield path, value
        for k, v in value.items():
            yield from leaves(v, path + (k,))
    elif isinstance(value, list):
        yield path, value
        for i, v in enumerate(value):
            yield from leaves(v, path + (i,))
    else:
        yield path, value


def set_at(root, path, new):
    if not path:
        return new
    target = root
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return root


def mutate_json(rng, body):
    kind = rng.choice(["leaf", "leaf", "leaf", "drop", "extra", "lengths", "many", "deep", "type_root"])
    paths = [pth for pth, _ in leaves(body)]
    if kind == "leaf":
        body = set_at(body, rng.choice(paths), rng.choice(NASTY))
    elif kind == "drop":
        containers = [(pth, v) for pth, v in leaves(body) if isinstance(v, dict) and v]
        if containers:
            _, c = rng.choice(containers)
            c.pop(rng.choice(list(c)))
    elif kind == "extra":
        containers = [v for _, v in leaves(body) if isinstance(v, dict)]
        rng.choice(containers)[rng.choice(["x", "df", "to", "created", "", "__event_ts", "é"])] = rng.choice(NASTY)
    elif kind == "lengths":
        arrays = [v for _, v in leaves(body) if isinstance(v, list)]
        if arrays:
            arr = rng.choice(arrays)
            if arr and rng.random() < 0.5:
                arr.pop()
            else:
                arr.append(rng.choice(NASTY))
    elif kind == "many":
        arrays = [v for _, v in leaves(body) if isinstance(v, list) and v]
        if arrays:
            arr = rng.choice(arrays)
            arr.extend([arr[0]] * rng.choice([999, 1000, 1001, 5000]))
    elif kind == "deep":
        depth = rng.choice([10, 63, 64, 65, 200])
        nested = 1
        for _ in range(depth):
            nested = [nested]
        body = set_at(body, rng.choice(paths), nested)
    else:
        body = rng.choice([[], "text", 1, None, [body]])
    return body


def encode(body, rng, duplicate=False):
    text = json.dumps(body, ensure_ascii=rng.random() < 0.5)
    for placeholder, literal in LITERALS.items():
        text = text.replace(placeholder, literal)
    if duplicate and text.startswith("{") and len(text) > 2:
        # Repeat the first member: {"a": 1, ...} -> {"a": 1, "a": 1, ...}
        depth, i = 0, 1
        for i, ch in enumerate(text):
            if ch in "[{":
                depth += 1
            elif ch in "]}":
                depth -= 1
            elif ch == "," and depth == 1:
                break
        member = text[1:i]
        if member:
            text = "{" + member + ", " + text[1:]
    return text.encode()


def mutate_bytes(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.choice(["flip", "insert", "delete", "truncate", "invalid_utf8", "append"])
        if op == "flip" and data:
            i = rng.randrange(len(data)); data[i] = rng.randrange(256)
        elif op == "insert":
            i = rng.randrange(len(data) + 1); data[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif op == "delete" and data:
            i = rng.randrange(len(data)); del data[i:i + rng.randint(1, 8)]
        elif op == "truncate" and data:
            del data[rng.randrange(len(data)):]
        elif op == "invalid_utf8":
            i = rng.randrange(len(data) + 1); data[i:i] = rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"])
        elif op == "append":
            data += rng.choice([b"}", b"]", b",", b" x", b"\x00", b"{}"])
    return bytes(data)


def chunked(rng, body, mode):
    """A chunked body; mode 'valid' or one of the malformations."""
    pieces, i = [], 0
    while i < len(body):
        n = rng.randint(1, max(1, len(body)))
        pieces.append(body[i:i + n]); i += n
    out = b""
    for piece in pieces:
        size = b"%x" % len(piece)
        if mode == "bad_size" and rng.random() < 0.7:
            size = rng.choice([b"zz", b"-5", b"ffffffffffffffffff", b"", b" 1", b"0x10", b"1;" + b"e" * 5000])
        ext = rng.choice([b"", b"", b";name=value"])
        crlf = b"\r\n" if not (mode == "missing_crlf" and rng.random() < 0.7) else rng.choice([b"", b"\n", b"XX"])
        out += size + ext + b"\r\n" + piece + crlf
    if mode == "no_last_chunk":
        return out
    trailer = b""
    if mode == "bad_trailer":
        trailer = rng.choice([b"bad trailer\r\n", b"X: \x00\r\n", b": v\r\n", b"Content-Length: 5\r\n"])
    elif rng.random() < 0.1:
        trailer = b"X-Trailer: ok\r\n"
    return out + b"0\r\n" + trailer + b"\r\n"


def build(rng):
    """One request: (bytes, label, slow, method)."""
    weight_pick = rng.choices(ENDPOINTS, weights=WEIGHTS)[0]
    _, method, path, maker, role = weight_pick
    labels = []
    body = b""
    if maker:
        value = maker(rng)
        duplicate = False
        if rng.random() < 0.45:
            value = mutate_json(rng, value); labels.append("json")
        if rng.random() < 0.05:
            duplicate = True; labels.append("duplicate_member")
        body = encode(value, rng, duplicate)
        if rng.random() < 0.08:
            body = mutate_bytes(rng, body); labels.append("bytes")
    elif rng.random() < 0.05:
        body = b'{"unexpected": "body"}'; labels.append("get_with_body")

    headers = [("Host", rng.choices(["localhost", f"127.0.0.1:{a.port}", "localhost:%d" % a.port, "evil.example",
                                     "", "[::1]", "LOCALHOST.", "features.internal", "a" * 300],
                                    weights=[60, 20, 10, 3, 1, 1, 1, 2, 1])[0])]
    token_choice = rng.choices(["right", "none", "wrong", "read", "write", "admin", "garbage"],
                               weights=[70, 6, 4, 5, 5, 5, 5])[0]
    if token_choice == "right":
        token = TOKENS[role] if role else None
    elif token_choice in TOKENS:
        token = TOKENS[token_choice]
    elif token_choice == "wrong":
        token = "wrong-token-0123456789abcdef"
    elif token_choice == "garbage":
        token = rng.choice(["", " ", "x" * 10000, "é", "0123456789abcdef\x00"])
    else:
        token = None
    if token is not None:
        scheme = rng.choices(["Bearer", "bearer", "Basic", "Token", ""], weights=[90, 4, 2, 2, 2])[0]
        headers.append(("Authorization", f"{scheme} {token}".strip()))
    if token_choice != "right":
        labels.append("token_" + token_choice)
    if method == "POST":
        ctype = rng.choices([None, "application/json", "application/json; charset=utf-8", "text/plain",
                             "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "",
                             "application/jsonx", "APPLICATION/JSON"],
                            weights=[10, 70, 5, 4, 3, 2, 2, 2, 2])[0]
        if ctype is not None:
            headers.append(("Content-Type", ctype))
            if not ctype.lower().startswith("application/json"):
                labels.append("content_type")
    if rng.random() < 0.06:
        headers.append(("Origin", rng.choice(["http://evil.example", "null", "https://dashboard.example.com",
                                              f"http://localhost:{a.port}", "http://localhost", "x"])))
        labels.append("origin")
    if rng.random() < 0.05:
        headers.append(("X-Request-ID", rng.choice(["abc", "a b", "x" * 500, "é", "\"quoted\""])))
    if rng.random() < 0.03:
        headers.append(("Expect", "100-continue"))
    if rng.random() < 0.1:
        headers.append(("Connection", rng.choice(["close", "keep-alive", "Upgrade", "close, close"])))

    framing = rng.choices(["length", "chunked", "bad_length", "bad_chunked", "bad_line", "bad_header",
                           "pipelined", "slow", "short_body"],
                          weights=[64, 10, 6, 6, 4, 5, 3, 1, 1])[0]
    line = f"{method} {path} HTTP/1.1".encode()
    slow = False
    if framing in ("length", "pipelined", "slow", "short_body") and (body or method == "POST"):
        length = len(body)
        if framing == "short_body":
            length = len(body) + rng.randint(1, 100)  # the body never completes: 408
            labels.append("short_body")
        headers.append(("Content-Length", str(length)))
    elif framing == "chunked":
        headers.append(("Transfer-Encoding", "chunked")); body = chunked(rng, body, "valid"); labels.append("chunked")
    elif framing == "bad_length":
        value = rng.choice(["abc", "-1", "99999999999999999999999", "1 2", "", "0x10", str(len(body)) + ", 0"])
        headers.append(("Content-Length", value))
        if rng.random() < 0.3:
            headers.append(("Transfer-Encoding", "chunked"))
        if rng.random() < 0.3:
            headers.append(("Content-Length", str(len(body))))
        labels.append("bad_length")
    elif framing == "bad_chunked":
        mode = rng.choice(["bad_size", "missing_crlf", "bad_trailer", "no_last_chunk"])
        headers.append(("Transfer-Encoding", rng.choice(["chunked", "chunked", "gzip, chunked", "chunked, chunked"])))
        body = chunked(rng, body, mode); labels.append("chunked_" + mode)
    elif framing == "bad_line":
        line = rng.choice([f"{method.lower()} {path} HTTP/1.1", f"BREW {path} HTTP/1.1", f"{method} {path} HTTP/7.3",
                           f"{method} {path}", f"{method}  {path} HTTP/1.1", f"{method} http://evil.example{path} HTTP/1.1",
                           f"{method} {path}%00 HTTP/1.1", f"{method} {'/' + 'a' * 20000} HTTP/1.1",
                           f"{method} {path}?x=1&x=2 HTTP/1.1", f"{method} /../../etc/passwd HTTP/1.1",
                           "\x00\x01\x02", f"{method} {path} HTTP/1.0", "PRI * HTTP/2.0"]).encode()
        headers.append(("Content-Length", str(len(body)))); labels.append("bad_line")
    elif framing == "bad_header":
        bad = rng.choice([("Bad Header", "x"), ("X-Folded", "a\r\n b"), ("X-Nul", "a\x00b"), ("", "empty"),
                          ("X-Big", "a" * rng.choice([1000, 90000])), ("Content-Length", "5\r\nContent-Length: 6"),
                          ("X-Utf8", "é"), ("X:Colon", "x")])
        headers.append(bad)
        if rng.random() < 0.2:
            headers += [(f"X-{i}", "y") for i in range(rng.choice([100, 1001]))]
        headers.append(("Content-Length", str(len(body)))); labels.append("bad_header")
    if framing == "pipelined":
        labels.append("pipelined")
    if framing == "slow":
        slow = True; labels.append("slow")
    head = line + b"\r\n" + b"".join(f"{k}: {v}".encode("utf-8", "surrogatepass") + b"\r\n" for k, v in headers) + b"\r\n"
    data = head + body
    if framing == "pipelined":
        data += b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n" + rng.choice([b"", b"GARBAGE\r\n\r\n"])
    label = f"{method} {path}" + ("" if not labels else " [" + ",".join(labels) + "]")
    return data, label, slow, method


# ---------------------------------------------------------------- sending and checking
def exchange(data, slow, method):
    """Sends `data`; returns (status, headers, body, outcome) where outcome is 'answered',
    'dropped', 'reset' or 'hang'."""
    s = socket.create_connection((HOST, a.port), timeout=a.answer_timeout)
    try:
        if slow:
            for i in range(0, len(data), max(1, len(data) // 5)):
                s.sendall(data[i:i + max(1, len(data) // 5)]); time.sleep(0.3)
        else:
            try:
                s.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server answered early and closed; read what it sent
        buf = b""
        deadline = time.time() + a.answer_timeout
        while True:
            end = buf.find(b"\r\n\r\n")
            if end >= 0:
                head = buf[:end].decode("latin-1").split("\r\n")
                try:
                    status = int(head[0].split(" ")[1])
                except (IndexError, ValueError):
                    return None, {}, buf, "not_http"
                hdrs = {}
                for h in head[1:]:
                    if ":" in h:
                        k, v = h.split(":", 1); hdrs[k.strip().lower()] = v.strip()
                if status == 100:  # an interim answer: the real one follows
                    buf = buf[end + 4:]; continue
                length = int(hdrs.get("content-length", "0") or 0)
                if method == "HEAD":
                    length = 0
                if len(buf) >= end + 4 + length:
                    return status, hdrs, buf[end + 4:end + 4 + length], "answered"
            if time.time() > deadline:
                return None, {}, buf, "hang"
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                return None, {}, buf, "hang"
            except ConnectionResetError:
                return None, {}, buf, "reset" if not buf else "partial"
            if not chunk:
                return None, {}, buf, "dropped" if not buf else "partial"
            buf += chunk
    finally:
        s.close()


lock = threading.Lock()
stats = Counter()
by_status = Counter()
by_label = Counter()
failures = []
sent = 0
stop = threading.Event()
started = time.time()


def server_alive():
    try:
        os.kill(a.pid, 0)
        with open(f"/proc/{a.pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except (ProcessLookupError, FileNotFoundError):
        return False


def record_failure(kind, label, data, status, body):
    with lock:
        stats["failures"] += 1
        n = len(failures)
        if n < 200:
            name = os.path.join(a.failures, f"{n:04d}-{kind}.bin")
            with open(name, "wb") as f:
                f.write(data)
            failures.append({"kind": kind, "request": label, "status": status,
                             "answer": body[:300].decode("utf-8", "replace"), "file": name})


def worker(index):
    global sent
    rng = random.Random(a.seed * 1000 + index)
    while not stop.is_set():
        with lock:
            if sent >= a.requests or time.time() - started > a.seconds:
                return
            sent += 1
        data, label, slow, method = build(rng)
        try:
            status, hdrs, body, outcome = exchange(data, slow, method)
        except OSError as error:
            status, hdrs, body, outcome = None, {}, str(error).encode(), "connect_failed"
        with lock:
            stats[outcome] += 1
            by_status[status] += 1
            by_label[label.split(" [")[0] + (" (mutated)" if " [" in label else "")] += 1
        if outcome != "answered":
            record_failure(outcome, label, data, status, body)
            if not server_alive():
                record_failure("server_exited", label, data, status, body)
                stop.set()
            continue
        if status >= 500:
            record_failure("5xx", label, data, status, body)
        elif status >= 400:
            try:
                error = json.loads(body)["error"]
                ok = isinstance(error["code"], str) and isinstance(error["message"], str)
            except Exception:
                ok = False
            if not ok or "application/json" not in hdrs.get("content-type", ""):
                record_failure("4xx_without_json_error", label, data, status, body)
            if "x-request-id" not in hdrs:
                record_failure("no_request_id", label, data, status, body)


threads = [threading.Thread(target=worker, args=(i,)) for i in range(a.threads)]
for t in threads:
    t.start()
last = time.time()
while any(t.is_alive() for t in threads):
    time.sleep(1)
    if time.time() - last > 15:
        last = time.time()
        with lock:
            print(f"  {sent} requests, {stats['failures']} failures, {sent / (time.time() - started):.0f} req/s", flush=True)
    if not server_alive():
        record_failure("server_exited", "-", b"", None, b"")
        stop.set()
for t in threads:
    t.join()
elapsed = time.time() - started
alive = server_alive()
if not alive and not any(f["kind"] == "server_exited" for f in failures):
    record_failure("server_exited", "-", b"", None, b"")
summary = {
    "requests": sent, "seconds": round(elapsed, 1), "rate": round(sent / elapsed, 1),
    "outcomes": dict(stats), "statuses": {str(k): v for k, v in sorted(by_status.items(), key=lambda kv: str(kv[0]))},
    "endpoints": dict(by_label), "server_alive": alive, "failures": failures[:50], "seed": a.seed,
}
with open(a.summary, "w") as f:
    json.dump(summary, f, indent=1)
print(f"{sent} requests in {elapsed:.0f} s ({sent / elapsed:.0f} req/s); answers by status: "
      + ", ".join(f"{k}: {v}" for k, v in sorted(by_status.items(), key=lambda kv: str(kv[0]))))
print(f"failures: {stats['failures']}; server alive at the end: {alive}")
for f in failures[:20]:
    print(f"  {f['kind']}: {f['request']} -> {f['status']} {f['answer'][:120]!r} ({f['file']})")
sys.exit(1 if stats["failures"] or not alive else 0)
