import CCurlShim
import Domain
import Foundation

/// One libcurl easy handle that keeps its SMTP connection open across messages.
///
/// Used by exactly one thread (a `SMTPTransport` worker); not `Sendable` on purpose.
final class CurlSMTPConnection {
    private let handle: UnsafeMutableRawPointer
    private let settings: SMTPSettings
    /// libcurl writes its error text here; it must outlive every transfer on the handle.
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var transfers = 0

    init(settings: SMTPSettings) throws(LibcurlError) {
        guard let handle = curl_easy_init() else { throw LibcurlError(code: -1, message: "curl_easy_init failed") }
        self.handle = handle
        self.settings = settings
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        // Options that hold for every message are set once; libcurl keeps them on the handle.
        var setup = CURLE_OK
        func set(_ option: CURLoption, _ value: Int) { if setup == CURLE_OK { setup = itsm_curl_easy_setopt_long(handle, option, value) } }
        func set(_ option: CURLoption, _ value: String?) {
            guard setup == CURLE_OK, let value else { return }
            setup = itsm_curl_easy_setopt_string(handle, option, value)
        }
        set(CURLOPT_NOSIGNAL, 1)
        set(CURLOPT_URL, settings.curlURL)
        set(CURLOPT_UPLOAD, 1)
        if setup == CURLE_OK { setup = itsm_curl_easy_setopt_data_callback(handle, CURLOPT_READFUNCTION, readCallback) }
        if setup == CURLE_OK { setup = itsm_curl_easy_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION, headerCallback) }
        if setup == CURLE_OK { setup = itsm_curl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer) }
        // Credentials are never sent in clear: with a user name TLS is required, as if configured.
        let requireTLS = settings.requireTLS || settings.username != nil || settings.password != nil
        set(CURLOPT_USE_SSL, requireTLS ? Int(CURLUSESSL_ALL.rawValue) : Int(CURLUSESSL_TRY.rawValue))
        // Only when given: setting NULL would drop libcurl's default CA bundle.
        set(CURLOPT_CAINFO, settings.caFile)
        set(CURLOPT_USERNAME, settings.username)
        set(CURLOPT_PASSWORD, settings.password)
        set(CURLOPT_CONNECTTIMEOUT_MS, Int(settings.connectTimeout.microseconds / 1000))
        set(CURLOPT_TIMEOUT_MS, Int(settings.totalTimeout.microseconds / 1000))
        set(CURLOPT_MAXAGE_CONN, Int(max(1, settings.maxIdleAge.microseconds / 1_000_000)))
        guard setup == CURLE_OK else {
            let message = String(cString: curl_easy_strerror(setup))
            curl_easy_cleanup(handle)
            errorBuffer.deallocate()
            throw LibcurlError(code: Int(setup.rawValue), message: "libcurl option rejected: \(message)")
        }
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Sends one envelope; on a connection the server closed while idle, retries once on a new one.
    func send(_ envelope: Envelope) -> DeliveryResult {
        let reused = transfers > 0
        let first = perform(envelope, freshConnection: false)
        if case .failed(let failure) = first, reused, failure.isStaleConnection {
            return perform(envelope, freshConnection: true)
        }
        return first
    }

    private func perform(_ envelope: Envelope, freshConnection: Bool) -> DeliveryResult {
        switch transfer(envelope, freshConnection: freshConnection) {
        case .failure(let failure):
            return .failed(failure)
        case .success(let (code, replies)):
            if code == CURLE_OK {
                return .delivered(reply: replies.last(where: { $0.code != nil })?.line ?? "250")
            }
            return .failed(classify(code, replies: replies, recipients: envelope.recipients))
        }
    }

    /// One transfer: `envelope` sent, or with nil only a NOOP after the greeting, EHLO, TLS and
    /// AUTH. libcurl's code and every reply line of the server, or why it did not start.
    private func transfer(_ envelope: Envelope?, freshConnection: Bool) -> Result<(code: CURLcode, replies: [ReplyLine]), DeliveryFailure> {
        // The envelope becomes MAIL FROM / RCPT TO command lines: no CR, LF or brackets may pass.
        if let envelope {
            for address in [envelope.sender] + envelope.recipients where !Envelope.isSafePath(address) {
                return .failure(DeliveryFailure(kind: .permanent, text: "refused to send: an envelope address contains characters not allowed in SMTP"))
            }
        }
        transfers += 1
        let transfer = TransferState(data: envelope?.data ?? [])
        let context = Unmanaged.passRetained(transfer)
        defer { context.release() }

        var recipients: UnsafeMutablePointer<curl_slist>?
        for recipient in envelope?.recipients ?? [] {
            recipients = curl_slist_append(recipients, "<\(recipient)>")
        }
        // The list is not copied by libcurl: it must stay alive until the transfer ends.
        defer { curl_slist_free_all(recipients) }

        errorBuffer[0] = 0
        // Only what differs per message; the rest was set once in init.
        var setup = itsm_curl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, context.toOpaque())
        if let envelope {
            if setup == CURLE_OK { setup = itsm_curl_easy_setopt_string(handle, CURLOPT_MAIL_FROM, "<\(envelope.sender)>") }
            if setup == CURLE_OK { setup = itsm_curl_easy_setopt_slist(handle, CURLOPT_MAIL_RCPT, recipients) }
            if setup == CURLE_OK { setup = itsm_curl_easy_setopt_off_t(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(envelope.data.count)) }
            if setup == CURLE_OK { setup = itsm_curl_easy_setopt_pointer(handle, CURLOPT_READDATA, context.toOpaque()) }
        } else {
            // No upload and no recipients: libcurl sends the custom command instead of a mail transaction.
            if setup == CURLE_OK { setup = itsm_curl_easy_setopt_long(handle, CURLOPT_UPLOAD, 0) }
            if setup == CURLE_OK { setup = itsm_curl_easy_setopt_string(handle, CURLOPT_CUSTOMREQUEST, "NOOP") }
            // The command's reply is also "body" data: dropped here (libcurl's default prints it).
            if setup == CURLE_OK { setup = itsm_curl_easy_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, discardCallback) }
        }
        if setup == CURLE_OK { setup = itsm_curl_easy_setopt_long(handle, CURLOPT_FRESH_CONNECT, freshConnection ? 1 : 0) }
        guard setup == CURLE_OK else {
            return .failure(DeliveryFailure(kind: .transient, text: "libcurl option rejected: \(String(cString: curl_easy_strerror(setup)))"))
        }

        let code = curl_easy_perform(handle)
        return .success((code, transfer.replies))
    }

    private func classify(_ code: CURLcode, replies: [ReplyLine], recipients: [String]) -> DeliveryFailure {
        let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
        // The server's last error reply decides, when there is one: 5xx permanent, 4xx transient.
        if let reply = replies.last(where: { ($0.code ?? 0) >= 400 }), let smtp = reply.code {
            // Authentication and set-up refusals are about our configuration, not this message:
            // keep the message queued until the operator fixes the credentials. So is a refusing
            // greeting ("554 No SMTP service here", RFC 5321 3.1): the server turns every
            // connection away whatever it would carry, so the message waits for a later attempt.
            let setup = code == CURLE_LOGIN_DENIED || [530, 534, 535, 538].contains(smtp) || isGreeting(reply, in: replies)
            let permanent = smtp >= 500 && !setup
            let refused = permanent ? Self.refusedRecipients(replies, recipients) : []
            return DeliveryFailure(kind: permanent ? .permanent : .transient, smtpCode: smtp, text: reply.line, refusedRecipients: refused)
        }
        return DeliveryFailure(kind: .transient, text: "\(detail) (libcurl \(code.rawValue))", transportCode: Int(code.rawValue))
    }
}

