#!/usr/bin/python3
"""A real SMTP server on loopback for the transport tests (aiosmtpd).

Writes each accepted message's raw bytes to DIR/NNNN.eml and its envelope to DIR/NNNN.json,
prints "READY <port>" once listening, and exits on SIGTERM or when stdin closes (the test
process went away). Run with Debian's /usr/bin/python3, which has python3-aiosmtpd.

Faults for the fault-injection tests (`--fault STAGE:ACTION[:COUNT]`, repeatable): at STAGE
(CONNECT, MAIL, RCPT, DATA = the DATA command, EOD = the end-of-data dot) answer with a reply
CODE (421, 451, 452, 550, 554, ...; a 421 also closes the connection), `stall` (never answer),
`close` (close the connection; at DATA after the 354 and the first line of the message, so
mid-DATA), or `reset` (the same, with a TCP RST). COUNT limits the fault to the first COUNT
times the stage is reached (server-wide); without it, every time. A message hit by a fault is
not stored. DIR/faults.state (JSON) counts the faults injected so far, by rule.
"""
import argparse
import asyncio
import json
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
import socket
import struct

STAGES = ("CONNECT", "MAIL", "RCPT", "DATA", "EOD")
# What the server says with each code; 5.1.1 (mailbox) only at RCPT, as real servers do.
REPLY_TEXT = {
    421: "4.3.2 sink.localhost Service shutting down",
    450: "4.2.0 Mailbox busy",
    451: "4.3.0 Local error in processing",
    452: "4.3.1 Insufficient system storage",
    550: "5.7.1 Refused by policy",
    552: "5.3.4 Message too big",
    554: "5.6.0 Transaction failed",
}


class FaultRule:
    """One --fault: where, what, and how many times more (None: always)."""

    def __init__(self, text):
        parts = text.split(":")
        if len(parts) not in (2, 3) or parts[0].upper() not in STAGES:
            raise argparse.ArgumentTypeError(f"--fault wants STAGE:ACTION[:COUNT] with STAGE in {STAGES}, got {text!r}")
        self.text = text
        self.stage = parts[0].upper()
        self.action = parts[1].lower()
        if not (self.action in ("stall", "close", "reset") or (self.action.isdigit() and len(self.action) == 3)):
            raise argparse.ArgumentTypeError(f"--fault ACTION is a 3-digit code, stall, close or reset, got {parts[1]!r}")
        self.remaining = int(parts[2]) if len(parts) == 3 else None
        self.injected = 0

    def reply(self, address=None):
        code = int(self.action)
        if self.stage == "CONNECT":
            return f"{code} {'5.3.2' if code >= 500 else '4.3.2'} sink.localhost No SMTP service here"
        if self.stage == "RCPT" and code >= 500 and code in (550, 551, 553):
            return f"{code} 5.1.1 <{address}>: Mailbox unavailable"
        return f"{code} {REPLY_TEXT.get(code, ('4.0.0' if code < 500 else '5.0.0') + ' Injected fault')}"


