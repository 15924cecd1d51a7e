"""A real SMTP server for the notifications tests (aiosmtpd, Debian's python3-aiosmtpd).

Usage: /usr/bin/python3 smtp_server.py PORT FOLDER [--tls CERT KEY] [--auth USER PASSWORD]

Every message it accepts is written to FOLDER as <n>.eml (the bytes as received) and
<n>.json: what Python's `email` package reads in it (decoded subject and addresses, the
content type of every part, the text of every text part, and what python3-icalendar reads
in a calendar part), so that a test checks the message as a mail client would see it. A recipient whose local part starts with `refuse` is
answered 550 (refused for good), one starting with `later` 451 (try again). With --tls the
server offers STARTTLS and takes mail only after it; with --auth it takes mail only after
AUTH with that user and password. It writes "ready" and a line end once it listens.
"""
import email
import email.policy
import json
import os
import ssl
import sys
import threading

import icalendar
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def read_calendar(text):
    """What a calendar client reads in an invitation (python3-icalendar); what went wrong
    when it cannot read it."""
    try:
        calendar = icalendar.Calendar.from_ical(text)
        event = next(iter(calendar.walk("VEVENT")))
        read = {"method": str(calendar.get("method", "")),
                "uid": str(event.get("uid", "")),
                "sequence": int(event.get("sequence", 0)),
                "status": str(event.get("status", "")),
                "summary": str(event.get("summary", "")),
                # The start as an aware time: its local time and offset in the event's zone.
                "start": event.decoded("dtstart").isoformat()}
        if "dtend" in event:
            read["end"] = event.decoded("dtend").isoformat()
        return read
    except Exception as error:  # a test then says what was wrong with it
        return {"error": repr(error)}


class Keeper:
    def __init__(self, folder):
        self.folder = folder
        # A restarted server numbers on after what the last one kept.
        self.count = len([f for f in os.listdir(folder) if f.endswith(".json")])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0]
        if local.startswith("refuse"):
            return "550 5.1.1 No such mailbox here"
        if local.startswith("later"):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        stem = os.path.join(self.folder, str(self.count))
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        parts = []
        for part in message.walk():
            entry = {"content_type": part.get_content_type(),
                     "params": dict(part.get_params() or [])}
            if part.get_filename():
                entry["filename"] = part.get_filename()
            if part.get_content_maintype() == "text":
                entry["text"] = part.get_content()
            if part.get_content_type() == "text/calendar":
                entry["ical"] = read_calendar(part.get_content())
            parts.append(entry)
        summary = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "subject": str(message["subject"]),
            "from": str(message["from"]),
            "to": str(message["to"]),
            "reply_to": str(message["reply-to"] or ""),
            "message_id": str(message["message-id"] or ""),
            "date": str(message["date"] or ""),
            "defects": [str(d) for d in message.defects],
            "parts": parts,
            "tls": session.ssl is not None,
            "authenticated": bool(session.authenticated),
        }
        with open(stem + ".eml", "wb") as out:
            out.write(raw)
        # Written last and renamed, so that a reader never sees half of it.
        with open(stem + ".json.tmp", "w", encoding="utf-8") as out:
            json.dump(summary, out, ensure_ascii=False)
        os.rename(stem + ".json.tmp", stem + ".json")
        return "250 Message accepted for delivery"


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    args = sys.argv[3:]
    options = {}
    if "--tls" in args:
        at = args.index("--tls")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args[at + 1], args[at + 2])
        options.update(tls_context=context, require_starttls=True)
    if "--auth" in args:
        at = args.index("--auth")
        user, password = args[at + 1].encode(), args[at + 2].encode()

        def authenticator(server, session, envelope, mechanism, data):
            ok = isinstance(data, LoginPassword) and data.login == user and data.password == password
            # handled=False: the server answers 535 itself.
            return AuthResult(success=ok, handled=False)

        options.update(authenticator=authenticator, auth_required=True,
                       auth_require_tls="--tls" in args)
    controller = Controller(Keeper(folder), hostname="127.0.0.1", port=port, **options)
    controller.start()
    os.write(1, b"ready\n")  # one write, so that the test reads it whole
    threading.Event().wait()  # until SIGTERM


if __name__ == "__main__":
    main()
