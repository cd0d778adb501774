"""An aiosmtpd server in a process of its own that keeps each message's Message-ID and arrival
time: a mail relay as production has one, on its own core, never sharing the sender's GIL.

    with SinkProcess() as sink:
        ...send to sink.url...
        arrivals = sink.take()   # [(message_id, time.time() at arrival), ...], then forgotten
"""

import multiprocessing
import socket
import time
from email.parser import BytesHeaderParser
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class _Handler:
    def __init__(self) -> None:
        self.arrivals: list[tuple[str, float]] = []
        self._headers = BytesHeaderParser()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        arrived = time.time()
        headers = self._headers.parsebytes(envelope.original_content)
        self.arrivals.append((str(headers["Message-ID"]).strip(), arrived))
        return "250 OK"


def _serve(port: int, control: Connection) -> None:
    from aiosmtpd.controller import Controller

    handler = _Handler()
    controller = Controller(handler, hostname=HOST, port=port)
    controller.start()
    control.send("ready")
    try:
        while True:
            asked = control.recv()
            if asked == "take":
                taken, handler.arrivals = handler.arrivals, []
                control.send(taken)
            elif asked == "stop":
                break
    finally:
        controller.stop()


class SinkProcess:
    """The server's process; `take` returns and forgets the arrivals so far."""

    def __init__(self) -> None:
        self.port = _free_port()
        context = multiprocessing.get_context("spawn")
        self._control, theirs = context.Pipe()
        self._process = context.Process(target=_serve, args=(self.port, theirs), daemon=True)

    @property
    def url(self) -> str:
        return f"smtp://{HOST}:{self.port}"

    def take(self) -> list[tuple[str, float]]:
        self._control.send("take")
        taken: list[tuple[str, float]] = self._control.recv()
        return taken

    def __enter__(self) -> "SinkProcess":
        self._process.start()
        if not self._control.poll(30) or self._control.recv() != "ready":
            raise RuntimeError("the SMTP sink did not start")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            self._control.send("stop")
        finally:
            self._process.join(10)
            if self._process.is_alive():
                self._process.kill()
