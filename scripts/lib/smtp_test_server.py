"""The MailMesh test SMTP server: aiosmtpd with the SaveHandler, plus what a relay test needs.

Extensions on top of aiosmtpd (which offers SIZE, 8BITMIME and SMTPUTF8 itself):
  PIPELINING            aiosmtpd reads commands line by line, so pipelined groups already work; it is announced.
  DSN                   RET/ENVID on MAIL and NOTIFY/ORCPT on RCPT are accepted and recorded as sent
                        (envelope JSON: mail_params_raw, rcpt_params_raw).
  ENHANCEDSTATUSCODES   the test replies below carry RFC 3463 codes.
  CHUNKING              BDAT (RFC 3030), only on the second port (--chunking-port), so clients using the main port
                        keep using DATA.
  STARTTLS / SMTPS      on --starttls-port and --smtps-port with --tls-cert/--tls-key (the script makes a test CA).

Address patterns (local part prefix, case-insensitive), so that a real server answers what a test needs:
  RCPT TO:<defer-...@...>        450 4.2.1 (temporary: the recipient is deferred)
  RCPT TO:<reject-...@...>       550 5.1.1 (permanent: the recipient fails)
  RCPT TO:<drop-...@...>         the server closes the connection instead of answering
  RCPT TO:<stall-...@...>        the server never answers (until the client leaves or the 300 s idle limit)
  RCPT TO:<data-defer-...@...>   accepted; the message then gets 451 4.3.0 after its data
  RCPT TO:<data-reject-...@...>  accepted; the message then gets 554 5.6.0 after its data
  RCPT TO:<data-drop-...@...>    accepted; the connection is closed after the data, without a reply
  RCPT TO:<data-stall-...@...>   accepted; no reply after the data
  MAIL FROM:<defer-...@...>      451 4.3.2;  MAIL FROM:<reject-...@...>  553 5.7.1
Refused messages are not saved.

usage (scripts/test-servers.sh starts it):
  PYTHONPATH=scripts/lib /usr/bin/python3 -m smtp_test_server --listen 127.0.0.1:PORT \
      [--chunking-port PORT2] [--chunking-size BYTES] [--starttls-port P3 --smtps-port P4 --tls-cert C --tls-key K] DIR
"""
import argparse
import asyncio
import signal
import ssl

from aiosmtpd.smtp import SMTP

from smtp_save_handler import SaveHandler

DSN_PARAMS = ("RET", "ENVID", "NOTIFY", "ORCPT")


def _local_part(address):
    return address.rpartition("@")[0].lower() if "@" in address else address.lower()


class PatternHandler(SaveHandler):
    """SaveHandler plus the address patterns and the DSN/BDAT bookkeeping described in the module docstring."""

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        extra = ["250-PIPELINING", "250-DSN", "250-ENHANCEDSTATUSCODES"]
        if getattr(server, "chunking", False):
            extra.append("250-CHUNKING")
        return responses[:-1] + extra + responses[-1:]

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        local = _local_part(address)
        if local.startswith("defer-"):
            return f"451 4.3.2 <{address}>: sender temporarily refused (test pattern defer-*)"
        if local.startswith("reject-"):
            return f"553 5.7.1 <{address}>: sender refused (test pattern reject-*)"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        envelope.mail_params_raw = getattr(server, "last_params_raw", "")
        envelope.rcpt_params_raw = {}
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = _local_part(address)
        if local.startswith("defer-"):
            return f"450 4.2.1 <{address}>: mailbox temporarily unavailable (test pattern defer-*)"
        if local.startswith("reject-"):
            return f"550 5.1.1 <{address}>: no such user (test pattern reject-*)"
        if local.startswith("drop-"):
            server.transport.close()
            await asyncio.Event().wait()  # cancelled when the connection is gone
        if local.startswith("stall-"):
            await asyncio.Event().wait()
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        envelope.rcpt_params_raw[address] = getattr(server, "last_params_raw", "")
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        envelope.tls = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        locals_ = [_local_part(r) for r in envelope.rcpt_tos]
        if any(l.startswith("data-drop-") for l in locals_):
            server.transport.close()
            await asyncio.Event().wait()
        if any(l.startswith("data-stall-") for l in locals_):
            await asyncio.Event().wait()
        if any(l.startswith("data-defer-") for l in locals_):
            return "451 4.3.0 message deferred after its data (test pattern data-defer-*)"
        if any(l.startswith("data-reject-") for l in locals_):
            return "554 5.6.0 message refused after its data (test pattern data-reject-*)"
        return await super().handle_DATA(server, session, envelope)

    def extra_meta(self, envelope):
        return {
            "mail_params_raw": getattr(envelope, "mail_params_raw", ""),
            "rcpt_params_raw": getattr(envelope, "rcpt_params_raw", {}),
            "transfer": getattr(envelope, "transfer", "DATA"),
            "smtp_utf8": bool(getattr(envelope, "smtp_utf8", False)),
            "tls": bool(getattr(envelope, "tls", False)),
        }


