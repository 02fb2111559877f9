"""Feast's own Python client against `fs serve` over gRPC (issue 14's interop check).

Run by scripts/grpc-interop, which installs feast, grpcio, grpcio-health-checking and grpcio-tools
from PyPI in a venv, starts fs serve on a demo repo and passes the addresses here.

1. Wire compatibility: fs's .proto files (compiled with grpcio-tools) against the descriptors
   Feast ships (feast.protos...ServingService_pb2, Value_pb2) and grpcio's health_pb2: every
   message, field (number, type, label, message type, oneof), enum value and method fs declares
   must be declared the same way there.
2. Lookups: Feast's ServingServiceStub calls GetOnlineFeatures; Feast's OnlineResponse decodes the
   answer; it must equal HTTP's POST /get-online-features answer for the same request (names,
   values, statuses, event times), for every value type, every status and a feature service.
3. Errors: the gRPC status code and details of client mistakes, against HTTP's message.
4. Health: grpcio's HealthStub (what grpc_health_probe does): Check and Watch.
"""

import argparse
import base64
import datetime
import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

import grpc
from feast.online_response import OnlineResponse
from feast.protos.feast.serving import ServingService_pb2 as feast_serving
from feast.protos.feast.serving import ServingService_pb2_grpc as feast_serving_grpc
from feast.protos.feast.types import Value_pb2 as feast_types
from feast.type_map import python_values_to_proto_values
from feast.value_type import ValueType
from google.protobuf import descriptor_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

FAILURES = []


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        FAILURES.append(what)


# 1. Wire compatibility -------------------------------------------------------------------------


def our_descriptors(proto_dir):
    """fs's protos as FileDescriptorProtos, by file name."""
    with tempfile.TemporaryDirectory() as scratch:
        out = os.path.join(scratch, "set.pb")
        protos = []
        for root, _, files in os.walk(proto_dir):
            protos += [os.path.relpath(os.path.join(root, f), proto_dir) for f in files if f.endswith(".proto")]
        import grpc_tools

        include = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
        subprocess.run(
            [sys.executable, "-m", "grpc_tools.protoc", f"-I{proto_dir}", f"-I{include}",
             f"--descriptor_set_out={out}", *sorted(protos)],
            check=True,
        )
        files = descriptor_pb2.FileDescriptorSet()
        with open(out, "rb") as handle:
            files.ParseFromString(handle.read())
    return {f.name: f for f in files.file}


def as_proto(module):
    proto = descriptor_pb2.FileDescriptorProto()
    module.DESCRIPTOR.CopyToProto(proto)
    return proto


def messages(file_proto):
    """Every message (nested ones too) and enum by full name."""
    found, enums = {}, {}

    def walk(prefix, message_protos, enum_protos):
        for enum in enum_protos:
            enums[f"{prefix}.{enum.name}"] = enum
        for message in message_protos:
            name = f"{prefix}.{message.name}"
            found[name] = message
            walk(name, message.nested_type, message.enum_type)

    walk("." + file_proto.package, file_proto.message_type, file_proto.enum_type)
    return found, enums


def compare_files(ours, theirs, label):
    our_messages, our_enums = messages(ours)
    their_messages, their_enums = messages(theirs)
    for name, message in our_messages.items():
        other = their_messages.get(name)
        if other is None:
            check(False, f"{label}: {name} exists in Feast's descriptors")
            continue
        if message.options.map_entry:
            check(other.options.map_entry, f"{label}: {name} is a map entry there too")
        fields = {f.number: f for f in other.field}
        for field in message.field:
            twin = fields.get(field.number)
            same = (
                twin is not None
                and twin.name == field.name
                and twin.type == field.type
                and twin.label == field.label
                and twin.type_name == field.type_name
                and (twin.HasField("oneof_index") == field.HasField("oneof_index"))
                and (not field.HasField("oneof_index")
                     or other.oneof_decl[twin.oneof_index].name == message.oneof_decl[field.oneof_index].name)
            )
            check(same, f"{label}: {name}.{field.name} = {field.number} matches")
    for name, enum in our_enums.items():
        other = their_enums.get(name)
        values = {v.name: v.number for v in other.value} if other else {}
        check(other is not None and all(values.get(v.name) == v.number for v in enum.value),
              f"{label}: enum {name} matches")
    their_services = {s.name: s for s in theirs.service}
    for service in ours.service:
        other = their_services.get(service.name)
        methods = {m.name: m for m in other.method} if other else {}
        for method in service.method:
            twin = methods.get(method.name)
            check(twin is not None and twin.input_type == method.input_type and twin.output_type == method.output_type
                  and twin.server_streaming == method.server_streaming,
                  f"{label}: rpc {service.name}.{method.name} matches")


