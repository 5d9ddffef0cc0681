"""The devices' connections: Traccar Client's HTTP requests to the OsmAnd port, and an
OwnTracks phone's MQTT connection to the broker (each phone with its own client and
credentials, as the app has) or, without a broker, its HTTP mode."""

from __future__ import annotations

import base64
import http.client
import socket
import threading
import time
from collections.abc import Callable
from typing import Protocol
from urllib.parse import urlsplit

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from jsms.simulator.wire import Report, osmand_query, owntracks_location, owntracks_topic
from jsms.tracking.mqtt import BrokerAddress

__all__ = ["OsmAndHttp", "OwnTracksHttp", "OwnTracksMqtt", "Sender", "choose_owntracks"]

TIMEOUT_S = 5.0


class Sender(Protocol):
    name: str

    def send(self, report: Report, key: str) -> bool:
        """Send one fix; True when the server (or broker) took it."""

    def close(self) -> None: ...


class Http:
    """One keep-alive HTTP connection, reopened after an error."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url}")
        self.https = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.https else 80)
        self.path = parts.path.rstrip("/")
        self.connection: http.client.HTTPConnection | None = None
        self.lock = threading.Lock()

    def request(self, method: str, target: str, body: bytes, headers: dict[str, str]) -> int:
        with self.lock:
            for attempt in (1, 2):
                if self.connection is None:
                    kind = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
                    self.connection = kind(self.host, self.port, timeout=TIMEOUT_S)
                try:
                    self.connection.request(method, self.path + target, body, headers)
                    response = self.connection.getresponse()
                    response.read()
                    return response.status
                except (OSError, http.client.HTTPException):
                    self.connection.close()
                    self.connection = None
                    if attempt == 2:
                        return 0
            return 0

    def close(self) -> None:
        with self.lock:
            if self.connection is not None:
                self.connection.close()
                self.connection = None


class OsmAndHttp:
    """Traccar Client: a POST with the fix in the query string, as the Android app sends it."""

    name = "OsmAnd over HTTP"

    def __init__(self, url: str) -> None:
        self.http = Http(url)

    def send(self, report: Report, key: str) -> bool:
        target = ("?" if self.http.path else "/?") + osmand_query(report, key)
        status = self.http.request("POST", target, b"", {})
        return status == 200

    def close(self) -> None:
        self.http.close()


class OwnTracksHttp:
    """OwnTracks' HTTP mode: POST the JSON with Basic authentication and X-Limit-U/-D."""

    name = "OwnTracks over HTTP"

    def __init__(self, server_url: str) -> None:
        self.http = Http(server_url.rstrip("/") + "/api/v1/tracking/owntracks")

    def send(self, report: Report, key: str) -> bool:
        user, _, device = report.identifier.partition("/")
        secret = base64.b64encode(f"{user}:{key}".encode()).decode()
        headers = {
            "Authorization": f"Basic {secret}",
            "Content-Type": "application/json",
            "X-Limit-U": user,
            "X-Limit-D": device,
        }
        return self.http.request("POST", "", owntracks_location(report), headers) == 200

    def close(self) -> None:
        self.http.close()


class OwnTracksMqtt:
    """Each phone its own MQTT v5 client (client id and credentials of its own), publishing
    to its topic with QoS 1; the broker keeps the message for JSMS's persistent session."""

    name = "OwnTracks over MQTT"

    def __init__(self, address: BrokerAddress) -> None:
        self.address = address
        self.clients: dict[str, paho.Client] = {}
        self.lock = threading.Lock()

    def _client(self, identifier: str, key: str) -> paho.Client:
        with self.lock:
            client = self.clients.get(identifier)
            if client is None:
                client = paho.Client(
                    CallbackAPIVersion.VERSION2,
                    client_id=f"sim-{identifier.replace('/', '-')}"[:64],
                    protocol=MQTTProtocolVersion.MQTTv5,
                )
                client.username_pw_set(identifier, key)
                if self.address.tls:
                    client.tls_set()
                client.connect(self.address.host, self.address.port, keepalive=60)
                client.loop_start()
                deadline = time.monotonic() + TIMEOUT_S
                while not client.is_connected() and time.monotonic() < deadline:
                    time.sleep(0.02)
                if not client.is_connected():  # refused: a wrong key, or no such device
                    client.disconnect()
                    client.loop_stop()
                    raise OSError(f"the broker refused {identifier}")
                self.clients[identifier] = client
            return client

    def send(self, report: Report, key: str) -> bool:
        try:
            client = self._client(report.identifier, key)
        except OSError:
            return False
        topic = owntracks_topic(report.identifier)
        info = client.publish(topic, owntracks_location(report), qos=1)
        return info.rc == paho.MQTT_ERR_SUCCESS

    def close(self) -> None:
        with self.lock:
            for client in self.clients.values():
                client.disconnect()
                client.loop_stop()
            self.clients.clear()


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def choose_owntracks(
    mqtt_url: str | None, server_url: str, say: Callable[[str], None]
) -> OwnTracksMqtt | OwnTracksHttp:
    """MQTT when JSMS takes OwnTracks from a broker that answers; else HTTP, saying why."""
    if not mqtt_url:
        say(
            "JSMS takes no MQTT here (JSMS_MQTT_URL is not set): the phones use OwnTracks over HTTP"
        )
        return OwnTracksHttp(server_url)
    address = BrokerAddress.parse(mqtt_url)
    if not _answers(address.host, address.port):
        say(
            f"no MQTT broker answers at {address.host}:{address.port}: "
            "the phones use OwnTracks over HTTP instead"
        )
        return OwnTracksHttp(server_url)
    say(f"the phones publish OwnTracks over MQTT to {address.host}:{address.port}")
    return OwnTracksMqtt(address)
