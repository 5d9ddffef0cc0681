"""The load side of benchmarks/ingest.py, run as its own process so it does not share the
server's interpreter: raw sockets speaking what Traccar Client and gateways send.

- ``osmand``: keep-alive connections to the OsmAnd port, each pipelining up to ``--depth``
  requests (one fix each, a fresh time per fix, devices taken in turn). With ``--rate`` it
  paces itself instead (fixes per second), and sends ``--probes`` SOS fixes spread over the
  run, printing when each was sent (for the position-to-alert latency).
- ``batch``: HTTP/1.1 keep-alive POSTs of ``--per-request`` fixes to /api/v1/tracking/batch.
- ``mqtt``: OwnTracks locations published with QoS 1, each device on its own topic, from a
  raw socket (MQTT 3.1.1, up to ``--depth`` unacknowledged): paho's publisher cost about
  100 µs of CPU a message, so on two cores it, not JSMS, set the pace.

Each prints one JSON line: what was sent and acknowledged, and how long it took.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import time
from typing import Any


def _fix_query(device: int, millis: int, key: str, lat: float, lon: float, alarm: str) -> str:
    sos = "&alarm=sos" if alarm else ""
    return (
        f"id=bench-{device}&lat={lat:.6f}&lon={lon:.6f}&speed=20&bearing=90"
        f"&timestamp={millis}&key={key}{sos}"
    )


def where(device: int, millis: int, devices_per_movement: int) -> tuple[float, float]:
    """On the device's movement's route: movement m runs east along latitude 24 + m/1000."""
    movement = device // devices_per_movement
    lat = 24.0 + movement * 0.001
    lon = 67.0 + (millis % 3_600_000) / 3_600_000 * 0.4
    return lat, lon


async def _osmand_connection(
    args: argparse.Namespace, lane: int, totals: dict[str, Any], plan: list[tuple[int, int, str]]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", args.port)
    sent = answered = 0
    buffer = b""
    while answered < len(plan):
        burst = []
        while sent < len(plan) and sent - answered < args.depth:
            device, millis, alarm = plan[sent]
            lat, lon = where(device, millis, args.per_movement)
            query = _fix_query(device, millis, args.key, lat, lon, alarm)
            burst.append(f"GET /?{query} HTTP/1.1\r\nHost: jsms\r\n\r\n".encode())
            if alarm:
                totals["probes"].append((f"bench-{device}", time.time()))
            sent += 1
        if burst:
            writer.write(b"".join(burst))
        data = await reader.read(262_144)
        if not data:
            break
        buffer += data
        parts = buffer.split(b"\r\n\r\n")
        buffer = parts.pop()
        for head in parts:
            totals["ok" if head.startswith(b"HTTP/1.1 200") else "refused"] += 1
            answered += 1
    writer.close()


async def osmand(args: argparse.Namespace) -> dict[str, Any]:
    totals: dict[str, Any] = {"ok": 0, "refused": 0, "probes": []}
    lanes = args.connections
    per_lane = args.count // lanes
    start = time.perf_counter()
    if args.rate:  # paced: one second's worth at a time, an SOS probe now and then
        seconds = max(1, round(args.count / args.rate))
        probe_seconds = set(range(1, seconds, max(1, seconds // max(1, args.probes))))
        base = int(time.time() * 1000) - 400_000
        for second in range(seconds):
            plans: list[list[tuple[int, int, str]]] = [[] for _ in range(lanes)]
            for k in range(args.rate):
                index = second * args.rate + k
                plans[k % lanes].append((index % args.devices, base + index, ""))
            if second in probe_seconds:
                device = (len(totals["probes"]) * args.per_movement) % args.devices
                plans[0].insert(0, (device, base - 1 - second, "sos"))
            tick = time.perf_counter()
            await asyncio.gather(
                *(_osmand_connection(args, i, totals, plans[i]) for i in range(lanes))
            )
            await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - tick)))
    else:
        base = int(time.time() * 1000) - 60_000 + args.offset
        plans = [
            [
                ((lane * per_lane + j) % args.devices, base + lane * per_lane + j, "")
                for j in range(per_lane)
            ]
            for lane in range(lanes)
        ]
        await asyncio.gather(*(_osmand_connection(args, i, totals, plans[i]) for i in range(lanes)))
    totals["seconds"] = time.perf_counter() - start
    return totals


def batch(args: argparse.Namespace) -> dict[str, Any]:
    import http.client
    from concurrent.futures import ThreadPoolExecutor

    token = base64.b64encode(f"{args.gateway}:{args.key}".encode()).decode()
    base = int(time.time() * 1000) - 120_000 + args.offset
    requests = args.count // args.per_request

    def body(number: int) -> bytes:
        fixes = []
        for j in range(args.per_request):
            index = number * args.per_request + j
            device = index % args.devices
            millis = base + index
            lat, lon = where(device, millis, args.per_movement)
            fixes.append(
                {
                    "device": f"bench-{device}",
                    "time": millis,
                    "lat": lat,
                    "lon": lon,
                    "speed_mps": 10,
                }
            )
        return json.dumps({"fixes": fixes}).encode()

    bodies = [body(n) for n in range(requests)]
    totals = {"stored": 0, "refused": 0}

    def lane(numbers: list[int]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=120)
        for number in numbers:
            connection.request(
                "POST",
                "/api/v1/tracking/batch",
                bodies[number],
                {"Authorization": f"Basic {token}", "Content-Type": "application/json"},
            )
            answer = json.loads(connection.getresponse().read())
            totals["stored"] += answer.get("stored", 0)
            totals["refused"] += len(answer.get("refused", []))

    start = time.perf_counter()
    with ThreadPoolExecutor(args.connections) as pool:
        list(
            pool.map(
                lane, [list(range(i, requests, args.connections)) for i in range(args.connections)]
            )
        )
    return {**totals, "seconds": time.perf_counter() - start}


def mqtt(args: argparse.Namespace) -> dict[str, Any]:
    import socket
    import struct
    import threading

    def packet(first: int, body: bytes) -> bytes:
        length, size = bytearray(), len(body)
        while True:
            size, digit = divmod(size, 128)
            length.append(digit | (0x80 if size else 0))
            if not size:
                return bytes([first]) + bytes(length) + body

    connection = socket.create_connection(("127.0.0.1", args.port))
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    client_id = b"bench-publisher"
    # MQTT 3.1.1, clean session, no keep-alive (the run is one burst)
    connect = b"\x00\x04MQTT\x04\x02\x00\x00" + struct.pack(">H", len(client_id)) + client_id
    connection.sendall(packet(0x10, connect))
    connack = connection.recv(4)
    if len(connack) < 4 or connack[3] != 0:
        raise SystemExit(f"the broker refused the publisher: {connack!r}")
    acked = {"n": 0}
    done = threading.Event()

    def read() -> None:  # every packet the broker sends back is a 4-byte PUBACK
        received = 0
        while received < args.count * 4:
            data = connection.recv(65_536)
            if not data:
                break
            received += len(data)
            acked["n"] = received // 4
        done.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    base = int(time.time()) - 60 + args.offset
    start = time.perf_counter()
    pending: list[bytes] = []
    for index in range(args.count):
        while index - acked["n"] >= args.depth:
            if pending:
                connection.sendall(b"".join(pending))
                pending = []
            time.sleep(0.0005)
        device = index % args.devices
        stamp = base + index // args.devices
        lat, lon = where(device, stamp * 1000, args.per_movement)
        payload = json.dumps(
            {"_type": "location", "tst": stamp, "lat": lat, "lon": lon, "vel": 40, "tid": "BN"}
        ).encode()
        topic = f"owntracks/bench/d{device}".encode()
        mid = index % 65_535 + 1  # never reused while in flight: depth < 65,535
        body = struct.pack(">H", len(topic)) + topic + struct.pack(">H", mid) + payload
        pending.append(packet(0x32, body))  # PUBLISH, QoS 1
        if len(pending) >= 100:
            connection.sendall(b"".join(pending))
            pending = []
    if pending:
        connection.sendall(b"".join(pending))
    done.wait(120)
    seconds = time.perf_counter() - start
    connection.sendall(b"\xe0\x00")  # DISCONNECT
    connection.close()
    return {"published": acked["n"], "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["osmand", "batch", "mqtt"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--per-movement", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--depth", type=int, default=64)
    parser.add_argument("--key", default="")
    parser.add_argument("--gateway", default="bench-gateway")
    parser.add_argument("--per-request", type=int, default=5_000)
    parser.add_argument("--offset", type=int, default=0, help="shifts fix times between runs")
    parser.add_argument("--rate", type=int, default=0)
    parser.add_argument("--probes", type=int, default=0)
    args = parser.parse_args()
    if args.kind == "osmand":
        result = asyncio.run(osmand(args))
    elif args.kind == "batch":
        result = batch(args)
    else:
        result = mqtt(args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