def reset(transport):
    """Closes with a TCP RST instead of a FIN (SO_LINGER with a zero timeout)."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


class Sink:
    """The aiosmtpd handler: refusals and temporary failures by address, then files on disk."""

    def __init__(self, directory, refuse, tempfail, close_after, delay=0.0, faults=()):
        self.directory = directory
        self.faults = list(faults)
        # Armed once the server is up: the controller's own readiness probe connects first.
        self.armed = False
        self.delay = delay  # seconds to wait before answering each DATA (a slow server)
        self.close_after = close_after  # messages per connection before "421" at the next MAIL
        self.refuse = {address.lower() for address in refuse}
        self.tempfail = dict(tempfail)  # address -> RCPTs still to answer 451
        self.count = 0  # the handler runs on the controller's one event-loop thread

    def take_fault(self, stage):
        """The first rule for `stage` with occurrences left, counted as injected; else None."""
        if not self.armed:
            return None
        for rule in self.faults:
            if rule.stage == stage and (rule.remaining is None or rule.remaining > 0):
                if rule.remaining is not None:
                    rule.remaining -= 1
                rule.injected += 1
                self.write_fault_counts()
                return rule
        return None

    def write_fault_counts(self):
        path = os.path.join(self.directory, "faults.state")
        with open(path + ".tmp", "w") as file:
            json.dump({rule.text: rule.injected for rule in self.faults}, file)
        os.rename(path + ".tmp", path)

    async def inject(self, server, rule, address=None):
        """Carries out a fault in a handler hook: the reply to send, or never returns (the
        connection is gone, and aiosmtpd cancels this coroutine)."""
        if rule.action == "stall":
            await asyncio.sleep(86400)
        if rule.action in ("close", "reset"):
            if rule.action == "reset":
                reset(server.transport)
            else:
                server.transport.close()
            await asyncio.sleep(86400)
        if rule.action == "421":
            server.loop.call_soon(server.transport.close)
        return rule.reply(address)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        rule = self.take_fault("MAIL")
        if rule is not None:
            return await self.inject(server, rule)
        accepted = getattr(session, "messages", 0)
        if self.close_after is not None and accepted >= self.close_after:
            # What a client sees when it reuses a connection the server is closing (idle timeout).
            server.loop.call_soon(server.transport.close)
            return "421 4.4.2 sink.localhost Error: timeout exceeded"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        rule = self.take_fault("RCPT")
        if rule is not None:
            return await self.inject(server, rule, address)
        key = address.lower()
        if key in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected"
        if self.tempfail.get(key, 0) > 0:
            self.tempfail[key] -= 1
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        if self.delay > 0:
            # Other connections carry on meanwhile: only this session waits for its reply.
            await asyncio.sleep(self.delay)
        rule = self.take_fault("EOD")
        if rule is not None:
            return await self.inject(server, rule)
        self.count += 1
        session.messages = getattr(session, "messages", 0) + 1
        stem = os.path.join(self.directory, f"{self.count:04d}")
        tls = session.ssl is not None
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "peer": list(session.peer),
            "ehlo": session.host_name,
            "tls": tls,
            "tls_version": session.ssl["ssl_object"].version() if tls else None,
            "authenticated_as": session.auth_data if session.authenticated else None,
        }
        # The .eml first: a reader that sees the .json finds the message complete.
        with open(stem + ".eml", "wb") as file:
            file.write(envelope.content)
        with open(stem + ".json.tmp", "w") as file:
            json.dump(record, file)
        os.rename(stem + ".json.tmp", stem + ".json")
        return f"250 2.0.0 Ok: queued as {self.count:04d}"


class FaultySMTP(SMTP):
    """aiosmtpd's server with the faults that handler hooks cannot reach: at connect, and at the
    DATA command (before the 354, or mid-DATA after it)."""

    def connection_made(self, transport):
        super().connection_made(transport)
        rule = self.event_handler.take_fault("CONNECT")
        if rule is None:
            return
        # The client's session never starts: no greeting, or an error greeting, then the end.
        self._handler_coroutine.cancel()
        if rule.action == "reset":
            reset(transport)
        elif rule.action == "close":
            transport.close()
        elif rule.action != "stall":
            transport.write((rule.reply() + "\r\n").encode())
            transport.close()

    async def smtp_DATA(self, arg):
        rule = self.event_handler.take_fault("DATA") if self.envelope.rcpt_tos and not arg else None
        if rule is None:
            return await super().smtp_DATA(arg)
        if rule.action == "stall":
            await asyncio.sleep(86400)
        if rule.action in ("close", "reset"):
            # Mid-DATA: the client has started sending the message when the server goes away.
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            await self._reader.readuntil(b"\r\n")
            if rule.action == "reset":
                reset(self.transport)
            else:
                self.transport.close()
            await asyncio.sleep(86400)
        await self.push(rule.reply())
        if rule.action == "421":
            self.transport.close()


class SinkController(Controller):
    """Binds port 0 when asked, then learns the real port before the readiness probe."""

    def factory(self):
        return FaultySMTP(self.handler, **self.SMTP_kwargs)

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def tempfail_rule(text):
    address, _, count = text.rpartition(":")
    return address.lower(), int(count)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", required=True, help="write NNNN.eml and NNNN.json here")
    parser.add_argument("--port", type=int, default=0, help="listen here (default: a free port)")
    parser.add_argument("--refuse", action="append", default=[], metavar="ADDR", help="RCPT gets 550 5.1.1")
    parser.add_argument("--tempfail", action="append", default=[], type=tempfail_rule, metavar="ADDR:N",
                        help="the first N RCPTs get 451 4.3.0")
    parser.add_argument("--close-after", type=int, metavar="N",
                        help="after N messages on a connection, answer the next MAIL with 421 and close it")
    parser.add_argument("--delay", type=float, default=0.0, metavar="SECONDS",
                        help="wait this long before answering each message's DATA (a slow server)")
    parser.add_argument("--fault", action="append", default=[], type=FaultRule, metavar="STAGE:ACTION[:COUNT]",
                        help="inject a fault: STAGE CONNECT|MAIL|RCPT|DATA|EOD, ACTION a reply code, stall, close or reset")
    parser.add_argument("--tls-cert", help="offer STARTTLS with this certificate (PEM)")
    parser.add_argument("--tls-key", help="the certificate's key (PEM)")
    parser.add_argument("--require-tls", action="store_true", help="refuse mail before STARTTLS")
    parser.add_argument("--auth", metavar="USER:PASS", help="require AUTH PLAIN or LOGIN (after STARTTLS when offered)")
    options = parser.parse_args()

    settings = {"server_hostname": "sink.localhost", "decode_data": False}
    if options.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(options.tls_cert, options.tls_key)
        settings.update(tls_context=context, require_starttls=options.require_tls)
    if options.auth:
        user, _, password = options.auth.partition(":")

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login == user.encode() and auth_data.password == password.encode()
            # handled=False: aiosmtpd then replies 235, or "535 5.7.8 Authentication credentials invalid"
            # (its default, handled=True, sends no reply at all). auth_data becomes session.auth_data.
            return AuthResult(success=ok, handled=False, auth_data=user if ok else None)

        # PLAIN and LOGIN are aiosmtpd's built-in mechanisms; AUTH is offered only after STARTTLS.
        settings.update(authenticator=authenticator, auth_required=True, auth_require_tls=bool(options.tls_cert))

    # Block the stop signals before the server thread starts, so only sigwait below sees them.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    handler = Sink(options.dir, options.refuse, options.tempfail, options.close_after, options.delay, options.fault)
    controller = SinkController(handler, hostname="127.0.0.1", port=options.port, **settings)
    controller.start()
    handler.write_fault_counts()
    handler.armed = True
    print(f"READY {controller.port}", flush=True)

    def stop_when_parent_goes():
        sys.stdin.buffer.read()
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=stop_when_parent_goes, daemon=True).start()
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


if __name__ == "__main__":
    main()
