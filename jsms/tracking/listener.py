"""The OsmAnd port (5055 by default): a small HTTP/1.1 server for Traccar Client and OsmAnd
trackers, as Traccar itself runs one beside its web server.

One asyncio protocol per connection, parsed by httptools (the parser uvicorn uses):
keep-alive and pipelining, answers strictly in request order, each answer sent only once
its fixes are committed. A client that pipelines far ahead is paused until answers catch
up. Anything that is not HTTP (or too big, or cut off) is refused, counted, and the
connection closed; the server keeps answering everyone else.

`run_server` is what `jsms serve` runs: uvicorn (the API and the control room), this listener
and the MQTT subscriber on one event loop, sharing one ingest pipeline.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from http import HTTPStatus
from typing import Any

import httptools

from jsms.tracking.ingest import Pipeline, Receipt, pipeline_for
from jsms.tracking.protocols import Reason, Rejected
from jsms.tracking.receive import DeviceRequest, Pending, Reply, prepare_osmand

__all__ = ["OsmAndConnection", "run_server", "start_listener"]

log = logging.getLogger("jsms.listener")

MAX_HEADER_BYTES = 16_384
MAX_PIPELINED = 512  # answers owed on one connection before it is paused
IDLE_SECONDS = 120.0
SOURCE = "osmand"


class _Slot:
    """One request's place in the connection's answer order."""

    __slots__ = ("keep_alive", "reply")

    def __init__(self, keep_alive: bool, reply: Reply | None = None) -> None:
        self.keep_alive = keep_alive
        self.reply = reply


def render(reply: Reply, keep_alive: bool) -> bytes:
    phrase = HTTPStatus(reply.status).phrase
    head = [f"HTTP/1.1 {reply.status} {phrase}", f"Content-Length: {len(reply.body)}"]
    if reply.body:
        head.append(f"Content-Type: {reply.content_type}")
    if reply.challenge:
        head.append('WWW-Authenticate: Basic realm="jsms devices"')
    if reply.status == 405:
        head.append("Allow: GET, POST")
    if not keep_alive:
        head.append("Connection: close")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + reply.body


OK_KEEP_ALIVE = render(Reply(200), True)


class OsmAndConnection(asyncio.Protocol):
    """One client connection: requests in, answers out in the same order."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.limit = pipeline.limits.max_message_bytes
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.slots: deque[_Slot] = deque()
        self.paused = False
        self.stopped_reading = False  # after a refusal that ends the connection
        self.closed = False
        self.in_message = False
        self.url = b""
        self.headers: dict[str, str] = {}
        self.header_bytes = 0
        self.body: list[bytes] = []
        self.body_bytes = 0
        self.idle: asyncio.TimerHandle | None = None

    # asyncio.Protocol ------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._arm_idle()

    def data_received(self, data: bytes) -> None:
        if self.stopped_reading:
            return
        self._arm_idle()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._refuse_and_close(Rejected(Reason.BAD_HTTP, "no protocol upgrades here"), data)
        except httptools.HttpParserError as error:
            cause = error.__context__
            if isinstance(cause, Rejected):
                self._refuse_and_close(cause, self.url)
            elif cause is not None:
                log.error("the OsmAnd listener failed on a request", exc_info=cause)
                self._close_with(Reply(500, b"the server failed; the error is logged"))
            else:
                self._refuse_and_close(Rejected(Reason.BAD_HTTP, "that was not HTTP/1.1"), data)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.in_message:
            self.pipeline.refuse(
                SOURCE, Rejected(Reason.TRUNCATED, "cut off mid-request"), self.url
            )
        self.closed = self.stopped_reading = True
        self.slots.clear()
        if self.idle is not None:
            self.idle.cancel()

    # httptools callbacks ---------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self.in_message = True
        self.url = b""
        self.headers = {}
        self.header_bytes = 0
        self.body = []
        self.body_bytes = 0

    def on_url(self, url: bytes) -> None:
        self.url += url
        self._count_header(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_header(len(name) + len(value))
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        length = self.headers.get("content-length", "0")
        if length.isdigit() and int(length) > self.limit:
            raise Rejected(Reason.TOO_LARGE, f"a device message is at most {self.limit} bytes")

    def on_body(self, body: bytes) -> None:
        self.body_bytes += len(body)
        if self.body_bytes > self.limit:
            raise Rejected(Reason.TOO_LARGE, f"a device message is at most {self.limit} bytes")
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.in_message = False
        parsed = httptools.parse_url(self.url) if self.url else None
        query = parsed.query.decode("latin-1") if parsed and parsed.query else ""
        request = DeviceRequest(
            method=self.parser.get_method().decode("latin-1"),
            query=query,
            headers=self.headers,
            body=b"".join(self.body),
        )
        slot = _Slot(self.parser.should_keep_alive())
        prepared = prepare_osmand(self.pipeline, request)
        if isinstance(prepared, Reply):
            slot.reply = prepared
        elif not prepared.items:
            slot.reply = prepared.reply(Receipt(0, 0))
        else:
            future = self.pipeline.store_async(prepared.items)
            future.add_done_callback(lambda done: self._settle(slot, prepared, done))
        self.slots.append(slot)
        if slot.reply is not None:
            self._flush()
        if len(self.slots) >= MAX_PIPELINED and self.transport and not self.paused:
            self.paused = True
            self.transport.pause_reading()

    # Answers ---------------------------------------------------------------------------------

    def _settle(self, slot: _Slot, prepared: Pending, done: asyncio.Future[Receipt]) -> None:
        error = done.exception()
        slot.reply = prepared.failed() if error is not None else prepared.reply(done.result())
        self._flush()

    def _flush(self) -> None:
        if self.transport is None or self.closed:
            return
        out: list[bytes] = []
        while self.slots and self.slots[0].reply is not None:
            slot = self.slots.popleft()
            assert slot.reply is not None
            if slot.keep_alive and slot.reply.status == 200 and not slot.reply.body:
                out.append(OK_KEEP_ALIVE)
            else:
                out.append(render(slot.reply, slot.keep_alive))
            if not slot.keep_alive:
                self.closed = self.stopped_reading = True
                self.slots.clear()
                self.transport.write(b"".join(out))
                self.transport.close()
                return
        if out:
            self.transport.write(b"".join(out))
        if self.paused and not self.stopped_reading and len(self.slots) < MAX_PIPELINED // 2:
            self.paused = False
            self.transport.resume_reading()

    def _refuse_and_close(self, refused: Rejected, sample: bytes) -> None:
        """A request that cannot be read: counted, answered after the ones before it, and
        the connection closed (what follows it in the stream cannot be trusted)."""
        self.pipeline.refuse(SOURCE, refused, sample[:200])
        self._close_with(Reply.refusal(refused))

    def _close_with(self, reply: Reply) -> None:
        self.in_message = False
        self.stopped_reading = True
        self.slots.append(_Slot(False, reply))
        if self.transport is not None and not self.paused:
            self.paused = True
            self.transport.pause_reading()
        self._flush()

    def _count_header(self, size: int) -> None:
        self.header_bytes += size
        if self.header_bytes > MAX_HEADER_BYTES:
            raise Rejected(Reason.TOO_LARGE, "the request line and headers are too long")

    def _arm_idle(self) -> None:
        if self.idle is not None:
            self.idle.cancel()
        loop = asyncio.get_running_loop()
        self.idle = loop.call_later(IDLE_SECONDS, self._close_idle)

    def _close_idle(self) -> None:
        if self.transport is not None and not self.slots:
            self.transport.close()
        else:
            self._arm_idle()


async def start_listener(pipeline: Pipeline, host: str, port: int) -> asyncio.Server:
    """Listen for OsmAnd on host:port, on the running loop."""
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: OsmAndConnection(pipeline), host, port, reuse_address=True, backlog=1024
    )


def run_server(app: Any, host: str, port: int) -> None:
    """uvicorn, the OsmAnd listener (JSMS_OSMAND_PORT, 0 = off) and the MQTT subscriber
    (JSMS_MQTT_URL, empty = off) on one loop; on shutdown, what is queued is stored."""
    import uvicorn

    from jsms.config import get_settings
    from jsms.tracking.mqtt import MqttSubscriber

    settings = get_settings()
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="info"))

    async def main() -> None:
        pipeline = pipeline_for(app)
        listener = None
        if settings.osmand_port:
            listener = await start_listener(pipeline, host, settings.osmand_port)
            log.warning("OsmAnd (Traccar Client) listening on %s:%d", host, settings.osmand_port)
        subscriber = MqttSubscriber(pipeline, settings.mqtt_url) if settings.mqtt_url else None
        if subscriber is not None:
            subscriber.start()
        try:
            await server.serve()
        finally:
            if listener is not None:
                listener.close()
            if subscriber is not None:
                subscriber.stop()
            await asyncio.to_thread(pipeline.close)

    asyncio.run(main())
