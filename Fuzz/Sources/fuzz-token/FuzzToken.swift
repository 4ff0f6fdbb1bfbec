import Domain
import FuzzSupport

// LinkTokenSigner must never accept a token it did not issue. Each input picks a real token
// (action, subscription id, expiry; and for a version 2 token its issue time) and either mutates it, replaces it with random text, appends
// to it, or signs it with another key (a rotated ITSM_SECRET_KEY). Whatever verify accepts must be
// exactly the token the signer issues for the fields it returned; the other key's token never
// passes. The untouched token passes before its expiry, is expired at and after it, and is
// refused for the other action.

private let signer = try! LinkTokenSigner(secretKey: "fuzz-link-signing-key-one-0123456789abcdef")
private let rotated = try! LinkTokenSigner(secretKey: "fuzz-link-signing-key-two-0123456789abcdef")
private let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

@main
enum FuzzTokenMain {
    static func main() { runFuzzer { data, count in data.map { fuzzToken($0, count) } ?? 0 } }
}

func fuzzToken(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    var input = FuzzInput(data, count)
    let flags = input.number()
    let subscriptionID = Int64(bitPattern: input.number())
    let expirySeconds = Int64(truncatingIfNeeded: input.number() % 9_000_000_000_000)
    let nowSeconds = Int64(truncatingIfNeeded: input.number() % 9_000_000_000_000)
    let edits = input.bytes()
    let action: LinkAction = flags & 1 == 0 ? .confirm : .unsubscribe
    let expiresAt = flags & 2 == 0 ? nil : Instant(secondsSinceEpoch: expirySeconds)
    // Bit 4 asks for a version 2 token; the bits above it are its issue time, in microseconds.
    let issuedAt = flags & 16 == 0 ? nil : Instant(microsecondsSinceEpoch: Int64(truncatingIfNeeded: flags >> 5))
    let now = Instant(secondsSinceEpoch: nowSeconds)
    let original = signer.token(action: action, subscriptionID: subscriptionID, expiresAt: expiresAt, issuedAt: issuedAt)

    checkOriginal(original, action: action, subscriptionID: subscriptionID, expiresAt: expiresAt, issuedAt: issuedAt, now: now)

    let candidate: String
    switch (flags >> 2) % 4 {
    case 0: candidate = String(decoding: edits, as: UTF8.self)
    case 1: candidate = mutate(original, edits)
    case 2:
        let other = rotated.token(action: action, subscriptionID: subscriptionID, expiresAt: expiresAt, issuedAt: issuedAt)
        for expecting in LinkAction.allCases {
            if let link = try? signer.verifiedLink(other, expecting: expecting, now: now) {
                finding("a token signed with another key was accepted: \(other) -> \(link)")
            }
        }
        candidate = mutate(other, edits)
    default: candidate = original + String(decoding: edits, as: UTF8.self)
    }
    for expecting in LinkAction.allCases {
        guard let link = try? signer.verifiedLink(candidate, expecting: expecting, now: now) else { continue }
        let issued = signer.token(action: expecting, subscriptionID: link.subscriptionID, expiresAt: link.expiresAt, issuedAt: link.issuedAt)
        guard candidate == issued else {
            finding("accepted \(candidate.debugDescription) as \(link), which the signer writes as \(issued)")
        }
    }
    return 0
}

private func checkOriginal(_ token: String, action: LinkAction, subscriptionID: Int64, expiresAt: Instant?, issuedAt: Instant?, now: Instant) {
    let other: LinkAction = action == .confirm ? .unsubscribe : .confirm
    do throws(LinkTokenError) {
        _ = try signer.verify(token, expecting: other, now: now)
        finding("\(token) was accepted for the other action")
    } catch {
        // Expected: refused.
    }
    let stillValid = expiresAt.map { now.secondsSinceEpoch < max($0.secondsSinceEpoch, 1) } ?? true
    do throws(LinkTokenError) {
        let link = try signer.verifiedLink(token, expecting: action, now: now)
        guard stillValid else { finding("\(token) was accepted at \(now), after its expiry \(String(describing: expiresAt))") }
        guard link.subscriptionID == subscriptionID else { finding("\(token) verified as subscription \(link.subscriptionID), issued for \(subscriptionID)") }
        guard link.issuedAt == issuedAt else { finding("\(token) gave the issue time \(String(describing: link.issuedAt)), issued with \(String(describing: issuedAt))") }
    } catch {
        guard case .expired = error, !stillValid else { finding("an issued token \(token) was refused at \(now): \(error)") }
    }
}

/// Edits from pairs of bytes: replace, insert or delete a character, or swap a letter's case.
private func mutate(_ token: String, _ edits: [UInt8]) -> String {
    var characters = Array(token.utf8)
    var index = 0
    while index + 1 < edits.count {
        let op = edits[index], value = edits[index + 1]
        index += 2
        let position = characters.isEmpty ? 0 : Int(op >> 2) % characters.count
        switch op % 4 {
        case 0 where !characters.isEmpty: characters[position] = alphabet[Int(value) % alphabet.count]
        case 1: characters.insert(alphabet[Int(value) % alphabet.count], at: min(position, characters.count))
        case 2 where !characters.isEmpty: characters.remove(at: position)
        case 3 where !characters.isEmpty: characters[position] ^= 0x20
        default: break
        }
    }
    return String(decoding: characters, as: UTF8.self)
}
