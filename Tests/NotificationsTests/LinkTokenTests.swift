import Domain
import Foundation
import Notifications
import Testing

/// A fixed 32-byte key, so the golden tokens below stay the same.
private let key = "0123456789abcdef0123456789abcdef"

/// 2026-03-02T09:00:00Z.
private let monday = Instant(secondsSinceEpoch: 1_772_442_000)
/// Monday + 72 h: 2026-03-05T09:00:00Z = 1_772_701_200 s = 0x69A94610.
private let confirmExpiry = monday + .hours(72)

/// Unsubscribe, subscription 42, no expiry, signed with `key`.
private let goldenUnsubscribe = "AQIAAAAAAAAAKgAAAAAAAAAASHwdGH01iV9xwrga9aYpRIyTkMbhY31wPwnIkeAFZsQ"
/// Confirm, subscription 42, expiring at `confirmExpiry`, signed with `key`.
private let goldenConfirm = "AQEAAAAAAAAAKgAAAABpqUYQYAqdcg5LB9iA_fPuStvAlRRBR3YkqeydZuMpu-H3ifA"
/// Version 2: confirm, subscription 42, expiring at `confirmExpiry`, issued at `monday`, signed with
/// `key`; the HMAC computed apart with Python's hmac and hashlib.
private let goldenConfirmV2 = "AgEAAAAAAAAAKgAAAABpqUYQAAZMBs_LhAD84NJ6ICgUCb5yYmYz-SUeaSoKHa5UNQo6u20BU3DY0g"

private let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

private func makeSigner(_ secret: String = key) throws -> LinkTokenSigner {
    try LinkTokenSigner(secretKey: secret)
}

