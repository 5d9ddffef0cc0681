"""The load side of benchmarks/ingest.py, run as its own process so it does not share the
server's interpreter: raw sockets speaking what Traccar Client and gateways send.

- ``osmand``: keep-alive connections to the OsmAnd port, each pipelining up to ``--depth``
  requests (one fix each, a fresh time per fix, devices taken in turn). With ``--rate`` it
  paces itself instead (fixes per second), and sends ``--probes`` SOS fixes spread over the
  run, printing when each was sent (for the position-to-alert latency).
- ``batch``: HTTP/1.1 keep-alive POSTs of ``--per-request`` fixes to /api/v1/tracking/batch.
- ``mqtt``: OwnTracks locations published with QoS 1 (paho), each device on its own topic.

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


# messages queued in the publisher at most, well below the 65,535 message numbers MQTT has
MAX_QUEUED = 50_000


def mqtt(args: argparse.Namespace) -> dict[str, Any]:
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

    client = paho.Client(
        CallbackAPIVersion.VERSION2,
        client_id="bench-publisher",
        protocol=MQTTProtocolVersion.MQTTv5,
    )
    client.max_inflight_messages_set(args.depth)
    client.max_queued_messages_set(0)
    acked = {"n": 0}
    client.on_publish = lambda *_: acked.__setitem__("n", acked["n"] + 1)
    client.connect("127.0.0.1", args.port)
    client.loop_start()
    base = int(time.time()) - 60 + args.offset
    start = time.perf_counter()
    for index in range(args.count):
        # paho numbers messages 1-65,535 and refuses (MQTT_ERR_QUEUE_SIZE) one whose number
        # is still held by an unacknowledged message: never queue that many
        while index - acked["n"] >= MAX_QUEUED:
            time.sleep(0.001)
        device = index % args.devices
        stamp = base + index // args.devices
        lat, lon = where(device, stamp * 1000, args.per_movement)
        payload = json.dumps(
            {"_type": "location", "tst": stamp, "lat": lat, "lon": lon, "vel": 40, "tid": "BN"}
        )
        info = client.publish(f"owntracks/bench/d{device}", payload, qos=1)
        if info.rc != paho.MQTT_ERR_SUCCESS:
            raise SystemExit(f"message {index} not published: {paho.error_string(info.rc)}")
    deadline = time.monotonic() + 120
    while acked["n"] < args.count and time.monotonic() < deadline:
        time.sleep(0.01)
    seconds = time.perf_counter() - start
    client.disconnect()
    client.loop_stop()
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
