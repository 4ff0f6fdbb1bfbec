import Foundation
import FuzzSupport

// Any request body, decoded as the link pages decode it (URLEncodedForm.decode, behind
// FormBody.parseURLEncoded): it never crashes; a decoded form has at most one field per
// '&'-separated pair, and encoding its fields again and decoding gives the same fields.

@main
enum FuzzFormMain {
    static func main() { runFuzzer { data, count in data.map { fuzzForm($0, count) } ?? 0 } }
}

func fuzzForm(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: data, count: count), as: UTF8.self)
    guard let fields = URLEncodedForm.decode(text) else { return 0 }
    let pairs = text.split(separator: "&", omittingEmptySubsequences: true).count
    guard fields.count <= pairs else { finding("\(fields.count) fields from \(pairs) pairs") }
    let encoded = fields.sorted { $0.key < $1.key }.map { escape($0.key) + "=" + escape($0.value) }.joined(separator: "&")
    guard let again = URLEncodedForm.decode(encoded) else { finding("re-encoded form \(encoded.debugDescription) is refused") }
    guard again == fields else { finding("\(encoded.debugDescription) decodes to \(again), expected \(fields)") }
    return 0
}

/// Every octet but unreserved ones as %XX, so the re-encoding is unambiguous.
private func escape(_ text: String) -> String {
    var result = ""
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            result.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            result += "%" + String(byte >> 4, radix: 16) + String(byte & 0x0F, radix: 16)
        }
    }
    return result
}
