"""OwnTracks over MQTT: JSMS subscribes to the broker (Mosquitto) and stores what devices
publish on `owntracks/<user>/<device>` (locations, last wills) and its `/event` subtopic
(waypoint transitions).

The broker authenticates each device (its password file and ACL, written by `jsms devices
mosquitto-passwd`, let a device publish only to its own topic), so JSMS trusts the topic a
message arrived on and checks only that the device is registered, active and OwnTracks.

Delivery is at least once, end to end: MQTT v5, QoS 1, a persistent session (the broker
keeps messages while JSMS is down) and acknowledgement after the commit: a message's PUBACK
is sent only after its fix is committed (or it was refused and its count committed). A
message whose commit fails is retried in a second and stays unacknowledged meanwhile, so a
crash before the commit makes the broker deliver it again; the duplicate that may cause is
dropped by the (device, fix time) constraint. A shared subscription (`$share/<group>/...`)
lets several JSMS processes split the load.

The client is JSMS's own, this module's few packets of MQTT v5 (CONNECT, SUBSCRIBE, PUBLISH
in, PUBACK, PINGREQ, DISCONNECT) on one thread: paho-mqtt spent 100-170 µs of CPU on each
message (packet objects, v5 property objects, a lock per message), more than the rest of
ingest and the monitor together. Here what one read brings (up to the Receive Maximum of
messages) is parsed in one pass and handed to ingest as one request, and their PUBACKs go
out together, in the order the messages came, after its commit.

JSMS_MQTT_URL: mqtt[s]://user:password@host:port/?group=jsms-ingest&client_id=...
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import ssl
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from jsms.tracking.directory import KnownDevice
from jsms.tracking.fixes import Fix
from jsms.tracking.ingest import Pipeline, Receipt
from jsms.tracking.protocols import Reason, Rejected
from jsms.tracking.protocols.owntracks import identifier_from_topic, parse_owntracks

__all__ = ["BrokerAddress", "Message", "MqttSubscriber"]

log = logging.getLogger("jsms.mqtt")

SOURCE = "mqtt"
TOPICS = ("owntracks/+/+", "owntracks/+/+/event")
RECEIVE_MAXIMUM = 2_000  # messages the broker may send ahead of our acknowledgements
SESSION_EXPIRY_S = 7 * 24 * 3600  # the broker keeps our queue this long while we are away
RETRY_SECONDS = 1.0
KEEPALIVE_S = 30
READ_BYTES = 262_144
MAX_PACKET = 1_048_576  # a packet past this ends the connection (OwnTracks sends < 1 KB)
PINGREQ, DISCONNECT = b"\xc0\x00", b"\xe0\x00"  # DISCONNECT 0x00: the session is kept


class ProtocolError(Exception):
    """The broker said no, or sent what MQTT v5 does not allow."""


@dataclass(frozen=True, slots=True)
class Message:
    """One PUBLISH as it arrived."""

    topic: str
    payload: bytes
    mid: int | None  # the packet identifier (None at QoS 0: nothing to acknowledge)
    dup: bool


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool
    group: str
    client_id: str

    @classmethod
    def parse(cls, url: str) -> BrokerAddress:
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise ValueError("JSMS_MQTT_URL must look like mqtt://user:password@host:1883")
        options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        tls = parts.scheme == "mqtts"
        return cls(
            host=parts.hostname,
            port=parts.port or (8883 if tls else 1883),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            tls=tls,
            group=options.get("group", "jsms-ingest"),
            client_id=options.get("client_id", f"jsms-ingest-{socket.gethostname()}"),
        )


class MqttSubscriber:
    """Subscribes on its own thread and feeds the ingest pipeline."""

    def __init__(self, pipeline: Pipeline, url: str) -> None:
        self.pipeline = pipeline
        self.address = BrokerAddress.parse(url)
        self.connected = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._generation = 0  # acknowledgements of an earlier connection are not sent
        self._acks: deque[tuple[int, bytes]] = deque()  # (generation, PUBACKs) to send
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)

    def start(self) -> MqttSubscriber:
        self._thread = threading.Thread(target=self._run, name="jsms-mqtt", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._wake()
        if self._thread is not None:
            self._thread.join(10)
        self._wake_r.close()
        self._wake_w.close()

    # The connection ------------------------------------------------------------------------

    def _run(self) -> None:
        delay = 1.0
        while not self._stopping.is_set():
            connection: socket.socket | None = None
            try:
                connection = self._connect()
                delay = 1.0
                self._serve(connection)
            except (OSError, ProtocolError) as error:
                if not self._stopping.is_set():
                    log.warning("MQTT connection to %s lost: %s", self.address.host, error)
            except Exception:  # whatever it was, connect again rather than stop listening
                log.exception("the MQTT subscriber failed; connecting again")
            finally:
                self.connected.clear()
                self._generation += 1
                if connection is not None:
                    connection.close()
            self._stopping.wait(delay)
            delay = min(delay * 2, 30.0)

    def _connect(self) -> socket.socket:
        address = self.address
        connection = socket.create_connection((address.host, address.port), timeout=10)
        if address.tls:
            context = ssl.create_default_context()
            connection = context.wrap_socket(connection, server_hostname=address.host)
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connection.sendall(_connect_packet(address))
        kind, body = _read_packet(connection)
        if kind != 2 or len(body) < 2:
            raise ProtocolError(f"expected CONNACK, got packet type {kind}")
        if body[1] >= 0x80:
            log.error("the MQTT broker refused JSMS: reason code 0x%02x", body[1])
            raise ProtocolError(f"CONNACK reason 0x{body[1]:02x}")
        filters = [f"$share/{address.group}/{topic}" for topic in TOPICS]
        connection.sendall(_subscribe_packet(1, filters))  # its SUBACK comes in _serve
        connection.settimeout(None)
        return connection

    def _serve(self, connection: socket.socket) -> None:
        """Read, hand on, acknowledge, keep alive, until stopped or the connection drops."""
        generation = self._generation
        buffer = bytearray()
        last_sent = last_heard = time.monotonic()
        while True:
            # TLS may hold decrypted bytes that select() cannot see
            ready = isinstance(connection, ssl.SSLSocket) and connection.pending() > 0
            if not ready:
                readable, _, _ = select.select([connection, self._wake_r], [], [], KEEPALIVE_S / 4)
                ready = connection in readable
                if self._wake_r in readable:
                    self._drain_wake()
            sent = self._send_acks(connection, generation)
            if self._stopping.is_set():
                connection.sendall(DISCONNECT)
                return
            now = time.monotonic()
            if ready:
                data = connection.recv(READ_BYTES)
                if not data:
                    raise ConnectionError("the broker closed the connection")
                buffer += data
                last_heard = now
                self._handle(self._messages(buffer), generation)
            if sent:
                last_sent = now
            if now - last_sent >= KEEPALIVE_S / 2:
                connection.sendall(PINGREQ)
                last_sent = now
            if now - last_heard > KEEPALIVE_S * 1.5:
                raise ConnectionError("no answer from the broker within the keep-alive")

    def _messages(self, buffer: bytearray) -> list[Message]:
        """The whole packets at the front of `buffer` (taken out of it): its PUBLISHes."""
        messages: list[Message] = []
        position, end_of_data = 0, len(buffer)
        while position + 2 <= end_of_data:
            header = buffer[position]
            length, start = _remaining_length(buffer, position + 1)
            if start < 0:
                break  # the length itself is not all here yet
            end = start + length
            if length > MAX_PACKET:
                raise ProtocolError(f"a packet of {length} bytes")
            if end > end_of_data:
                break
            kind = header >> 4
            if kind == 3:
                messages.append(_publish(header, buffer, start, end))
            elif kind == 9:  # SUBACK (a kept session's messages may come before it)
                codes = _suback_codes(buffer[start:end])
                if any(code >= 0x80 for code in codes):
                    raise ProtocolError(f"the subscription was refused: {codes.hex()}")
                self.connected.set()
                where = (self.address.host, self.address.port)
                log.warning("subscribed to OwnTracks on %s:%d", *where)
            elif kind == 14:
                code = buffer[start] if length else 0
                raise ConnectionError(f"the broker disconnected JSMS (reason 0x{code:02x})")
            position = end  # PINGRESP: nothing to do
        del buffer[:position]
        return messages

    def _wake(self) -> None:
        # full (a wake-up is pending anyway) or closed (stopping): nothing to do
        with contextlib.suppress(OSError):
            self._wake_w.send(b"\0")

    def _drain_wake(self) -> None:
        with contextlib.suppress(OSError):
            while self._wake_r.recv(4096):
                pass

    def _send_acks(self, connection: socket.socket, generation: int) -> bool:
        packets = []
        while self._acks:
            of, acks = self._acks.popleft()
            if of == generation:
                packets.append(acks)
        if packets:
            connection.sendall(b"".join(packets))
        return bool(packets)

    # Messages ------------------------------------------------------------------------------

    def _handle(self, messages: list[Message], generation: int) -> None:
        """Check what one read brought and queue its fixes as one request; every message is
        acknowledged, in arrival order, once that request is committed (refusal counts
        included)."""
        if not messages:
            return
        items: list[tuple[Fix, KnownDevice]] = []
        limit = self.pipeline.limits.max_message_bytes
        for message in messages:
            try:
                if len(message.payload) > limit:
                    raise Rejected(Reason.TOO_LARGE, "message too large")
                result = parse_owntracks(message.payload, identifier_from_topic(message.topic))
                if not isinstance(result, Fix):  # a last will, or a type without a position
                    continue
                device = self.pipeline.admit(result, protocols=("owntracks",), key_checked=False)
            except Rejected as refused:
                self.pipeline.refuse(SOURCE, refused, message.payload[:200])
                continue
            except Exception:  # a message must never stop the subscriber: count it
                log.exception("an MQTT message on %s could not be read", message.topic[:80])
                unreadable = Rejected(Reason.MALFORMED, "the message could not be read")
                self.pipeline.refuse(SOURCE, unreadable, message.payload[:200])
                continue
            items.append((result, device))
        acks = b"".join(
            _PUBACK.pack(0x40, 2, message.mid) for message in messages if message.mid is not None
        )
        self._store(items, acks, generation)

    def _store(self, items: list[tuple[Fix, KnownDevice]], acks: bytes, generation: int) -> None:
        def settled(outcome: Receipt | BaseException) -> None:
            if isinstance(outcome, BaseException):
                timer = threading.Timer(RETRY_SECONDS, self._store, (items, acks, generation))
                timer.daemon = True
                timer.start()
                return
            if acks:
                self._acks.append((generation, acks))
                self._wake()

        self.pipeline.submit(items, settled)


# The packets -------------------------------------------------------------------------------

_PUBACK = struct.Struct(">BBH")


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        value, digit = divmod(value, 128)
        out.append(digit | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _text(value: str | bytes) -> bytes:
    data = value.encode() if isinstance(value, str) else value
    return struct.pack(">H", len(data)) + data


def _packet(first: int, body: bytes) -> bytes:
    return bytes([first]) + _varint(len(body)) + body


def _connect_packet(address: BrokerAddress) -> bytes:
    """CONNECT, MQTT v5, clean start off, with the session expiry and Receive Maximum."""
    flags = 0
    payload = _text(address.client_id)
    if address.username is not None:
        flags |= 0x80
        payload += _text(address.username)
    if address.password is not None:
        flags |= 0x40
        payload += _text(address.password)
    properties = struct.pack(">BIBH", 0x11, SESSION_EXPIRY_S, 0x21, RECEIVE_MAXIMUM)
    header = _text("MQTT") + struct.pack(">BBH", 5, flags, KEEPALIVE_S)
    return _packet(0x10, header + _varint(len(properties)) + properties + payload)


def _subscribe_packet(packet_id: int, filters: list[str]) -> bytes:
    body = struct.pack(">H", packet_id) + b"\0"  # no properties
    for topic in filters:
        body += _text(topic) + b"\x01"  # QoS 1
    return _packet(0x82, body)


def _suback_codes(body: bytes | bytearray) -> bytes:
    properties, start = _remaining_length(body, 2)
    return bytes(body[start + properties :])


def _remaining_length(data: bytes | bytearray, at: int) -> tuple[int, int]:
    """(the variable byte integer at `at`, where it ends); (0, -1) when it is cut short."""
    value, shift = 0, 0
    for index in range(at, min(at + 4, len(data))):
        byte = data[index]
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, index + 1
        shift += 7
    if len(data) >= at + 4:
        raise ProtocolError("a length of more than four bytes")
    return 0, -1


def _publish(header: int, data: bytearray, start: int, end: int) -> Message:
    qos = (header >> 1) & 3
    topic_end = start + 2 + ((data[start] << 8) | data[start + 1])
    try:
        topic = data[start + 2 : topic_end].decode()
    except UnicodeDecodeError:
        topic = ""  # refused as a bad topic, and acknowledged
    mid = None
    at = topic_end
    if qos:
        mid = (data[at] << 8) | data[at + 1]
        at += 2
    properties, at = _remaining_length(data, at)
    if at < 0 or at + properties > end:
        raise ProtocolError("a PUBLISH whose parts overrun it")
    return Message(topic, bytes(data[at + properties : end]), mid, bool(header & 0x08))


def _read_packet(connection: socket.socket) -> tuple[int, bytearray]:
    """One whole packet, read byte by byte for its header (only while connecting)."""
    first = _exactly(connection, 1)[0]
    length, shift = 0, 0
    for _ in range(4):
        byte = _exactly(connection, 1)[0]
        length |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            break
    else:
        raise ProtocolError("a length of more than four bytes")
    return first >> 4, _exactly(connection, length)


def _exactly(connection: socket.socket, count: int) -> bytearray:
    data = bytearray()
    while len(data) < count:
        chunk = connection.recv(count - len(data))
        if not chunk:
            raise ConnectionError("the broker closed the connection")
        data += chunk
    return data
