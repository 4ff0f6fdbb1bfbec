#!/usr/bin/python3
"""A real SMTP server on loopback for the transport tests (aiosmtpd).

Writes each accepted message's raw bytes to DIR/NNNN.eml and its envelope to DIR/NNNN.json,
prints "READY <port>" once listening, and exits on SIGTERM or when stdin closes (the test
process went away). Run with Debian's /usr/bin/python3, which has python3-aiosmtpd.
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
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    """The aiosmtpd handler: refusals and temporary failures by address, then files on disk."""

    def __init__(self, directory, refuse, tempfail, close_after, delay=0.0):
        self.directory = directory
        self.delay = delay  # seconds to wait before answering each DATA (a slow server)
        self.close_after = close_after  # messages per connection before "421" at the next MAIL
        self.refuse = {address.lower() for address in refuse}
        self.tempfail = dict(tempfail)  # address -> RCPTs still to answer 451
        self.count = 0  # the handler runs on the controller's one event-loop thread

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        accepted = getattr(session, "messages", 0)
        if self.close_after is not None and accepted >= self.close_after:
            # What a client sees when it reuses a connection the server is closing (idle timeout).
            server.loop.call_soon(server.transport.close)
            return "421 4.4.2 sink.localhost Error: timeout exceeded"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
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


class SinkController(Controller):
    """Binds port 0 when asked, then learns the real port before the readiness probe."""

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
    handler = Sink(options.dir, options.refuse, options.tempfail, options.close_after, options.delay)
    controller = SinkController(handler, hostname="127.0.0.1", port=options.port, **settings)
    controller.start()
    print(f"READY {controller.port}", flush=True)

    def stop_when_parent_goes():
        sys.stdin.buffer.read()
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=stop_when_parent_goes, daemon=True).start()
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


if __name__ == "__main__":
    main()
