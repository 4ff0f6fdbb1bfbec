import Crypto
import Domain
import Foundation

/// What a signed link lets its holder do; the byte is part of the signed payload.
public enum LinkAction: UInt8, CaseIterable, Hashable, Sendable {
    case confirm = 1
    case unsubscribe = 2
}

/// Why a link token was refused. Every case says to a person only what they can act on.
public enum LinkTokenError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Not a token of ours: wrong length, wrong characters, or not canonical base64url.
    case malformed
    /// A token format this build does not know (the first byte).
    case unsupportedVersion(UInt8)
    /// The signature does not match: tampered, or signed with another (e.g. rotated) key.
    case badSignature
    /// A valid token for another action, e.g. an unsubscribe token sent to the confirm page.
    case wrongAction(expected: LinkAction, found: LinkAction)
    /// A valid token whose time is up.
    case expired(at: Instant)

    public var description: String {
        switch self {
        case .expired: "This link has expired"
        case .malformed, .unsupportedVersion, .badSignature, .wrongAction: "This link is not valid"
        }
    }
}

/// The signing key was refused.
public enum LinkTokenKeyError: Error, Hashable, Sendable, CustomStringConvertible {
    case tooShort(byteCount: Int)

    public var description: String {
        switch self {
        case let .tooShort(byteCount):
            "the link-signing key (ITSM_SECRET_KEY) has \(byteCount) bytes; it needs at least \(LinkTokenSigner.minimumKeyBytes)"
        }
    }
}

/// What an intact token says: signed by us, for the expected action.
public struct VerifiedLink: Hashable, Sendable {
    public var subscriptionID: Int64
    public var expiresAt: Instant?
    /// When the link was made, to the microsecond: version 2 tokens carry it, version 1 tokens do not.
    public var issuedAt: Instant?
    /// Whether its expiry had passed at the `now` it was checked at (only `signedLink` returns such a link).
    public var isExpired: Bool
}

/// Signs and checks the tokens in confirm and unsubscribe links.
///
/// A token is base64url (no padding) of a payload, then the payload's full HMAC-SHA256. Version 1
/// (50 bytes, 67 characters; unsubscribe links) and version 2 (58 bytes, 78 characters; confirm
/// links) differ in the issue time that version 2 adds:
///
///     1 | action (1) | subscription id (8, big-endian) | expiry (8, big-endian) | HMAC (32)
///     2 | action (1) | subscription id (8, big-endian) | expiry (8, big-endian) | issued (8, big-endian) | HMAC (32)
///
/// The expiry is whole seconds since the epoch, 0 for never. A token is valid strictly before its
/// expiry: at the expiry second itself it has expired. The issue time is microseconds since the
/// epoch: it tells a confirm link made before the subscription's latest subscribe from a newer one,
/// whatever link lifetime the program that made it was configured with. Both versions verify.
public struct LinkTokenSigner: Sendable {
    public static let minimumKeyBytes = 32
    /// How long a confirm link works unless configured otherwise.
    public static let defaultConfirmLifetime: Duration = .hours(72)
    /// Longer input is refused before decoding; a version 1 token has 67 characters, a version 2 one 78.
    public static let maximumTokenLength = 200

    /// Payload bytes by version.
    static let payloadLengths: [UInt8: Int] = [1: 18, 2: 26]
    static let macLength = 32
    /// Tells this key's purpose apart from any other use of the same secret.
    static let keyContext = "itsm-link-token-v1"

    private let key: SymmetricKey

    /// A signer keyed by `secretKey` (at least 32 bytes of UTF-8), which never signs directly:
    /// the HMAC key is SHA-256 of "itsm-link-token-v1" followed by the key's bytes.
    public init(secretKey: String) throws(LinkTokenKeyError) {
        let bytes = Array(secretKey.utf8)
        guard bytes.count >= Self.minimumKeyBytes else { throw .tooShort(byteCount: bytes.count) }
        self.key = SymmetricKey(data: SHA256.hash(data: Array(Self.keyContext.utf8) + bytes))
    }

