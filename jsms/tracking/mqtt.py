"""OwnTracks over MQTT: JSMS subscribes to the broker (Mosquitto) and stores what devices
publish on `owntracks/<user>/<device>` (locations, last wills) and its `/event` subtopic
(waypoint transitions).

The broker authenticates each device (its password file and ACL, written by `jsms devices
mosquitto-passwd`, let a device publish only to its own topic), so JSMS trusts the topic a
message arrived on and checks only that the device is registered, active and OwnTracks.

Delivery is at least once, end to end: MQTT v5, QoS 1, a persistent session (the broker
keeps messages while JSMS is down) and manual acknowledgement: a message's PUBACK is sent
only after its fix is committed (or it was refused and counted). A message whose commit
fails is retried in a second and stays unacknowledged meanwhile, so a crash before the
commit makes the broker deliver it again; the duplicate that may cause is dropped by the
(device, fix time) constraint. A shared subscription (`$share/<group>/...`) lets several
JSMS processes split the load.

JSMS_MQTT_URL: mqtt[s]://user:password@host:port/?group=jsms-ingest&client_id=...
"""

from __future__ import annotations

import logging
import socket
import threading
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from jsms.tracking.directory import KnownDevice
from jsms.tracking.fixes import Fix
from jsms.tracking.ingest import Pipeline, Receipt
from jsms.tracking.protocols import Reason, Rejected
from jsms.tracking.protocols.owntracks import identifier_from_topic, parse_owntracks

__all__ = ["BrokerAddress", "MqttSubscriber"]

log = logging.getLogger("jsms.mqtt")

SOURCE = "mqtt"
TOPICS = ("owntracks/+/+", "owntracks/+/+/event")
RECEIVE_MAXIMUM = 2_000  # messages the broker may send ahead of our acknowledgements
SESSION_EXPIRY_S = 7 * 24 * 3600  # the broker keeps our queue this long while we are away
RETRY_SECONDS = 1.0


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
    """Subscribes on its own thread (paho's loop) and feeds the ingest pipeline."""

    def __init__(self, pipeline: Pipeline, url: str) -> None:
        self.pipeline = pipeline
        self.address = BrokerAddress.parse(url)
        self.connected = threading.Event()
        self.client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.address.client_id,
            protocol=MQTTProtocolVersion.MQTTv5,
            manual_ack=True,
        )
        if self.address.username:
            self.client.username_pw_set(self.address.username, self.address.password)
        if self.address.tls:
            self.client.tls_set()
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(1, 30)

    def start(self) -> MqttSubscriber:
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = SESSION_EXPIRY_S
        properties.ReceiveMaximum = RECEIVE_MAXIMUM
        self.client.connect_async(
            self.address.host,
            self.address.port,
            keepalive=30,
            clean_start=False,
            properties=properties,
        )
        self.client.loop_start()
        return self

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def _on_connect(
        self, client: paho.Client, _u: object, _f: object, code: object, _p: object
    ) -> None:
        if getattr(code, "is_failure", False):
            log.error("the MQTT broker refused JSMS: %s", code)
            return
        options = SubscribeOptions(qos=1)
        client.subscribe([(f"$share/{self.address.group}/{t}", options) for t in TOPICS])
        self.connected.set()
        log.warning("subscribed to OwnTracks on %s:%d", self.address.host, self.address.port)

    def _on_disconnect(self, *_args: object) -> None:
        self.connected.clear()

    def _on_message(
        self, client: paho.Client, _userdata: object, message: paho.MQTTMessage
    ) -> None:
        try:
            if len(message.payload) > self.pipeline.limits.max_message_bytes:
                raise Rejected(Reason.TOO_LARGE, "message too large")
            payload = bytes(message.payload)
            result = parse_owntracks(payload, identifier_from_topic(message.topic))
            if not isinstance(result, Fix):  # a last will, or a type that carries no position
                client.ack(message.mid, message.qos)
                return
            device = self.pipeline.admit(result, protocols=("owntracks",), key_checked=False)
        except Rejected as refused:
            self.pipeline.refuse(SOURCE, refused, bytes(message.payload[:200]))
            client.ack(message.mid, message.qos)
            return
        self._store(message, [(result, device)])

    def _store(self, message: paho.MQTTMessage, items: list[tuple[Fix, KnownDevice]]) -> None:
        def settled(outcome: Receipt | BaseException) -> None:
            if isinstance(outcome, BaseException):
                timer = threading.Timer(RETRY_SECONDS, self._store, (message, items))
                timer.daemon = True
                timer.start()
                return
            self.client.ack(message.mid, message.qos)

        self.pipeline.submit(items, settled)
