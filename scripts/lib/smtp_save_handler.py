"""aiosmtpd handler for MailMesh tests: keeps every message it accepts.

Each message is written as a Maildir message (DIR/tmp -> DIR/new, so a reader never sees a
partial file) and its SMTP envelope as JSON in DIR/envelopes/<same name>.json, written before
the message appears in DIR/new.

usage (scripts/test-servers.sh starts it):
  PYTHONPATH=scripts/lib /usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:PORT \
      -c smtp_save_handler.SaveHandler DIR
"""
import itertools
import json
import os
import socket
import time


class SaveHandler:
    def __init__(self, directory):
        self.directory = os.path.abspath(directory)
        for sub in ("tmp", "new", "cur", "envelopes"):
            os.makedirs(os.path.join(self.directory, sub), exist_ok=True)
        self.counter = itertools.count(1)
        self.host = socket.gethostname().replace("/", "_").replace(":", "_")

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("SaveHandler needs exactly one argument: the directory to save messages in")
        return cls(args[0])

    def extra_meta(self, envelope):
        """More fields for the envelope JSON (subclasses)."""
        return {}

    async def handle_DATA(self, server, session, envelope):
        now = time.time()
        name = f"{int(now)}.M{int((now % 1) * 1_000_000)}P{os.getpid()}Q{next(self.counter)}.{self.host}"
        content = envelope.original_content if envelope.original_content is not None else envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "mail_options": list(envelope.mail_options),
            "helo": session.host_name,
            "peer": list(session.peer) if isinstance(session.peer, tuple) else str(session.peer),
            "received_unix": now,
            "size": len(content),
        }
        meta.update(self.extra_meta(envelope))
        env_tmp = os.path.join(self.directory, "tmp", name + ".json")
        with open(env_tmp, "w", encoding="utf-8") as f:
            json.dump(meta, f)
        os.replace(env_tmp, os.path.join(self.directory, "envelopes", name + ".json"))
        msg_tmp = os.path.join(self.directory, "tmp", name)
        with open(msg_tmp, "wb") as f:
            f.write(content)
        os.replace(msg_tmp, os.path.join(self.directory, "new", name))
        return f"250 OK saved as {name}"
