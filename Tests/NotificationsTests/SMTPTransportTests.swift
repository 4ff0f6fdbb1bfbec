import Foundation
import ITSMTestSupport
import Logging
@testable import Notifications
import Testing

/// The libcurl transport against a real SMTP server (aiosmtpd) on loopback.
@Suite("SMTP transport over libcurl", .timeLimit(.minutes(3)))
struct SMTPTransportTests {
    init() throws {
        try Libcurl.initialise()
    }

    @Test("a message arrives byte for byte: dot lines, a lone dot, 998-octet lines and CRLF")
    func deliversExactBytes() async throws {
        let longDotLine = "." + String(repeating: "x", count: 997)
        let longLine = String(repeating: "y", count: 998)
        #expect(longDotLine.utf8.count == 998 && longLine.utf8.count == 998)
        let envelope = Envelope(
            sender: "desk@itsm.example", recipients: ["ada@example.org"],
            data: crlf([
                "From: Service Desk <desk@itsm.example>",
                "To: Ada <ada@example.org>",
                "Subject: Weekly digest",
                "Date: Tue, 25 Nov 2025 20:00:00 +0000",
                "Message-ID: <exact.1@itsm.example>",
                "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=utf-8",
                "",
                ".a line that starts with a dot",
                "..two dots",
                ".",
                "the line above is a lone dot, which must not end the data",
                longDotLine,
                longLine,
                "last line",
            ]),
            messageID: "exact.1@itsm.example")

        try await withSink { sink in
            var settings = try smtpSettings(port: sink.port, connections: 1)
            settings.ehloName = "mailer.itsm.example"
            let transport = try SMTPTransport(settings: settings, logger: testLogger)
            let result = await transport.send(envelope)
            await transport.shutdown()

            // The sink's reply to the end of data, numbered by the sink.
            #expect(result == .delivered(reply: "250 2.0.0 Ok: queued as 0001"))
            let messages = try sink.messages()
            try #require(messages.count == 1)
            #expect(messages[0].data == envelope.data)
            #expect(messages[0].envelope.mailFrom == "desk@itsm.example")
            #expect(messages[0].envelope.rcptTos == ["ada@example.org"])
            #expect(messages[0].envelope.ehlo == "mailer.itsm.example")
            #expect(messages[0].envelope.tls == false)
        }
    }

    @Test("a refused recipient is a permanent 550 naming it; the next message on the connection goes through")
    func refusedRecipient() async throws {
        try await withSink(.init(refuse: ["nobody@example.org"])) { sink in
            let transport = try SMTPTransport(settings: smtpSettings(port: sink.port, connections: 1), logger: testLogger)
            let refused = await transport.send(message(id: "refused.1", to: ["nobody@example.org"]))
            let next = await transport.send(message(id: "next.2", to: ["ada@example.org"]))
            await transport.shutdown()

            let failure = try #require(refused.failure)
            #expect(failure.kind == .permanent)
            #expect(failure.smtpCode == 550)
            #expect(failure.text.contains("5.1.1"))
            #expect(failure.refusedRecipients == ["nobody@example.org"])
            #expect(next == .delivered(reply: "250 2.0.0 Ok: queued as 0001"))
            let messages = try sink.messages()
            #expect(messages.map(\.data) == [message(id: "next.2", to: ["ada@example.org"]).data])
        }
    }

    @Test("a refusal names only the refused recipient, not the accepted ones")
    func refusalNamesOnlyTheRefused() async throws {
        try await withSink(.init(refuse: ["nobody@example.org"])) { sink in
            let transport = try SMTPTransport(settings: smtpSettings(port: sink.port, connections: 1), logger: testLogger)
            let result = await transport.send(message(id: "mixed.1", to: ["ada@example.org", "nobody@example.org"]))
            await transport.shutdown()

            let failure = try #require(result.failure)
            #expect(failure.smtpCode == 550)
            // ada@ was accepted (250 to her RCPT): reporting her as refused would hard-bounce a good address.
            #expect(failure.refusedRecipients == ["nobody@example.org"])
            let received = try sink.messages()
            #expect(received.isEmpty)
        }
    }