extension CurlSMTPConnection {
    /// Whether `reply` is the server's greeting: the first reply of a transfer that opened a new
    /// connection (a reused one has no greeting, so its first reply answers MAIL FROM).
    fileprivate func isGreeting(_ reply: ReplyLine, in replies: [ReplyLine]) -> Bool {
        var connects = 0
        guard itsm_curl_easy_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK, connects > 0 else { return false }
        guard let first = replies.firstIndex(where: { $0.code != nil }) else { return false }
        // A multi-line greeting ("554-...", "554 ...") is one reply.
        let greeting = replies[first...].prefix { $0.code == replies[first].code }
        return greeting.contains { $0.line == reply.line }
    }
}

/// What one transfer showed, for an operator's check of the server (`SMTPCheck`).
struct SMTPTranscript: Sendable {
    /// libcurl's result code: 0 when the transfer succeeded.
    var code: Int
    /// libcurl's explanation when it failed.
    var error: String?
    /// Every reply line of the server, in order (the last 64).
    var replies: [ReplyLine]
    /// A TCP connection was made.
    var connected: Bool
    /// A TLS session was set up (smtps, or after STARTTLS), its certificate checked.
    var encrypted: Bool
    /// The failure as the outbox would classify it, when the transfer failed.
    var failure: DeliveryFailure?
}