    /// A token for `action` on `subscriptionID`, valid until `expiresAt` (nil: for ever); with
    /// `issuedAt`, a version 2 token that carries it, else a version 1 token.
    ///
    /// The expiry is rounded down to the second, so a link never lives longer than asked; one at or
    /// before 1970-01-01T00:00:01Z is written as 1 (long expired), since 0 means "never".
    public func token(action: LinkAction, subscriptionID: Int64, expiresAt: Instant?, issuedAt: Instant? = nil) -> String {
        var payload: [UInt8] = [issuedAt == nil ? 1 : 2, action.rawValue]
        payload.append(contentsOf: Self.bigEndianBytes(UInt64(bitPattern: subscriptionID)))
        let expiry: UInt64 = expiresAt.map { UInt64(max($0.secondsSinceEpoch, 1)) } ?? 0
        payload.append(contentsOf: Self.bigEndianBytes(expiry))
        if let issuedAt { payload.append(contentsOf: Self.bigEndianBytes(UInt64(bitPattern: issuedAt.microsecondsSinceEpoch))) }
        let mac = HMAC<SHA256>.authenticationCode(for: payload, using: key)
        return Base64URL.encode(payload + Array(mac))
    }

    /// The subscription id `token` was signed for, if it is intact, made for `action` and not expired at `now`.
    ///
    /// The shape is checked before any cryptography; the signature is compared in constant time.
    public func verify(_ token: String, expecting action: LinkAction, now: Instant) throws(LinkTokenError) -> Int64 {
        try verifiedLink(token, expecting: action, now: now).subscriptionID
    }

    /// As `verify`, with the expiry the token carries (nil: it never expires).
    public func verifiedLink(_ token: String, expecting action: LinkAction, now: Instant) throws(LinkTokenError) -> VerifiedLink {
        let link = try signedLink(token, expecting: action, now: now)
        if link.isExpired, let expiresAt = link.expiresAt { throw .expired(at: expiresAt) }
        return link
    }

    /// The fields of an intact token made for `action`, expired or not (`isExpired` says which):
    /// for a page that answers a used link the same after its expiry. Every other check is `verify`'s.
    public func signedLink(_ token: String, expecting action: LinkAction, now: Instant) throws(LinkTokenError) -> VerifiedLink {
        guard token.utf8.count <= Self.maximumTokenLength, let bytes = Base64URL.decode(token), !bytes.isEmpty else {
            throw .malformed
        }
        guard let payloadLength = Self.payloadLengths[bytes[0]] else { throw .unsupportedVersion(bytes[0]) }
        guard bytes.count == payloadLength + Self.macLength else { throw .malformed }
        let payload = Array(bytes[..<payloadLength])
        let mac = Array(bytes[payloadLength...])
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: payload, using: key) else {
            throw .badSignature
        }
        // Signed by us from here on: the fields are what we wrote.
        guard let found = LinkAction(rawValue: payload[1]) else { throw .malformed }
        guard found == action else { throw .wrongAction(expected: action, found: found) }
        let subscriptionID = Int64(bitPattern: Self.uint64(payload.dropFirst(2).prefix(8)))
        let expiry = Self.uint64(payload.dropFirst(10).prefix(8))
        var expiresAt: Instant?
        if expiry != 0, let seconds = Int64(exactly: expiry) {
            let (micros, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
            if !overflow { expiresAt = Instant(microsecondsSinceEpoch: micros) }
        }
        // Version 2 only: the 8 bytes after the expiry.
        let issuedAt = bytes[0] == 2 ? Instant(microsecondsSinceEpoch: Int64(bitPattern: Self.uint64(payload.dropFirst(18).prefix(8)))) : nil
        let isExpired = expiresAt.map { now >= $0 } ?? false
        return VerifiedLink(subscriptionID: subscriptionID, expiresAt: expiresAt, issuedAt: issuedAt, isExpired: isExpired)
    }

    private static func bigEndianBytes(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
    }

    private static func uint64(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }
}

/// RFC 4648 section 5 base64url without padding; decoding accepts only the canonical form,
/// so no two token strings carry the same bytes.
enum Base64URL {
    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) -> [UInt8]? {
        guard text.utf8.allSatisfy(isAlphabet), text.utf8.count % 4 != 1 else { return nil }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: standard) else { return nil }
        let bytes = [UInt8](data)
        // Unused low bits in the last character must be zero: re-encoding must give the input back.
        guard encode(bytes) == text else { return nil }
        return bytes
    }

    private static func isAlphabet(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }
}