    @Test("451 twice is transient twice, then the third attempt is delivered exactly once")
    func temporaryFailureThenDelivery() async throws {
        try await withSink(.init(tempfail: ["ada@example.org": 2])) { sink in
            let transport = try SMTPTransport(settings: smtpSettings(port: sink.port, connections: 1), logger: testLogger)
            let envelope = message(id: "retry.1", to: ["ada@example.org"])
            let first = await transport.send(envelope)
            let second = await transport.send(envelope)
            let third = await transport.send(envelope)
            await transport.shutdown()

            for result in [first, second] {
                let failure = try #require(result.failure)
                #expect(failure.kind == .transient)
                #expect(failure.smtpCode == 451)
                #expect(failure.text.contains("4.3.0"))
                #expect(failure.refusedRecipients == [])
            }
            #expect(third == .delivered(reply: "250 2.0.0 Ok: queued as 0001"))
            let messages = try sink.messages()
            #expect(messages.map(\.data) == [envelope.data])
        }
    }

    @Test("a reused connection the server is closing (421 at MAIL) is retried once on a fresh connection")
    func staleConnectionRetried() async throws {
        try await withSink(.init(closeAfter: 1)) { sink in
            let transport = try SMTPTransport(settings: smtpSettings(port: sink.port, connections: 1), logger: testLogger)
            let envelopes = (1...3).map { message(id: "stale.\($0)", to: ["ada@example.org"]) }
            var results: [DeliveryResult] = []
            for envelope in envelopes { results.append(await transport.send(envelope)) }
            await transport.shutdown()

            #expect(results == (1...3).map { .delivered(reply: "250 2.0.0 Ok: queued as 000\($0)") })
            let messages = try sink.messages()
            #expect(messages.map(\.data) == envelopes.map(\.data))
            // One message per connection: the 421 made each later send open a new one.
            #expect(Set(messages.compactMap { $0.envelope.peer.last }).count == 3)
        }
    }

    @Test("a 421 on a fresh connection is a transient failure, not retried")
    func freshConnection421() async throws {
        try await withSink(.init(closeAfter: 0)) { sink in
            let transport = try SMTPTransport(settings: smtpSettings(port: sink.port, connections: 1), logger: testLogger)
            let result = await transport.send(message(id: "stale.0", to: ["ada@example.org"]))
            await transport.shutdown()

            let failure = try #require(result.failure)
            #expect(failure.kind == .transient)
            #expect(failure.smtpCode == 421)
            #expect(failure.refusedRecipients == [])
            let received = try sink.messages()
            #expect(received.isEmpty)
        }
    }

    @Test("a server that is down is a transient failure without an SMTP code; once it is up, mail goes through")
    func serverDownThenUp() async throws {
        let port = try unusedLoopbackPort()
        let transport = try SMTPTransport(settings: smtpSettings(port: port, connections: 1), logger: testLogger)
        let envelope = message(id: "down.1", to: ["ada@example.org"])

        let down = await transport.send(envelope)
        let failure = try #require(down.failure)
        #expect(failure.kind == .transient)
        #expect(failure.smtpCode == nil)
        #expect(failure.text.contains("(libcurl 7)"))  // CURLE_COULDNT_CONNECT

        try await withSink(.init(port: port)) { sink in
            #expect(sink.port == port)
            let up = await transport.send(envelope)
            await transport.shutdown()
            #expect(up == .delivered(reply: "250 2.0.0 Ok: queued as 0001"))
            let received = try sink.messages()
            #expect(received.map(\.data) == [envelope.data])
        }
    }