extension CurlSMTPConnection {
    /// Runs one transfer on a new connection, sending `envelope` (or only a NOOP), and keeps what it showed.
    func transcript(sending envelope: Envelope?) -> SMTPTranscript {
        switch transfer(envelope, freshConnection: true) {
        case .failure(let failure):
            return SMTPTranscript(code: -1, error: failure.text, replies: [], connected: false, encrypted: false, failure: failure)
        case .success(let (code, replies)):
            var connectTime = 0.0
            var tlsTime = 0.0
            _ = itsm_curl_easy_getinfo_double(handle, CURLINFO_CONNECT_TIME, &connectTime)
            _ = itsm_curl_easy_getinfo_double(handle, CURLINFO_APPCONNECT_TIME, &tlsTime)
            let failed = code != CURLE_OK
            return SMTPTranscript(
                code: Int(code.rawValue), error: failed ? (errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))) : nil,
                replies: replies, connected: connectTime > 0 || !replies.isEmpty, encrypted: tlsTime > 0,
                failure: failed ? classify(code, replies: replies, recipients: envelope?.recipients ?? []) : nil)
        }
    }
}

extension CurlSMTPConnection {
    /// The recipients a refusal is about: only a mailbox status (enhanced code 5.1.x or 5.2.x, not
    /// the sender's 5.1.7/5.1.8) counts, naming the address, or for a single recipient implied.
    /// Policy, relay, spam or size refusals (5.7.x, 5.3.x, ...) are about the message or about us,
    /// never a reason to suppress an address.
    static func refusedRecipients(_ replies: [ReplyLine], _ recipients: [String]) -> [String] {
        let mailboxRefusals = replies.filter { reply in
            guard let code = reply.code, code >= 500 else { return false }
            let status = reply.line.dropFirst(4)
            let mailbox = status.hasPrefix("5.1.") || status.hasPrefix("5.2.")
            return mailbox && !status.hasPrefix("5.1.7") && !status.hasPrefix("5.1.8")
        }
        guard !mailboxRefusals.isEmpty else { return [] }
        let named = recipients.filter { recipient in
            mailboxRefusals.contains { $0.line.localizedCaseInsensitiveContains("<\(recipient)>") }
        }
        if !named.isEmpty { return named }
        return recipients.count == 1 ? recipients : []
    }
}

/// One reply line from the server, with its code when it has one.
struct ReplyLine: Sendable {
    var line: String
    var code: Int? {
        let digits = line.prefix(3)
        guard digits.count == 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }
}

/// State a transfer's C callbacks reach through their userdata pointer.
private final class TransferState {
    let data: [UInt8]
    var offset = 0
    var replies: [ReplyLine] = []

    init(data: [UInt8]) { self.data = data }
}

extension DeliveryFailure {
    /// A failure that a new connection might not have: the server closed the idle one (421 or a reset).
    var isStaleConnection: Bool {
        if smtpCode == 421 { return true }
        guard smtpCode == nil, let code = transportCode else { return false }
        // Send error, receive error, or an empty reply: what a closed idle connection looks like.
        return [Int(CURLE_SEND_ERROR.rawValue), Int(CURLE_RECV_ERROR.rawValue), Int(CURLE_GOT_NOTHING.rawValue)].contains(code)
    }
}

// C callbacks: no captures; the state comes through userdata.
private let readCallback: itsm_curl_data_callback = { buffer, size, count, userdata in
    guard let buffer, let userdata else { return 0 }
    let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
    let room = size * count
    let remaining = state.data.count - state.offset
    let n = min(room, remaining)
    guard n > 0 else { return 0 }
    state.data.withUnsafeBufferPointer { source in
        guard let base = source.baseAddress else { return }
        UnsafeMutableRawPointer(buffer).copyMemory(from: base + state.offset, byteCount: n)
    }
    state.offset += n
    return n
}

private let discardCallback: itsm_curl_data_callback = { _, size, count, _ in size * count }

private let headerCallback: itsm_curl_data_callback = { buffer, size, count, userdata in
    let length = size * count
    guard let buffer, let userdata else { return length }
    let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
    // Trim the line end on the bytes: this runs for every reply, so no Foundation string work.
    var end = length
    while end > 0, [0x0D, 0x0A, 0x20].contains(UInt8(bitPattern: buffer[end - 1])) { end -= 1 }
    if end > 0 {
        let line = String(decoding: UnsafeRawBufferPointer(start: buffer, count: end), as: UTF8.self)
        state.replies.append(ReplyLine(line: line))
        if state.replies.count > 64 { state.replies.removeFirst(state.replies.count - 64) }
    }
    return length
}
