"""A TCP proxy in front of the test database server that a test can stop and start again.

The service's engine connects through the proxy; :meth:`TcpProxy.stop` is the database stopping as
the service sees it: every open connection is cut (both ends) and new connections are refused until
:meth:`TcpProxy.start`. :meth:`TcpProxy.stop_when_sent` stops it at an exact point of a transaction:
the moment the client sends a statement containing some text (the statement is not forwarded).
"""

from __future__ import annotations

import socket
import threading

from sqlalchemy.engine import make_url


class TcpProxy:
    """A threaded TCP proxy on a free port of 127.0.0.1 forwarding to ``host``:``port``."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self.n_stops = 0
        self.is_up = False
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._trigger: bytes | None = None
        self._listener: socket.socket | None = None
        self.start()

    def url_for(self, url: str) -> str:
        """``url`` (a PostgreSQL URL) pointed at this proxy, without TLS so statements can be seen."""
        parsed = make_url(url).set(host="127.0.0.1", port=self.port)
        parsed = parsed.update_query_dict({"sslmode": "disable", "gssencmode": "disable"})
        return parsed.render_as_string(hide_password=False)

    def start(self) -> None:
        """Accept connections again (on the same port)."""
        with self._lock:
            if self.is_up:
                return
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(64)
            self.port = listener.getsockname()[1]
            self._listener = listener
            self.is_up = True
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        """Cut every open connection and refuse new ones, as a stopped database server would."""
        with self._lock:
            if not self.is_up:
                return
            self.is_up = False
            self.n_stops += 1
            self._trigger = None
            doomed = [self._listener, *self._sockets]
            self._sockets.clear()
            self._listener = None
        for sock in doomed:
            _close(sock)

    def stop_when_sent(self, text: bytes) -> None:
        """Stop at the moment a client sends ``text`` (which then never reaches the server)."""
        with self._lock:
            self._trigger = text

    def close(self) -> None:
        """Stop and free the port."""
        self.stop()

    def _accept(self, listener: socket.socket) -> None:
        listener.settimeout(0.05)  # closing a socket does not wake a thread blocked in accept()
        while True:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                if listener is self._listener:
                    continue
                return
            except OSError:
                return  # stopped
            client.settimeout(None)
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                if not self.is_up:
                    _close(client)
                    _close(upstream)
                    continue
                self._sockets.update((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, is_from_client: bool) -> None:
        tail = b""
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            if not data:
                _close(target)
                return
            trigger = self._trigger
            if is_from_client and trigger is not None:
                if trigger in tail + data:
                    self.stop()
                    return
                tail = (tail + data)[-len(trigger):]
            try:
                target.sendall(data)
            except OSError:
                _close(source)
                return


def _close(sock: socket.socket | None) -> None:
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