    @Test("400 messages sent at once over 8 connections all arrive, each exactly once")
    func concurrentSends() async throws {
        let count = 400
        try await withSink { sink in
            let transport = try SMTPTransport(settings: smtpSettings(port: sink.port, connections: 8), logger: testLogger)
            let results = await withTaskGroup(of: (Int, DeliveryResult).self) { group in
                for index in 0..<count {
                    group.addTask { (index, await transport.send(message(id: "bulk.\(index)", to: ["r\(index)@example.org"]))) }
                }
                var results: [Int: DeliveryResult] = [:]
                for await (index, result) in group { results[index] = result }
                return results
            }
            await transport.shutdown()

            #expect(results.count == count)
            let failures = results.values.compactMap(\.failure)
            #expect(failures.isEmpty, "first failures: \(failures.prefix(3))")
            let messages = try sink.messages()
            #expect(messages.count == count)
            let received = messages.compactMap { messageIDHeader(in: $0.text) }
            #expect(received.count == count)
            #expect(Set(received) == Set((0..<count).map { "bulk.\($0)@itsm.example" }))
            // Each message carries its own envelope.
            #expect(messages.allSatisfy { message in
                message.envelope.rcptTos.count == 1
                    && messageIDHeader(in: message.text) == "bulk.\(message.envelope.rcptTos[0].dropFirst().prefix { $0 != "@" })@itsm.example"
            })
            // Connections are reused: at most one per worker thread.
            let connections = Set(messages.compactMap { $0.envelope.peer.last })
            #expect((1...8).contains(connections.count), "\(connections.count) connections")
        }
    }

    @Test("after shutdown, send is a transient 'shutting down'; sends queued before it complete")
    func shutdownDrainsThenRefuses() async throws {
        let count = 40
        try await withSink { sink in
            let transport = try SMTPTransport(settings: smtpSettings(port: sink.port, connections: 2), logger: testLogger)
            let (results, receivedAtShutdown) = await withTaskGroup(of: DeliveryResult.self) { group in
                for index in 0..<count {
                    group.addTask { await transport.send(message(id: "drain.\(index)", to: ["ada@example.org"])) }
                }
                var results: [DeliveryResult] = []
                // Once one result is in, the workers are busy and the rest are queued or in flight.
                if let first = await group.next() { results.append(first) }
                await transport.shutdown()
                // shutdown returns after the workers finished everything they had taken.
                let receivedAtShutdown = (try? sink.messages().count) ?? -1
                for await result in group { results.append(result) }
                return (results, receivedAtShutdown)
            }

            #expect(results.count == count)
            let delivered = results.filter { if case .delivered = $0 { true } else { false } }
            let refused = results.compactMap(\.failure)
            #expect(delivered.count >= 1)
            #expect(delivered.count + refused.count == count)
            #expect(refused.allSatisfy { $0.kind == .transient && $0.text.contains("shutting down") })
            #expect(receivedAtShutdown == delivered.count)
            let receivedAfterShutdown = try sink.messages()
            #expect(receivedAfterShutdown.count == delivered.count)

            let late = await transport.send(message(id: "late.1", to: ["ada@example.org"]))
            let failure = try #require(late.failure)
            #expect(failure.kind == .transient)
            #expect(failure.smtpCode == nil)
            #expect(failure.text.contains("shutting down"))
            let receivedAtEnd = try sink.messages()
            #expect(receivedAtEnd.count == delivered.count)
        }
    }
}

// MARK: Helpers (shared with SMTPTransportTLSTests)

let testLogger = Logger(label: "itsm.tests.smtp")

/// Settings for the sink on loopback, with short timeouts so a broken test fails fast.
func smtpSettings(port: Int, connections: Int) throws -> SMTPSettings {
    try SMTPSettings(
        url: #require(URL(string: "smtp://127.0.0.1:\(port)")), connectTimeout: .seconds(5), totalTimeout: .seconds(30),
        connections: connections)
}

/// Lines joined and ended with CRLF, as `MIMEEncoder` produces them.
func crlf(_ lines: [String]) -> [UInt8] {
    Array(lines.map { $0 + "\r\n" }.joined().utf8)
}

/// A small plain-text message from the service desk.
func message(id: String, to recipients: [String]) -> Envelope {
    let messageID = "\(id)@itsm.example"
    return Envelope(
        sender: "desk@itsm.example", recipients: recipients,
        data: crlf([
            "From: Service Desk <desk@itsm.example>",
            "To: \(recipients.joined(separator: ", "))",
            "Subject: Test \(id)",
            "Message-ID: <\(messageID)>",
            "",
            "Body of \(id).",
        ]),
        messageID: messageID)
}

