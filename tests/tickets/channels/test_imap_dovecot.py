"""The IMAP poll task against a real IMAP server: a private Dovecot (Debian's dovecot-imapd).

Each test starts its own `dovecot -F` on a free 127.0.0.1 port, configured by a file in the test's
temporary directory (a passwd-file user with a plain password, Maildir storage, no TLS), delivers
corpus messages the way mail arrives (into the user's Maildir `new/`), polls, and stops the server.
Without the `dovecot` binary the tests skip (apt-get install dovecot-imapd); with
REQUIRE_SERVICES=1 they fail. The system's dovecot service, if any, is never used.
"""

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import require_service
from tests.integration.conftest import free_port, stop_process
from tickets.models import RawEmail, Ticket
from tickets.tasks import imap_poll

from .conftest import corpus_bytes

DOVECOT = os.environ.get("DOVECOT_PATH") or shutil.which("dovecot") or "/usr/sbin/dovecot"
USER = "support"
PASSWORD = "dovecot-pw"
MESSAGES = ("plain.eml", "attachment.eml", "html_only.eml")


def dovecot_available() -> tuple[bool, str]:
    if not Path(DOVECOT).exists():
        return False, f"{DOVECOT} is not installed (apt-get install dovecot-imapd)"
    version = subprocess.run([DOVECOT, "--version"], capture_output=True, text=True, timeout=30).stdout
    if not version.startswith("2.3."):
        # 2.4 changed the configuration language (dovecot_config_version, mail_driver, named passdbs).
        return False, f"this test writes a Dovecot 2.3 configuration, and {DOVECOT} is {version.strip()!r}"
    if os.geteuid() == 0:
        for user in ("nobody", "dovenull"):
            try:
                pwd.getpwnam(user)
            except KeyError:
                return False, f"running as root, the private server needs the `{user}` user"
    return True, ""


class PrivateDovecot:
    """Dovecot of the test's own: configuration, sockets, state and log in `directory`."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.config = directory / "dovecot.conf"
        self.log = directory / "dovecot.log"
        self.process: subprocess.Popen | None = None
        directory.mkdir(parents=True)
        if os.geteuid() == 0:
            # Dovecot never opens mail as root; its mail user (`nobody`) cannot enter pytest's
            # tmp_path (mode 0700), so the Maildir lives in a directory of its own under /tmp.
            self.mail_user = pwd.getpwnam("nobody")
            self.mail_root = Path(tempfile.mkdtemp(prefix="helpdesk-imap-"))
            os.chown(self.mail_root, self.mail_user.pw_uid, self.mail_user.pw_gid)
            internal, login = pwd.getpwnam("root"), "dovenull"
        else:  # Dovecot's rootless setup: every process runs as this user
            self.mail_user = internal = pwd.getpwuid(os.geteuid())
            self.mail_root = directory / "mail"
            self.mail_root.mkdir()
            login = internal.pw_name
        self.maildir = self.mail_root / USER
        for sub in ("", "cur", "new", "tmp"):
            (self.maildir / sub).mkdir(mode=0o700, exist_ok=True)
            os.chown(self.maildir / sub, self.mail_user.pw_uid, self.mail_user.pw_gid)
        # Sockets live in base_dir, and a Unix socket's path has at most 107 bytes: pytest's
        # tmp_path under xdist (…/popen-gw0/test_…/) is too deep for Dovecot's longest names.
        self.run_dir = Path(tempfile.mkdtemp(prefix="hd-dc-"))
        self.run_dir.chmod(0o755)
        (directory / "state").mkdir()
        users = directory / "users"
        uid, gid = self.mail_user.pw_uid, self.mail_user.pw_gid
        users.write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{self.maildir}\n")
        users.chmod(0o600)
        chroot = "" if os.geteuid() == 0 else "  chroot =\n"
        self.config.write_text(
            f"""\
