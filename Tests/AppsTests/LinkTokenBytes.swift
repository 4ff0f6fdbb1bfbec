import Foundation

/// The expiry a link token carries, in seconds since the epoch, read from its bytes apart from the
/// signer: bytes 10..<18, big-endian, of a version 1 token (50 bytes) or a version 2 one (58 bytes,
/// which adds the issue time after them). Nil for anything else.
func linkTokenExpiry(_ token: String) -> Int64? {
    var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
    guard let data = Data(base64Encoded: base64), let version = data.first, [1: 50, 2: 58][version] == data.count else { return nil }
    return data[10..<18].reduce(Int64(0)) { $0 << 8 | Int64($1) }
}