/// The Message-ID header's address, without angle brackets.
func messageIDHeader(in text: String) -> String? {
    for line in text.split(separator: "\r\n", omittingEmptySubsequences: false) {
        if line.isEmpty { return nil }
        if line.hasPrefix("Message-ID: <"), line.hasSuffix(">") { return String(line.dropFirst("Message-ID: <".count).dropLast()) }
    }
    return nil
}

extension DeliveryResult {
    var failure: DeliveryFailure? {
        if case .failed(let failure) = self { failure } else { nil }
    }
}

@Suite("SMTP transport: refusal attribution and safety")
struct SMTPRefusalAttributionTests {
    init() throws {
        try Libcurl.initialise()
    }

    @Test("only a mailbox status blames a recipient", arguments: [
        ("550 5.1.1 <bob@example.org>: Recipient address rejected", ["bob@example.org"]),
        ("552 5.2.2 <bob@example.org>: Mailbox full", ["bob@example.org"]),
        ("550 5.1.1 User unknown", ["bob@example.org"]),  // one recipient: implied
        ("554 5.7.1 <bob@example.org>: Relay access denied", []),
        ("550 5.7.1 Client host rejected", []),
        ("553 5.1.8 <desk@itsm.example>: Sender address rejected", []),
        ("552 5.3.4 Message too big", []),
        ("550 Rejected", []),  // no enhanced status: nothing to go on
    ])
    func attribution(reply: String, expected: [String]) {
        #expect(CurlSMTPConnection.refusedRecipients([ReplyLine(line: reply)], ["bob@example.org"]) == expected)
    }

    @Test("an envelope address with CR/LF is refused before anything is sent")
    func envelopeInjection() async throws {
        try await withSink { sink in
            let url = try #require(URL(string: "smtp://127.0.0.1:\(sink.port)"))
            let transport = try SMTPTransport(settings: SMTPSettings(url: url, connections: 1), logger: Logger(label: "test"))
            let result = await transport.send(Envelope(
                sender: "desk@itsm.example", recipients: ["ada@example.org>\r\nRCPT TO:<eve@example.org"],
                data: Array("Subject: x\r\n\r\nx\r\n".utf8), messageID: "inject"
            ))
            await transport.shutdown()
            guard case .failed(let failure) = result else {
                Issue.record("an injected envelope was sent")
                return
            }
            #expect(failure.kind == .permanent)
            #expect(try sink.messages().isEmpty)
        }
    }

    @Test("with credentials and no TLS on offer, nothing is sent and the password never crosses in clear")
    func credentialsRequireTLS() async throws {
        try await withSink { sink in
            let url = try #require(URL(string: "smtp://itsm:secret@127.0.0.1:\(sink.port)"))
            let transport = try SMTPTransport(settings: SMTPSettings(url: url, connections: 1), logger: Logger(label: "test"))
            let result = await transport.send(Envelope(
                sender: "desk@itsm.example", recipients: ["ada@example.org"], data: Array("Subject: x\r\n\r\nx\r\n".utf8), messageID: "clear"
            ))
            await transport.shutdown()
            guard case .failed(let failure) = result else {
                Issue.record("sent with credentials over a plain connection")
                return
            }
            #expect(failure.kind == .transient)
            #expect(try sink.messages().isEmpty)
        }
    }

    @Test("stopAccepting fails queued transfers at once and lets the one in flight finish")
    func stopAcceptingFailsQueued() async throws {
        try await withSink { sink in
            let url = try #require(URL(string: "smtp://127.0.0.1:\(sink.port)"))
            let transport = try SMTPTransport(settings: SMTPSettings(url: url, connections: 1), logger: Logger(label: "test"))
            let envelopes = (0..<50).map { index in
                Envelope(sender: "desk@itsm.example", recipients: ["r\(index)@example.org"], data: Array("Subject: \(index)\r\n\r\nx\r\n".utf8), messageID: "m\(index)")
            }
            async let results = transport.send(envelopes)
            transport.stopAccepting()
            let outcome = await results
            await transport.shutdown()
            let delivered = outcome.filter { if case .delivered = $0 { true } else { false } }.count
            let refused = outcome.filter { if case .failed(let f) = $0 { f.text.contains("shutting down") } else { false } }.count
            #expect(delivered + refused == 50)
            #expect(delivered == (try sink.messages().count))
        }
    }
}
