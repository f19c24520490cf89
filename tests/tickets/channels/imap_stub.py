"""A tiny IMAP4rev1 server for tests (LOGIN, SELECT, UID SEARCH/FETCH/STORE, LOGOUT), on 127.0.0.1.

It keeps the poll tests quick and free of system packages; test_imap_dovecot.py runs the poll
against a real server, a private Dovecot.
"""

import re
import socketserver
import threading


class Mailbox:
    def __init__(self, messages: list[bytes], password: str = "pw"):  # noqa: S107 - a test server
        self.messages = dict(enumerate(messages, start=1))
        self.seen: set[int] = set()
        self.password = password


class _Handler(socketserver.StreamRequestHandler):
    def handle(self):
        box: Mailbox = self.server.mailbox
        self.wfile.write(b"* OK IMAP4rev1 stub ready\r\n")
        while line := self.rfile.readline():
            tag, _, rest = line.decode().strip().partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            if command == "UID":
                command, _, args = args.partition(" ")
                command = "UID " + command.upper()
            reply = self._reply(box, command, args)
            if reply is None:
                self.wfile.write(f"* BYE\r\n{tag} OK LOGOUT done\r\n".encode())
                return
            ok, data = reply
            self.wfile.write(data + f"{tag} {'OK' if ok else 'NO'} done\r\n".encode())

    def _reply(self, box: Mailbox, command: str, args: str):
        if command == "CAPABILITY":
            return True, b"* CAPABILITY IMAP4rev1\r\n"
        if command == "LOGIN":
            return args.split()[-1].strip('"') == box.password, b""
        if command == "SELECT":
            return True, f"* {len(box.messages)} EXISTS\r\n".encode()
        if command == "UID SEARCH":
            uids = " ".join(str(u) for u in box.messages if u not in box.seen)
            return True, f"* SEARCH {uids}\r\n".encode()
        if command == "UID FETCH":
            uid = int(args.split()[0])
            raw = box.messages[uid]
            return True, f"* {uid} FETCH (UID {uid} BODY[] {{{len(raw)}}}\r\n".encode() + raw + b")\r\n"
        if command == "UID STORE":
            box.seen.add(int(re.match(r"\d+", args)[0]))
            return True, b""
        if command == "LOGOUT":
            return None
        return False, b""


class StubImapServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, mailbox: Mailbox):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mailbox = mailbox
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url_base(self) -> str:
        return f"imap://support:{self.mailbox.password}@127.0.0.1:{self.server_address[1]}"