protocols = imap
listen = 127.0.0.1
instance_name = helpdesk-imap-{self.port}
base_dir = {self.run_dir}
state_dir = {directory}/state
log_path = {self.log}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = {internal.pw_name}
default_internal_group = {grp.getgrgid(internal.pw_gid).gr_name}
default_login_user = {login}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{self.mail_root}/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {users}
}}
userdb {{
  driver = passwd-file
  args = {users}
}}
service anvil {{
{chroot}}}
service imap-login {{
{chroot}  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""
        )

    def url(self, password: str = PASSWORD) -> str:
        return f"imap://{USER}:{password}@127.0.0.1:{self.port}/INBOX"

    def start(self) -> None:
        output = (self.directory / "dovecot.out").open("wb")
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.config)],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        output.close()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    if s.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"dovecot did not start:\n{self.output()}")

    def output(self) -> str:
        files = (self.directory / "dovecot.out", self.log)
        return "\n".join(f.read_text(errors="replace")[-2000:] for f in files if f.exists())

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)  # the master stops its auth, login and imap processes
            self.process = None
        if self.mail_root != self.directory / "mail":
            shutil.rmtree(self.mail_root, ignore_errors=True)
        shutil.rmtree(self.run_dir, ignore_errors=True)

    def deliver(self, raw: bytes) -> None:
        """As a delivery agent does: write into tmp/, then rename into new/."""
        name = f"{int(time.time())}.{uuid.uuid4().hex}.helpdesk-test"
        path = self.maildir / "tmp" / name
        path.write_bytes(raw)
        path.chmod(0o600)
        os.chown(path, self.mail_user.pw_uid, self.mail_user.pw_gid)
        path.rename(self.maildir / "new" / name)

    def search(self, criterion: str) -> list[bytes]:
        """UIDs matching `criterion` in INBOX, asked with the standard library (read-only)."""
        with imaplib.IMAP4("127.0.0.1", self.port, timeout=10) as client:
            client.login(USER, PASSWORD)
            client.select("INBOX", readonly=True)
            _, data = client.uid("SEARCH", None, criterion)
            return (data[0] or b"").split()


@pytest.fixture
def dovecot(tmp_path):
    available, why = dovecot_available()
    require_service("dovecot", available, why)
    server = PrivateDovecot(tmp_path / "dovecot")
    try:
        server.start()
        yield server
    finally:
        server.stop()


def test_imap_poll_ingests_a_dovecot_mailbox_once_and_marks_it_seen(ingest, settings, dovecot):
    for name in MESSAGES:
        dovecot.deliver(corpus_bytes(name))
    assert len(dovecot.search("UNSEEN")) == len(MESSAGES)
    settings.IMAP_URL = dovecot.url()

    assert imap_poll() == len(MESSAGES)
    assert Ticket.objects.count() == len(MESSAGES)
    assert list(RawEmail.objects.values_list("source", flat=True)) == [RawEmail.Source.IMAP] * len(MESSAGES)
    assert set(Ticket.objects.values_list("subject", flat=True)) == {
        "Printer does not print",
        "Invoice attached",
        "HTML only",
    }
    assert dovecot.search("UNSEEN") == []
    assert len(dovecot.search("SEEN")) == len(MESSAGES)

    assert imap_poll() == 0
    assert RawEmail.objects.count() == Ticket.objects.count() == len(MESSAGES)


def test_imap_poll_with_a_wrong_password_logs_and_ingests_nothing(ingest, settings, dovecot, caplog):
    dovecot.deliver(corpus_bytes("plain.eml"))
    settings.IMAP_URL = dovecot.url(password="wrong")

    assert imap_poll() == 0
    assert "IMAP poll of 127.0.0.1 failed" in caplog.text
    assert "AUTHENTICATIONFAILED" in caplog.text
    assert not RawEmail.objects.exists()
    # The mailbox was never opened: the message still waits in new/, unread.
    assert len(list((dovecot.maildir / "new").iterdir())) == 1