class MeshSMTP(SMTP):
    """aiosmtpd's SMTP with DSN parameters accepted and, when chunking is on, BDAT."""

    def __init__(self, handler, *, chunking=False, **kwargs):
        super().__init__(handler, **kwargs)
        self.chunking = chunking
        self.last_params_raw = ""

    def _getparams(self, params):
        result = super()._getparams(params)
        if result is not None:
            for name in DSN_PARAMS:
                result.pop(name, None)
        return result

    async def smtp_MAIL(self, arg):
        self.last_params_raw = _params_part(arg)
        await super().smtp_MAIL(arg)

    async def smtp_RCPT(self, arg):
        self.last_params_raw = _params_part(arg)
        await super().smtp_RCPT(arg)

    async def smtp_BDAT(self, arg):
        if not self.chunking:
            await self.push("502 5.5.1 BDAT is not offered on this port")
            return
        parts = (arg or "").split()
        if not parts or not parts[0].isdigit() or len(parts) > 2 or (len(parts) == 2 and parts[1].upper() != "LAST"):
            # The size is unknown, so the chunk cannot be skipped: the session cannot continue.
            await self.push("501 5.5.4 Syntax: BDAT <size> [LAST]; closing")
            self.transport.close()
            return
        size, last = int(parts[0]), len(parts) == 2
        chunk = await self._reader.readexactly(size)
        if not self.envelope.mail_from:
            await self.push("503 5.5.1 Error: need MAIL command")
            return
        if not self.envelope.rcpt_tos:
            await self.push("554 5.5.1 Error: no valid recipients")
            return
        buffer = getattr(self.envelope, "bdat_buffer", None)
        if buffer is None:
            buffer = self.envelope.bdat_buffer = bytearray()
        buffer.extend(chunk)
        if self.data_size_limit and len(buffer) > self.data_size_limit:
            self._set_post_data_state()
            await self.push("552 5.3.4 Error: too much mail data")
            return
        if not last:
            await self.push(f"250 2.0.0 {size} octets received")
            return
        content = bytes(buffer)
        self.envelope.content = content
        self.envelope.original_content = content
        self.envelope.transfer = "BDAT"
        status = await self._call_handler_hook("DATA")
        self._set_post_data_state()
        await self.push(status)


def _params_part(arg):
    """The parameters after the <path> of MAIL/RCPT, as the client wrote them."""
    if not arg:
        return ""
    close = arg.find(">")
    return arg[close + 1:].strip() if close >= 0 else ""


def main():
    parser = argparse.ArgumentParser(description="MailMesh test SMTP server (aiosmtpd + address patterns)")
    parser.add_argument("--listen", required=True, help="HOST:PORT for the main port (no CHUNKING)")
    parser.add_argument("--chunking-port", type=int, default=0, help="a second port on the same host that offers CHUNKING")
    parser.add_argument("--chunking-size", type=int, default=1024 * 1024, help="SIZE limit of the chunking port")
    parser.add_argument("--starttls-port", type=int, default=0, help="a port that offers STARTTLS (needs --tls-cert/--tls-key)")
    parser.add_argument("--smtps-port", type=int, default=0, help="a port with TLS from the first byte (needs --tls-cert/--tls-key)")
    parser.add_argument("--tls-cert", help="PEM certificate chain for the TLS ports")
    parser.add_argument("--tls-key", help="PEM private key for the TLS ports")
    parser.add_argument("directory")
    args = parser.parse_args()
    host, _, port = args.listen.rpartition(":")
    handler = PatternHandler(args.directory)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def factory(chunking, size, tls_context=None):
        return lambda: MeshSMTP(handler, chunking=chunking, enable_SMTPUTF8=True, data_size_limit=size,
                                hostname="mailmesh-test-smtp", tls_context=tls_context, loop=loop)

    servers = [loop.run_until_complete(loop.create_server(factory(False, 32 * 1024 * 1024), host, int(port)))]
    if args.chunking_port:
        servers.append(loop.run_until_complete(loop.create_server(factory(True, args.chunking_size), host, args.chunking_port)))
    if args.starttls_port or args.smtps_port:
        if not (args.tls_cert and args.tls_key):
            parser.error("--starttls-port and --smtps-port need --tls-cert and --tls-key")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        if args.starttls_port:
            servers.append(loop.run_until_complete(loop.create_server(factory(False, 32 * 1024 * 1024, context), host, args.starttls_port)))
        if args.smtps_port:
            servers.append(loop.run_until_complete(loop.create_server(factory(False, 32 * 1024 * 1024), host, args.smtps_port, ssl=context)))
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.add_signal_handler(signal.SIGINT, loop.stop)
    print(f"smtp_test_server listening on {args.listen}"
          + (f", {host}:{args.chunking_port} (CHUNKING)" if args.chunking_port else "")
          + (f", {host}:{args.starttls_port} (STARTTLS)" if args.starttls_port else "")
          + (f", {host}:{args.smtps_port} (implicit TLS)" if args.smtps_port else ""), flush=True)
    try:
        loop.run_forever()
    finally:
        for server in servers:
            server.close()
        loop.close()


if __name__ == "__main__":
    main()