def check_wire(proto_dir):
    ours = our_descriptors(proto_dir)
    compare_files(ours["feast/types/Value.proto"], as_proto(feast_types), "Value.proto")
    compare_files(ours["feast/serving/ServingService.proto"], as_proto(feast_serving), "ServingService.proto")
    compare_files(ours["grpc/health/v1/health.proto"], as_proto(health_pb2), "health.proto")


# 2. Lookups ------------------------------------------------------------------------------------


def http_post(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def seconds(rfc3339):
    return int(datetime.datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp() // 1)


def grpc_request(features=None, service=None, entities=None, full=False):
    request = feast_serving.GetOnlineFeaturesRequest(full_feature_names=full)
    if features is not None:
        request.features.val.extend(features)
    if service is not None:
        request.feature_service = service
    for key, values in (entities or {}).items():
        value_type = ValueType.STRING if values and isinstance(values[0], str) else ValueType.INT64
        request.entities[key].val.extend(python_values_to_proto_values(values, value_type))
    return request


def same_value(http_value, feast_value):
    """HTTP's JSON value against what Feast's client decoded from the protobuf Value."""
    if http_value is None or feast_value is None:
        return http_value is None and feast_value is None
    if isinstance(feast_value, bytes):
        return base64.b64decode(http_value) == feast_value
    if isinstance(feast_value, datetime.datetime):
        # unix_timestamp_val carries whole seconds (Feast's definition).
        return seconds(http_value) == int(feast_value.timestamp())
    if isinstance(feast_value, bool) or isinstance(http_value, bool):
        return feast_value is http_value
    return http_value == feast_value


def compare_lookup(stub, http, label, body):
    status, answer = http_post(http + "/get-online-features", body)
    check(status == 200, f"{label}: HTTP answers 200 ({answer if status != 200 else 'ok'})")
    response = stub.GetOnlineFeatures(
        grpc_request(body.get("features"), body.get("feature_service"), body["entities"], body.get("full_feature_names", False)))
    decoded = OnlineResponse(response).to_dict(include_event_timestamps=True)
    names = answer["metadata"]["feature_names"]
    check(list(response.metadata.feature_names.val) == names, f"{label}: feature names {names}")
    for index, name in enumerate(names):
        column = answer["results"][index]
        values = decoded[name]
        check(len(values) == len(column["values"]) and all(map(same_value, column["values"], values)),
              f"{label}: values of {name} {column['values']}")
        statuses = [feast_serving.FieldStatus.Name(s) for s in response.results[index].statuses]
        check(statuses == column["statuses"], f"{label}: statuses of {name} {statuses}")
        times = decoded[name + "__ts"]
        check(times == [seconds(t) for t in column["event_timestamps"]], f"{label}: event times of {name}")
    return response


def check_lookups(stub, http):
    write = {
        "feature_view_name": "typed",
        "df": {
            "driver_id": [7, 8, 9],
            "trips": [9223372036854775807, None, -9223372036854775808],
            "ratio": [-0.0, None, 1.7976931348623157e308],
            "label": ["ünïcødé ✓", None, ""],
            "active": [True, None, False],
            "blob": [base64.b64encode(b"\x00\xff\x01").decode(), None, ""],
            "seen_at": ["2026-11-19T12:34:56Z", None, "1969-12-31T23:59:59Z"],
            "event_timestamp": [now_minus(minutes=30), now_minus(minutes=30), now_minus(days=400)],
        },
    }
    status, answer = http_post(http + "/write-to-online-store", write)
    check(status == 200 and answer.get("written") == 3, f"seeded the typed view over HTTP ({answer})")
    zones = {"feature_view_name": "zone_stats",
             "df": {"zone_code": ["north"], "demand": [0.25], "event_timestamp": [now_minus(minutes=5)]}}
    status, answer = http_post(http + "/write-to-online-store", zones)
    check(status == 200 and answer.get("written") == 1, f"seeded the zone view over HTTP ({answer})")
    compare_lookup(stub, http, "every value type", {"features": ["typed:*"], "entities": {"driver_id": [9, 7, 8, 4242]}})
    compare_lookup(stub, http, "demo views, statuses and request order", {
        "features": ["driver_hourly_stats:avg_daily_trips", "driver_trip_stats:trips_1h", "driver_hourly_stats:conv_rate"],
        "entities": {"driver_id": [1005, 1001, 999999, 1001]},
    })
    compare_lookup(stub, http, "feature service, full names", {
        "feature_service": "driver_activity", "entities": {"driver_id": [1001, 1002]}, "full_feature_names": True,
    })
    compare_lookup(stub, http, "string join key", {"features": ["zone_stats:demand"], "entities": {"zone_code": ["north", "x"]}})


def now_minus(**delta):
    moment = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(**delta)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# 3. Errors -------------------------------------------------------------------------------------


def check_errors(stub, http):
    cases = [
        ("unknown view", {"features": ["nope:x"], "entities": {"driver_id": [1]}}, grpc.StatusCode.NOT_FOUND),
        ("unknown service", {"feature_service": "nobody", "entities": {"driver_id": [1]}}, grpc.StatusCode.NOT_FOUND),
        ("unknown join key", {"features": ["typed:trips"], "entities": {"driver": [1]}}, grpc.StatusCode.INVALID_ARGUMENT),
    ]
    for label, body, code in cases:
        _, answer = http_post(http + "/get-online-features", body)
        try:
            stub.GetOnlineFeatures(grpc_request(body.get("features"), body.get("feature_service"), body["entities"]))
            check(False, f"{label}: gRPC refuses it")
        except grpc.RpcError as error:
            check(error.code() == code, f"{label}: {error.code()}")
            check(error.details() == answer["error"]["message"], f"{label}: the same message as HTTP ({error.details()})")
    request = grpc_request(["typed:trips"], entities={"driver_id": ["1001"]})
    try:
        stub.GetOnlineFeatures(request)
        check(False, "a string_val for an int64 key is refused")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.INVALID_ARGUMENT and "int64_val" in error.details(),
              f"a string_val for an int64 key: {error.code()} {error.details()}")


# 4. Health -------------------------------------------------------------------------------------


def check_health(channel):
    health = health_pb2_grpc.HealthStub(channel)
    for service in ["", "feast.serving.ServingService"]:
        answer = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
        check(answer.status == health_pb2.HealthCheckResponse.SERVING, f"health Check({service!r}) is SERVING")
    try:
        health.Check(health_pb2.HealthCheckRequest(service="nope"), timeout=5)
        check(False, "health Check('nope') is NOT_FOUND")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.NOT_FOUND, f"health Check('nope') is {error.code()}")
    watch = health.Watch(health_pb2.HealthCheckRequest(service=""), timeout=5)
    first = next(watch)
    watch.cancel()
    check(first.status == health_pb2.HealthCheckResponse.SERVING, "health Watch('') starts with SERVING")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--grpc", required=True, help="HOST:PORT of fs serve's gRPC server")
    parser.add_argument("--http", required=True, help="base URL of fs serve's HTTP server")
    parser.add_argument("--protos", required=True, help="fs's .proto files")
    args = parser.parse_args()
    check_wire(args.protos)
    with grpc.insecure_channel(args.grpc) as channel:
        stub = feast_serving_grpc.ServingServiceStub(channel)
        info = stub.GetFeastServingInfo(feast_serving.GetFeastServingInfoRequest(), timeout=5)
        check(info.version.startswith("fs "), f"GetFeastServingInfo: {info.version}")
        check_lookups(stub, args.http)
        check_errors(stub, args.http)
        check_health(channel)
    print(f"\n{len(FAILURES)} failures")
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
