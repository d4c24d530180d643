"""What the production set-up talks to, faked in the test process: an SMTP server that keeps
the messages (Python 3.12 has no `smtpd`), and Brevo's SMS API that keeps the SMS."""

import email
import email.policy
import json
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SmtpSink(socketserver.ThreadingTCPServer):
    """A minimal SMTP server (RFC 5321's commands Django's backend uses, no TLS, no login):
    every message received is kept, parsed, in `messages`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _SmtpSession)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def to(self, address: str) -> list[email.message.EmailMessage]:
        with self.lock:
            return [message for message in self.messages if address in message["To"]]

    def close(self) -> None:
        self.shutdown()
        self.server_close()


class _SmtpSession(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 sink ESMTP")
        while line := self.rfile.readline():
            command = line.decode("ascii", "replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 sink")
            elif command.startswith("DATA"):
                self.reply("354 end with <CR><LF>.<CR><LF>")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data[1:] if data.startswith(b"..") else data)
                message = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
                with self.server.lock:
                    self.server.messages.append(message)
                self.reply("250 queued")
            elif command.startswith("QUIT"):
                self.reply("221 bye")
                return
            else:  # MAIL, RCPT, RSET, NOOP
                self.reply("250 ok")


API_KEY = "test-key"


class FakeBrevo(ThreadingHTTPServer):
    """Brevo's transactional SMS endpoint: keeps each request's JSON in `sms`. While `hold` is
    set, an SMS is recorded and its answer waits until `release` is set (a slow provider)."""

    daemon_threads = True

    def __init__(self):
        self.sms: list[dict] = []
        self.lock = threading.Lock()
        self.hold = threading.Event()
        self.release = threading.Event()
        super().__init__(("127.0.0.1", 0), _BrevoHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v3/transactionalSMS/send"

    def to(self, number: str) -> list[dict]:
        with self.lock:
            return [sms for sms in self.sms if sms["recipient"] == number]

    def env(self) -> dict[str, str]:
        """The settings that point the production set-up's Brevo backend here."""
        return {
            "ALLERVERS_SMS_BACKEND": "brevo",
            "ALLERVERS_SMS_BREVO_URL": self.url,
            "ALLERVERS_SMS_BREVO_API_KEY": API_KEY,
        }

    def close(self) -> None:
        self.release.set()
        self.shutdown()
        self.server_close()


class _BrevoHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.headers.get("api-key") != API_KEY:
            self.send_response(401)
            self.end_headers()
            return
        with self.server.lock:
            self.server.sms.append(body)
        if self.server.hold.is_set():
            self.server.release.wait(30)
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"messageId": 1}')

    def log_message(self, *args) -> None:  # quiet
        pass
