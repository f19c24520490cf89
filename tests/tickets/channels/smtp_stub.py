"""A tiny SMTP server on 127.0.0.1 that keeps every message it receives (for integration tests)."""

import socketserver
import threading


class _Handler(socketserver.StreamRequestHandler):
    def handle(self):
        self._send("220 stub ESMTP ready")
        while line := self.rfile.readline():
            verb = line.decode(errors="replace").strip().split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                self._send("250 stub")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                self._send("250 OK")
            elif verb == "DATA":
                self._send("354 End data with <CR><LF>.<CR><LF>")
                self.server.messages.append(self._data())
                self._send("250 OK queued")
            elif verb == "QUIT":
                self._send("221 Bye")
                return
            else:
                self._send("502 Not implemented")

    def _data(self) -> bytes:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        return b"".join(lines)

    def _send(self, text: str) -> None:
        self.wfile.write(f"{text}\r\n".encode())


class StubSmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.messages: list[bytes] = []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def email_url(self) -> str:
        return f"smtp://127.0.0.1:{self.server_address[1]}"
