#!/usr/bin/env python3
"""One unary call of auralis.v1.FingerprintService through grpcio (Debian's python3-grpcio), a
second gRPC implementation independent of ours and of grpc-js.

The messages come from a descriptor set that protoc (from the Grpc.Tools NuGet package) compiled
from proto/auralis/v1/fingerprint.proto (`protoc --include_imports --descriptor_set_out=FILE`):
protoc's --python_out code needs a newer protobuf runtime than Debian ships, and grpcio's
service-stub plugin is not packaged, so the call goes through grpcio's generic
channel.unary_unary with the message classes built from those descriptors.

    grpc_call.py --address 127.0.0.1:PORT --descriptor-set FILE --method GetTrackFingerprint \
                 --request '{"track_id": 42}' [--deadline-ms N] [--token T] [--raw-hex HEX] \
                 [--path /svc/Method]

Prints one JSON line and exits 0 after any call: {"code", "details", "response"}, with the
proto's field names, int64 as strings and bytes as base64 (the same mapping as grpc-call.js).
"""
import argparse
import json
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

SERVICE = "auralis.v1.FingerprintService"


def message_classes(descriptor_set_path):
    files = descriptor_pb2.FileDescriptorSet()
    with open(descriptor_set_path, "rb") as f:
        files.ParseFromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:
        pool.Add(file)
    service = pool.FindServiceByName(SERVICE)

    def message_class(descriptor):
        if hasattr(message_factory, "GetMessageClass"):  # protobuf 4.22 and later
            return message_factory.GetMessageClass(descriptor)
        return message_factory.MessageFactory(pool).GetPrototype(descriptor)

    return {m.name: (message_class(m.input_type), message_class(m.output_type)) for m in service.methods}


def to_json(message):
    options = {"preserving_proto_field_name": True}
    try:
        return json_format.MessageToDict(message, always_print_fields_with_no_presence=True, **options)
    except TypeError:  # protobuf before 5.26
        return json_format.MessageToDict(message, including_default_value_fields=True, **options)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--address", required=True)
    parser.add_argument("--descriptor-set", required=True)
    parser.add_argument("--method", required=True)
    parser.add_argument("--request", default="{}")
    parser.add_argument("--deadline-ms", type=float)
    parser.add_argument("--token")
    parser.add_argument("--raw-hex", help="send these bytes as the request message (malformed-protobuf tests)")
    parser.add_argument("--path", help="call this path instead of the method's (unknown-method tests)")
    args = parser.parse_args()

    request_class, reply_class = message_classes(args.descriptor_set)[args.method]
    if args.raw_hex is not None:
        request, serialize = bytes.fromhex(args.raw_hex), lambda raw: raw
    else:
        request, serialize = json_format.Parse(args.request, request_class()), lambda m: m.SerializeToString()
    metadata = [("authorization", "Bearer " + args.token)] if args.token else None
    timeout = args.deadline_ms / 1000 if args.deadline_ms is not None else None

    with grpc.insecure_channel(args.address) as channel:
        call = channel.unary_unary(args.path or f"/{SERVICE}/{args.method}",
                                   request_serializer=serialize, response_deserializer=reply_class.FromString)
        try:
            reply = call(request, timeout=timeout, metadata=metadata)
            result = {"code": 0, "details": "", "response": to_json(reply)}
        except grpc.RpcError as e:
            result = {"code": e.code().value[0], "details": e.details() or "", "response": None}
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
