"""JSMS's MQTT v5 client, its packets without a broker: PUBLISHes cut anywhere by the
network are read whole and once, QoS 0 and 1, properties skipped; a broker's DISCONNECT or
an oversized packet ends the connection; CONNECT asks for the persistent session."""

from __future__ import annotations

import struct

import pytest

from jsms.tracking.mqtt import (
    RECEIVE_MAXIMUM,
    SESSION_EXPIRY_S,
    BrokerAddress,
    Message,
    MqttSubscriber,
    ProtocolError,
    _connect_packet,
    _packet,
    _publish,
    _remaining_length,
    _varint,
)


def publish(topic: str, payload: bytes, mid: int | None, properties: bytes = b"", dup=False):
    qos = 1 if mid is not None else 0
    body = struct.pack(">H", len(topic)) + topic.encode()
    if mid is not None:
        body += struct.pack(">H", mid)
    body += _varint(len(properties)) + properties + payload
    return _packet(0x30 | (qos << 1) | (0x08 if dup else 0), body)


def reader() -> MqttSubscriber:
    return MqttSubscriber.__new__(MqttSubscriber)  # _messages needs no pipeline nor socket


def test_varints_round_trip() -> None:
    for value in (0, 127, 128, 16_383, 16_384, 2_097_151, 268_435_455):
        encoded = _varint(value)
        assert _remaining_length(encoded, 0) == (value, len(encoded))
    assert _remaining_length(b"\x80", 0) == (0, -1)  # cut short: wait for more
    with pytest.raises(ProtocolError):
        _remaining_length(b"\xff\xff\xff\xff\x01", 0)


def test_publishes_cut_anywhere_are_read_whole_and_once() -> None:
    stream = (
        publish("owntracks/li/phone", b'{"_type":"location"}', 7)
        + publish("owntracks/li/phone/event", b"x" * 300, None, properties=b"\x01\x01")
        + b"\xd0\x00"  # PINGRESP
        + publish("owntracks/wang/phone", b"{}", 65_535, dup=True)
    )
    for cut in range(1, len(stream)):
        buffer, got = bytearray(), []
        for piece in (stream[:cut], stream[cut:]):
            buffer += piece
            got += reader()._messages(buffer)
        assert got == [
            Message("owntracks/li/phone", b'{"_type":"location"}', 7, False),
            Message("owntracks/li/phone/event", b"x" * 300, None, False),
            Message("owntracks/wang/phone", b"{}", 65_535, True),
        ]
        assert buffer == bytearray()


def test_a_broker_disconnect_or_a_huge_packet_ends_the_connection() -> None:
    with pytest.raises(ConnectionError):
        reader()._messages(bytearray(b"\xe0\x01\x8e"))  # DISCONNECT, session taken over
    with pytest.raises(ProtocolError):
        reader()._messages(bytearray(b"\x32" + _varint(5_000_000)))
    # a PUBLISH whose properties claim more than it holds
    broken = bytearray(b"\x32\x07\x00\x03a/b\x00\x01\x09")
    with pytest.raises(ProtocolError):
        _publish(broken[0], broken, 2, len(broken))


def test_connect_asks_for_the_kept_session_and_the_receive_maximum() -> None:
    address = BrokerAddress.parse("mqtt://ingest:secret@127.0.0.1:1883/?client_id=jsms-1")
    packet = _connect_packet(address)
    length, start = _remaining_length(packet, 1)
    body = packet[start:]
    assert packet[0] == 0x10 and len(body) == length
    assert body[:7] == b"\x00\x04MQTT\x05"
    flags = body[7]
    assert flags & 0x02 == 0  # clean start off: the broker keeps our queue
    assert flags & 0xC0 == 0xC0  # user name and password
    properties = struct.pack(">BIBH", 0x11, SESSION_EXPIRY_S, 0x21, RECEIVE_MAXIMUM)
    assert properties in body
    assert body.endswith(b"\x00\x06jsms-1\x00\x06ingest\x00\x06secret")
