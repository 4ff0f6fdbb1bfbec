import Foundation

/// Checks an SMTP server for an operator (`itsm smtp test`, `itsm doctor`): connect, EHLO, TLS with
/// the certificate check, AUTH when credentials are set, then a message or only a NOOP, each step
/// with the server's reply. Uses the delivery's own libcurl connection, so it checks what delivery does.
public struct SMTPCheck: Sendable {
    /// One step and how it went.
    public struct Step: Sendable, Hashable {
        public enum Outcome: String, Sendable, Hashable {
            case passed, warning, failed
            /// Not configured, or not reached because an earlier step failed.
            case skipped
        }

        public var name: String
        public var outcome: Outcome
        /// The server's reply or what went wrong; never a credential.
        public var detail: String
    }

    public let settings: SMTPSettings

    public init(settings: SMTPSettings) {
        var settings = settings
        settings.connections = 1
        self.settings = settings
    }

    /// Runs the check on a new connection, sending `envelope`, or with nil only a NOOP (nothing is
    /// sent). libcurl blocks, so it runs on a thread of its own.
    public func run(sending envelope: Envelope?) async -> [Step] {
        let settings = settings
        let transcript: SMTPTranscript = await withCheckedContinuation { continuation in
            Thread {
                do throws(LibcurlError) {
                    try Libcurl.initialise()
                    let connection = try CurlSMTPConnection(settings: settings)
                    continuation.resume(returning: connection.transcript(sending: envelope))
                } catch {
                    continuation.resume(returning: SMTPTranscript(
                        code: error.code, error: error.message, replies: [], connected: false, encrypted: false, failure: nil))
                }
            }.start()
        }
        return Self.steps(transcript, settings: settings, sending: envelope != nil)
    }

