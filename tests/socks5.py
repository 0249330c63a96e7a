"""A minimal SOCKS5 proxy (RFC 1928: no authentication, CONNECT only) on 127.0.0.1."""

from __future__ import annotations

import select
import socket
import struct
import threading


class Socks5Server:
    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections: list[tuple[str, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> "Socks5Server":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        with client:
            _version, count = client.recv(2)
            client.recv(count)
            client.sendall(b"\x05\x00")  # no authentication
            _ver, _cmd, _rsv, kind = client.recv(4)
            if kind == 1:
                host = socket.inet_ntoa(client.recv(4))
            elif kind == 3:
                host = client.recv(client.recv(1)[0]).decode()
            else:
                return
            port = struct.unpack("!H", client.recv(2))[0]
            self.connections.append((host, port))
            with socket.create_connection((host, port)) as upstream:
                client.sendall(
                    b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + struct.pack("!H", 0)
                )
                _relay(client, upstream)


def _relay(a: socket.socket, b: socket.socket) -> None:
    while True:
        ready, _, _ = select.select([a, b], [], [], 5)
        if not ready:
            return
        for sock in ready:
            data = sock.recv(65536)
            if not data:
                return
            (b if sock is a else a).sendall(data)