/// base64url without padding to bytes, written out here independently of the signer.
private func bytes(ofBase64URL text: String) throws -> [UInt8] {
    var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
    return [UInt8](try #require(Data(base64Encoded: standard)))
}

private func base64URL(_ bytes: [UInt8]) -> String {
    Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

/// The error `verify` throws, or nil if it accepted the token.
private func rejection(_ token: String, _ action: LinkAction, now: Instant = monday, signer: LinkTokenSigner) -> LinkTokenError? {
    do {
        _ = try signer.verify(token, expecting: action, now: now)
        return nil
    } catch {
        return error
    }
}

@Suite("LinkToken: signed confirm and unsubscribe links")
struct LinkTokenTests {
    // MARK: Expired but genuine

    @Test("signedLink gives an expired token's fields with isExpired, while verify refuses it; a tampered one is refused by both")
    func signedLinkAfterExpiry() throws {
        let signer = try makeSigner()
        let before = try signer.signedLink(goldenConfirm, expecting: .confirm, now: confirmExpiry - .seconds(1))
        #expect(before.subscriptionID == 42 && before.expiresAt == confirmExpiry && !before.isExpired)
        let after = try signer.signedLink(goldenConfirm, expecting: .confirm, now: confirmExpiry)
        #expect(after.subscriptionID == 42 && after.expiresAt == confirmExpiry && after.isExpired)
        #expect(rejection(goldenConfirm, .confirm, now: confirmExpiry, signer: signer) == .expired(at: confirmExpiry))

        // The last HMAC byte changed (its character's low bits are unused, so change the one before).
        var characters = Array(goldenConfirm)
        characters[characters.count - 2] = characters[characters.count - 2] == "f" ? "g" : "f"
        let tampered = String(characters)
        #expect(throws: LinkTokenError.badSignature) { try signer.signedLink(tampered, expecting: .confirm, now: confirmExpiry) }
        #expect(throws: LinkTokenError.wrongAction(expected: .unsubscribe, found: .confirm)) {
            try signer.signedLink(goldenConfirm, expecting: .unsubscribe, now: confirmExpiry)
        }
        #expect(throws: LinkTokenError.badSignature) {
            try makeSigner(String(repeating: "r", count: 32)).signedLink(goldenConfirm, expecting: .confirm, now: confirmExpiry)
        }
    }

    // MARK: Golden values

    @Test("golden: key, id 42, unsubscribe, no expiry gives a fixed token whose payload is 01 02 | 00..2A | 00..00")
    func goldenUnsubscribeToken() throws {
        let token = try makeSigner().token(action: .unsubscribe, subscriptionID: 42, expiresAt: nil)
        #expect(token == goldenUnsubscribe)
        #expect(token.count == 67)  // 50 bytes: 16 groups of 3 bytes (64 chars) + 2 bytes (3 chars), no padding.
        // 18 payload bytes are exactly 24 characters; by hand, in groups of three bytes:
        // (01 02 00) "AQIA", (00 00 00) "AAAA", (00 00 00) "AAAA", (2A 00 00) "KgAA", (00 00 00) "AAAA" x 2.
        #expect(token.prefix(24) == "AQIAAAAAAAAAKgAAAAAAAAAA")
        let decoded = try bytes(ofBase64URL: token)
        #expect(decoded.count == 50)
        #expect(Array(decoded.prefix(18)) == [0x01, 0x02, 0, 0, 0, 0, 0, 0, 0, 0x2A, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(try makeSigner().verify(token, expecting: .unsubscribe, now: monday) == 42)
    }

    @Test("golden: a confirm token carries its expiry in seconds, big-endian")
    func goldenConfirmToken() throws {
        let token = try makeSigner().token(action: .confirm, subscriptionID: 42, expiresAt: confirmExpiry)
        #expect(token == goldenConfirm)
        let decoded = try bytes(ofBase64URL: token)
        #expect(Array(decoded.prefix(18)) == [0x01, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x2A, 0, 0, 0, 0, 0x69, 0xA9, 0x46, 0x10])
    }

    @Test("golden: a version 2 confirm token adds its issue time in microseconds, big-endian, and gives it back")
    func goldenConfirmV2Token() throws {
        let signer = try makeSigner()
        let token = signer.token(action: .confirm, subscriptionID: 42, expiresAt: confirmExpiry, issuedAt: monday)
        #expect(token == goldenConfirmV2)
        #expect(token.count == 78)  // 58 bytes: 19 groups of 3 bytes (76 chars) + 1 byte (2 chars), no padding.
        let decoded = try bytes(ofBase64URL: token)
        #expect(decoded.count == 58)
        // Monday is 1,772,442,000,000,000 µs = 0x00064C06CFCB8400.
        #expect(Array(decoded.prefix(26)) == [
            0x02, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x2A, 0, 0, 0, 0, 0x69, 0xA9, 0x46, 0x10,
            0x00, 0x06, 0x4C, 0x06, 0xCF, 0xCB, 0x84, 0x00,
        ])
        let link = try signer.verifiedLink(token, expecting: .confirm, now: monday)
        #expect(link.subscriptionID == 42 && link.expiresAt == confirmExpiry && link.issuedAt == monday && !link.isExpired)
        // Version 1 carries no issue time; it still verifies.
        #expect(try signer.verifiedLink(goldenConfirm, expecting: .confirm, now: monday).issuedAt == nil)
        // The issue time keeps its microseconds, and any instant round-trips.
        for issued in [monday + .microseconds(1), Instant(microsecondsSinceEpoch: 0), Instant(microsecondsSinceEpoch: -1)] {
            let other = signer.token(action: .confirm, subscriptionID: 42, expiresAt: confirmExpiry, issuedAt: issued)
            #expect(try signer.verifiedLink(other, expecting: .confirm, now: monday).issuedAt == issued)
        }
    }

    // MARK: Round trips

    @Test("a token verifies for its own action and gives back the subscription id", arguments: LinkAction.allCases, [Int64(1), 42, 1_000_000_007, Int64.max])
    func roundTrip(_ action: LinkAction, _ id: Int64) throws {
        let signer = try makeSigner()
        let expiry: Instant? = action == .confirm ? monday + LinkTokenSigner.defaultConfirmLifetime : nil
        let token = signer.token(action: action, subscriptionID: id, expiresAt: expiry)
        #expect(try signer.verify(token, expecting: action, now: monday) == id)
    }

    @Test("an unsubscribe token without expiry still works in the year 9999")
    func unsubscribeNeverExpires() throws {
        let signer = try makeSigner()
        let farFuture = Instant(secondsSinceEpoch: 253_402_300_799)  // 9999-12-31T23:59:59Z
        #expect(try signer.verify(goldenUnsubscribe, expecting: .unsubscribe, now: farFuture) == 42)
    }

    // MARK: Expiry

    /// The rule: valid strictly before the expiry instant; at it, and after, expired.
    @Test("a confirm token is valid 1 µs before its expiry and expired at it and after")
    func expiryBoundary() throws {
        let signer = try makeSigner()
        let justBefore = Instant(microsecondsSinceEpoch: confirmExpiry.microsecondsSinceEpoch - 1)
        #expect(try signer.verify(goldenConfirm, expecting: .confirm, now: justBefore) == 42)
        #expect(rejection(goldenConfirm, .confirm, now: confirmExpiry, signer: signer) == .expired(at: confirmExpiry))
        #expect(rejection(goldenConfirm, .confirm, now: confirmExpiry + .seconds(1), signer: signer) == .expired(at: confirmExpiry))
        #expect(rejection(goldenConfirm, .confirm, now: confirmExpiry + .days(365), signer: signer) == .expired(at: confirmExpiry))
    }

    @Test("an expiry inside a second is rounded down: the link never lives longer than asked")
    func expiryRoundsDown() throws {
        let signer = try makeSigner()
        let asked = confirmExpiry + .milliseconds(999)
        let token = signer.token(action: .confirm, subscriptionID: 7, expiresAt: asked)
        #expect(token == signer.token(action: .confirm, subscriptionID: 7, expiresAt: confirmExpiry))
        #expect(rejection(token, .confirm, now: confirmExpiry, signer: signer) == .expired(at: confirmExpiry))
    }

    @Test("an expiry at the epoch is not mistaken for 'never': it is written as 1 s and long past")
    func epochExpiry() throws {
        let signer = try makeSigner()
        let token = signer.token(action: .confirm, subscriptionID: 7, expiresAt: Instant(microsecondsSinceEpoch: 0))
        #expect(rejection(token, .confirm, signer: signer) == .expired(at: Instant(secondsSinceEpoch: 1)))
        let beforeEpoch = signer.token(action: .confirm, subscriptionID: 7, expiresAt: Instant(secondsSinceEpoch: -5))
        #expect(rejection(beforeEpoch, .confirm, signer: signer) == .expired(at: Instant(secondsSinceEpoch: 1)))
    }

    // MARK: Tampering

    @Test("every change of any single byte is rejected: the version byte as unknown (or, made the other known version, as the wrong length), any other as a bad signature", arguments: [(goldenConfirm, 50), (goldenConfirmV2, 58)])
    func everyByteTamper(_ golden: String, _ length: Int) throws {
        let signer = try makeSigner()
        let original = try bytes(ofBase64URL: golden)
        var checked = 0
        for position in original.indices {
            for flip in UInt8(1)...UInt8(255) {
                var tampered = original
                tampered[position] ^= flip
                let version = original[0] ^ flip
                let expected: LinkTokenError = position != 0 ? .badSignature : [1, 2].contains(version) ? .malformed : .unsupportedVersion(version)
                let got = rejection(base64URL(tampered), .confirm, now: monday, signer: signer)
                if got != expected { Issue.record("byte \(position) ^ \(flip): \(String(describing: got))") }
                checked += 1
            }
        }
        #expect(checked == length * 255)
    }

    @Test("a version 2 token's first 50 bytes relabelled as version 1 are a bad signature: the HMAC covers the version byte")
    func relabelledVersion() throws {
        var relabelled = Array(try bytes(ofBase64URL: goldenConfirmV2).prefix(50))
        relabelled[0] = 1
        #expect(rejection(base64URL(relabelled), .confirm, signer: try makeSigner()) == .badSignature)
    }

    @Test("every change of any single character is rejected")
    func everyCharacterTamper() throws {
        let signer = try makeSigner()
        let original = Array(goldenUnsubscribe)
        var checked = 0
        for position in original.indices {
            for replacement in alphabet where replacement != original[position] {
                var tampered = original
                tampered[position] = replacement
                if rejection(String(tampered), .unsubscribe, signer: signer) == nil {
                    Issue.record("character \(position) -> \(replacement) was accepted")
                }
                checked += 1
            }
        }
        #expect(checked == 67 * 63)
    }

    @Test("a token cut short at any length is malformed")
    func truncated() throws {
        let signer = try makeSigner()
        for golden in [goldenConfirm, goldenConfirmV2] {
            for length in 0..<golden.count {
                let cut = String(golden.prefix(length))
                #expect(rejection(cut, .confirm, signer: signer) == .malformed, "length \(length)")
            }
        }
    }

    @Test("a token with anything appended is malformed", arguments: ["A", "AA", "AAA", "AAAA", "=", "==", " ", "\n", "&x=1"])
    func appended(_ suffix: String) throws {
        #expect(rejection(goldenUnsubscribe + suffix, .unsubscribe, signer: try makeSigner()) == .malformed)
    }

    @Test("garbage, empty, non-alphabet and over-long input is malformed", arguments: [
        "", "not a token", "%%%%", "AQIA AAAA", "üüüü", " " + goldenUnsubscribe,
        goldenConfirm.replacingOccurrences(of: "_", with: "/"),  // standard base64 alphabet
        goldenConfirm.replacingOccurrences(of: "-", with: "+"),
        String(repeating: "A", count: 201),
        goldenUnsubscribe + String(repeating: "A", count: 134),  // 201 characters
        String(repeating: "A", count: 100_000),
    ])
    func garbage(_ input: String) throws {
        #expect(rejection(input, .unsubscribe, signer: try makeSigner()) == .malformed)
    }

    @Test("200 characters of the alphabet pass the length cap but not the version check")
    func atTheCap() throws {
        #expect(rejection(String(repeating: "A", count: 200), .unsubscribe, signer: try makeSigner()) == .unsupportedVersion(0))
    }

    @Test("a changed version byte is an unsupported version, or a wrong length for the other known one")
    func versionChanged() throws {
        var tampered = try bytes(ofBase64URL: goldenUnsubscribe)
        tampered[0] = 3
        #expect(rejection(base64URL(tampered), .unsubscribe, signer: try makeSigner()) == .unsupportedVersion(3))
        tampered[0] = 2
        #expect(rejection(base64URL(tampered), .unsubscribe, signer: try makeSigner()) == .malformed)
    }

    // MARK: Action and key

    @Test("a token for one action is refused by the other")
    func wrongAction() throws {
        let signer = try makeSigner()
        #expect(rejection(goldenConfirm, .unsubscribe, signer: signer) == .wrongAction(expected: .unsubscribe, found: .confirm))
        #expect(rejection(goldenUnsubscribe, .confirm, signer: signer) == .wrongAction(expected: .confirm, found: .unsubscribe))
    }

    @Test("a token signed with another key is a bad signature, so rotating the key invalidates old links")
    func otherKey() throws {
        let rotated = try makeSigner("fedcba9876543210fedcba9876543210")
        #expect(rejection(goldenUnsubscribe, .unsubscribe, signer: rotated) == .badSignature)
        #expect(rejection(goldenConfirm, .confirm, signer: rotated) == .badSignature)
        // A key differing only in its last byte is just as foreign.
        let nearly = try makeSigner("0123456789abcdef0123456789abcdeF")
        #expect(rejection(goldenUnsubscribe, .unsubscribe, signer: nearly) == .badSignature)
    }

    @Test("a key under 32 bytes is refused; 32 bytes, counted in UTF-8, are enough")
    func keyLength() throws {
        #expect(throws: LinkTokenKeyError.tooShort(byteCount: 31)) { try LinkTokenSigner(secretKey: String(repeating: "k", count: 31)) }
        #expect(throws: LinkTokenKeyError.tooShort(byteCount: 0)) { try LinkTokenSigner(secretKey: "") }
        _ = try LinkTokenSigner(secretKey: String(repeating: "k", count: 32))
        _ = try LinkTokenSigner(secretKey: String(repeating: "ü", count: 16))
        #expect(
            LinkTokenKeyError.tooShort(byteCount: 31).description
                == "the link-signing key (ITSM_SECRET_KEY) has 31 bytes; it needs at least 32"
        )
    }

    // MARK: Form

    @Test("tokens use only URL-safe characters and are 67 long, 78 with an issue time", arguments: LinkAction.allCases)
    func urlSafe(_ action: LinkAction) throws {
        let signer = try makeSigner()
        let allowed = Set(alphabet)
        for id in [Int64(0), 1, 42, 255, 65_535, 1 << 40, Int64.max, -1] {
            for expiry in [nil, monday, confirmExpiry] as [Instant?] {
                let token = signer.token(action: action, subscriptionID: id, expiresAt: expiry)
                #expect(token.count == 67)
                #expect(token.allSatisfy(allowed.contains), "\(token)")
                let issued = signer.token(action: action, subscriptionID: id, expiresAt: expiry, issuedAt: monday)
                #expect(issued.count == 78)
                #expect(issued.allSatisfy(allowed.contains), "\(issued)")
            }
        }
    }

    @Test("the messages are for people: expired, or not valid")
    func messages() {
        #expect(LinkTokenError.expired(at: monday).description == "This link has expired")
        for error in [LinkTokenError.malformed, .unsupportedVersion(9), .badSignature, .wrongAction(expected: .confirm, found: .unsubscribe)] {
            #expect(error.description == "This link is not valid")
        }
    }
}