    /// The steps a transcript shows. The replies come without the commands that caused them, so
    /// they are matched by SMTP's fixed order and codes.
    static func steps(_ transcript: SMTPTranscript, settings: SMTPSettings, sending: Bool) -> [Step] {
        var steps = StepList()
        let replies = transcript.replies
        let implicitTLS = settings.url.scheme?.lowercased() == "smtps"
        let hasCredentials = settings.username != nil || settings.password != nil
        let tlsRequired = settings.requireTLS || hasCredentials
        let ehlo = Self.ehloBlock(replies)

        // Connect, and the greeting (after the TLS handshake on smtps).
        if !transcript.connected {
            steps.add("connect", .failed, "\(settings.safeDescription): \(transcript.error ?? "no connection")")
        } else if let greeting = replies.first, let code = greeting.code, code >= 400 {
            steps.add("connect", .failed, "\(settings.safeDescription): the server refused the session: \(greeting.line)")
        } else {
            steps.add("connect", .passed, "\(settings.safeDescription)" + (replies.first.map { ": \($0.line)" } ?? ""))
        }

        func addEHLO() {
            if let ehlo {
                let extensions = ehlo.dropFirst().map { String($0.line.dropFirst(4)) }
                steps.add("EHLO", .passed, "250 " + ehlo[0].line.dropFirst(4) + (extensions.isEmpty ? "" : " (offers \(extensions.joined(separator: ", ")))"))
            } else if let refusal = replies.dropFirst().first(where: { ($0.code ?? 0) >= 400 }), !transcript.encrypted {
                steps.add("EHLO", .failed, refusal.line)
            } else {
                steps.add("EHLO", .failed, transcript.error ?? "no reply to EHLO")
            }
        }

        func addTLS() {
            let code = transcript.code
            if transcript.encrypted {
                let how = implicitTLS ? "smtps (TLS from the start)" : "STARTTLS" + (Self.startTLSReply(replies).map { ": \($0.line)" } ?? "")
                steps.add("TLS", .passed, how + "; certificate verified" + (settings.caFile.map { " against \($0)" } ?? ""))
            } else if code == 60 {
                steps.add("TLS", .failed, "the server's certificate is not trusted (\(transcript.error ?? "libcurl 60")); "
                    + "for a private CA or a self-signed server set ITSM_SMTP_CA_FILE")
            } else if code == 64 {
                steps.add("TLS", .failed, "the server offers no STARTTLS, and TLS is required "
                    + (settings.requireTLS ? "(ITSM_SMTP_REQUIRE_TLS)" : "(credentials are never sent in clear)"))
            } else if [35, 53, 54, 58, 59, 66, 77, 80, 83, 90, 91].contains(code) {
                steps.add("TLS", .failed, "TLS set-up failed: \(transcript.error ?? "libcurl \(code)")")
            } else if implicitTLS || Self.startTLSReply(replies) != nil {
                steps.add("TLS", .failed, transcript.error ?? "no TLS session")
            } else if !tlsRequired {
                steps.add("TLS", .warning, "not encrypted: the server offers no STARTTLS (set ITSM_SMTP_REQUIRE_TLS=true to refuse plain connections)")
            } else {
                steps.add("TLS", .failed, transcript.error ?? "no TLS session")
            }
        }

        if implicitTLS {
            if steps.reached("TLS") { addTLS() }
            if steps.reached("EHLO") { addEHLO() }
        } else {
            if steps.reached("EHLO") { addEHLO() }
            if steps.reached("TLS") { addTLS() }
        }

        if !steps.reached("AUTH") {
        } else if !hasCredentials {
            steps.add("AUTH", .skipped, "no credentials configured")
        } else {
            let user = settings.username.map { "as \($0)" } ?? "with a password"
            if let accepted = replies.first(where: { $0.code == 235 }) {
                steps.add("AUTH", .passed, "\(user): \(accepted.line)")
            } else if let refused = replies.first(where: { [454, 500, 501, 504, 530, 534, 535, 538].contains($0.code ?? 0) }) {
                steps.add("AUTH", .failed, "\(user): \(refused.line)")
            } else if transcript.code == 67 {
                steps.add("AUTH", .failed, "\(user): \(transcript.error ?? "login denied")")
            } else if !(ehlo ?? []).contains(where: { $0.line.dropFirst(4).uppercased().hasPrefix("AUTH") }) {
                steps.add("AUTH", .warning, "credentials are configured, but the server offers no AUTH: mail goes unauthenticated")
            } else {
                steps.add("AUTH", .failed, "\(user): \(transcript.error ?? "no reply to AUTH")")
            }
        }

        let last = sending ? "send" : "NOOP"
        if steps.reached(last) {
            if transcript.code == 0 {
                steps.add(last, .passed, replies.last(where: { $0.code != nil })?.line ?? "accepted")
            } else {
                let reply = replies.last(where: { ($0.code ?? 0) >= 400 })
                var detail = reply?.line ?? transcript.error ?? "failed"
                if reply?.code == 530, !hasCredentials {
                    detail += " (the server wants AUTH: set ITSM_SMTP_USERNAME and ITSM_SMTP_PASSWORD)"
                }
                steps.add(last, .failed, detail)
            }
        }
        return steps.steps
    }

    /// The server's last EHLO answer: its first line names the server, the others its extensions.
    static func ehloBlock(_ replies: [ReplyLine]) -> [ReplyLine]? {
        var blocks: [[ReplyLine]] = []
        var current: [ReplyLine] = []
        for (index, reply) in replies.enumerated() where index > 0 {
            let continues = reply.line.count > 3 && reply.line.dropFirst(3).first == "-"
            if reply.code == 250, continues || !current.isEmpty {
                current.append(reply)
                if !continues {
                    blocks.append(current)
                    current = []
                }
            } else if reply.code == 250, index == 1 {
                blocks.append([reply])  // a one-line EHLO answer, right after the greeting
            } else {
                current = []
            }
        }
        return blocks.last
    }

    /// The 220 that answers STARTTLS (the greeting is the first reply; this is a later 220, or a 454 refusal).
    static func startTLSReply(_ replies: [ReplyLine]) -> ReplyLine? {
        replies.dropFirst().first { $0.code == 220 || $0.code == 454 }
    }
}

/// Steps in order; once one has failed, the rest are "not reached".
private struct StepList {
    var steps: [SMTPCheck.Step] = []
    var hasFailed: Bool { steps.contains { $0.outcome == .failed } }

    mutating func add(_ name: String, _ outcome: SMTPCheck.Step.Outcome, _ detail: String) {
        steps.append(SMTPCheck.Step(name: name, outcome: outcome, detail: detail))
    }

    /// Whether step `name` was reached; if not, it is added as "not reached".
    mutating func reached(_ name: String) -> Bool {
        if hasFailed { add(name, .skipped, "not reached") }
        return !hasFailed
    }
}
