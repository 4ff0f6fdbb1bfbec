import Foundation
import ITSMTestSupport
import Logging
@testable import Notifications
import Testing

/// STARTTLS and AUTH of the libcurl transport against a real SMTP server (aiosmtpd) on loopback.
@Suite("SMTP transport over libcurl: STARTTLS and AUTH", .timeLimit(.minutes(3)))
struct SMTPTransportTLSTests {
    init() throws {
        try Libcurl.initialise()
    }

    @Test("STARTTLS required with the server's certificate as CA file: delivered over TLS")
    func startTLSWithCAFile() async throws {
        let tls = try await TLSFiles.shared()
        try await withSink(.init(tls: tls, requireTLS: true)) { sink in
            var settings = try smtpSettings(port: sink.port, connections: 1)
            settings.requireTLS = true
            settings.caFile = tls.certificate
            let transport = try SMTPTransport(settings: settings, logger: testLogger)
            let envelope = message(id: "tls.1", to: ["ada@example.org"])
            let result = await transport.send(envelope)
            await transport.shutdown()

            #expect(result == .delivered(reply: "250 2.0.0 Ok: queued as 0001"))
            let messages = try sink.messages()
            try #require(messages.count == 1)
            #expect(messages[0].data == envelope.data)
            #expect(messages[0].envelope.tls)
            #expect(messages[0].envelope.tlsVersion?.hasPrefix("TLSv1.") == true)
        }
    }

    @Test("STARTTLS without the CA file fails on the certificate (libcurl 60) and sends nothing")
    func startTLSWithoutCAFile() async throws {
        let tls = try await TLSFiles.shared()
        try await withSink(.init(tls: tls, requireTLS: true)) { sink in
            var settings = try smtpSettings(port: sink.port, connections: 1)
            settings.requireTLS = true
            let transport = try SMTPTransport(settings: settings, logger: testLogger)
            let result = await transport.send(message(id: "tls.2", to: ["ada@example.org"]))
            await transport.shutdown()

            let failure = try #require(result.failure)
            #expect(failure.kind == .transient)
            #expect(failure.smtpCode == nil)
            #expect(failure.text.contains("certificate"))
            #expect(failure.text.contains("(libcurl 60)"))  // CURLE_PEER_FAILED_VERIFICATION
            let received = try sink.messages()
            #expect(received.isEmpty)
        }
    }

    @Test("requireTLS against a server without STARTTLS fails and never sends in clear text")
    func requireTLSWithoutServerSupport() async throws {
        try await withSink { sink in
            var settings = try smtpSettings(port: sink.port, connections: 1)
            settings.requireTLS = true
            let transport = try SMTPTransport(settings: settings, logger: testLogger)
            let result = await transport.send(message(id: "tls.3", to: ["ada@example.org"]))
            await transport.shutdown()

            let failure = try #require(result.failure)
            #expect(failure.kind == .transient)
            #expect(failure.text.contains("(libcurl 64)"))  // CURLE_USE_SSL_FAILED
            let received = try sink.messages()
            #expect(received.isEmpty)
        }
    }

    @Test("AUTH over STARTTLS with credentials in the URL (percent-encoded ':' in the password)")
    func authWithURLCredentials() async throws {
        let tls = try await TLSFiles.shared()
        try await withSink(.init(tls: tls, requireTLS: true, auth: ("user", "pa:ss"))) { sink in
            var settings = try SMTPSettings(url: #require(URL(string: "smtp://user:pa%3Ass@127.0.0.1:\(sink.port)")), connections: 1)
            settings.requireTLS = true
            settings.caFile = tls.certificate
            #expect(settings.username == "user")
            #expect(settings.password == "pa:ss")
            #expect(settings.safeDescription == "smtp://127.0.0.1:\(sink.port)")
            let transport = try SMTPTransport(settings: settings, logger: testLogger)
            let envelope = message(id: "auth.1", to: ["ada@example.org"])
            let result = await transport.send(envelope)
            await transport.shutdown()

            #expect(result == .delivered(reply: "250 2.0.0 Ok: queued as 0001"))
            let messages = try sink.messages()
            #expect(messages.map(\.data) == [envelope.data])
            #expect(messages.map(\.envelope.authenticatedAs) == ["user"])
            #expect(messages.map(\.envelope.tls) == [true])
        }
    }

    @Test("AUTH over STARTTLS with the username and password given in the settings")
    func authWithSettingsCredentials() async throws {
        let tls = try await TLSFiles.shared()
        try await withSink(.init(tls: tls, requireTLS: true, auth: ("user", "pa:ss"))) { sink in
            let settings = try SMTPSettings(
                url: #require(URL(string: "smtp://127.0.0.1:\(sink.port)")), requireTLS: true, caFile: tls.certificate,
                username: "user", password: "pa:ss", connections: 1)
            let transport = try SMTPTransport(settings: settings, logger: testLogger)
            let envelope = message(id: "auth.2", to: ["ada@example.org"])
            let result = await transport.send(envelope)
            await transport.shutdown()

            #expect(result == .delivered(reply: "250 2.0.0 Ok: queued as 0001"))
            let received = try sink.messages()
            #expect(received.map(\.envelope.authenticatedAs) == ["user"])
        }
    }

    @Test("URL credentials with a literal '%' are decoded exactly once")
    func authWithPercentInURLCredentials() async throws {
        let tls = try await TLSFiles.shared()
        try await withSink(.init(tls: tls, requireTLS: true, auth: ("ops%", "p%41ss"))) { sink in
            // "ops%" encodes as ops%25 and "p%41ss" as p%2541ss.
            let settings = try SMTPSettings(
                url: #require(URL(string: "smtp://ops%25:p%2541ss@127.0.0.1:\(sink.port)")), requireTLS: true,
                caFile: tls.certificate, connections: 1)
            #expect(settings.username == "ops%")
            #expect(settings.password == "p%41ss")
            let transport = try SMTPTransport(settings: settings, logger: testLogger)
            let result = await transport.send(message(id: "auth.3", to: ["ada@example.org"]))
            await transport.shutdown()

            #expect(result == .delivered(reply: "250 2.0.0 Ok: queued as 0001"))
            let received = try sink.messages()
            #expect(received.map(\.envelope.authenticatedAs) == ["ops%"])
        }
    }

    @Test("a wrong password is a transient failure carrying the server's 535, and nothing is sent")
    func authWrongPassword() async throws {
        let tls = try await TLSFiles.shared()
        try await withSink(.init(tls: tls, requireTLS: true, auth: ("user", "pa:ss"))) { sink in
            let settings = try SMTPSettings(
                url: #require(URL(string: "smtp://127.0.0.1:\(sink.port)")), requireTLS: true, caFile: tls.certificate,
                username: "user", password: "wrong", connections: 1)
            let transport = try SMTPTransport(settings: settings, logger: testLogger)
            let result = await transport.send(message(id: "auth.4", to: ["ada@example.org"]))
            await transport.shutdown()

            let failure = try #require(result.failure)
            // DeliveryFailure.Kind: auth set-up errors are transient (an operator fixes the password).
            #expect(failure.kind == .transient)
            #expect(failure.smtpCode == 535)
            #expect(failure.refusedRecipients == [])
            let received = try sink.messages()
            #expect(received.isEmpty)
        }
    }
}
