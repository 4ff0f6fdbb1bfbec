import Domain
import FuzzSupport
import MIME

// Any text into EmailAddress(parsing:): it never crashes; an accepted address re-parses to itself,
// keeps RFC 5321's limits (local part 64, domain 255, labels 63, address 254 octets), has an ASCII
// lower-case domain, and is one the mail encoder accepts as a recipient (MailAddress), since every
// stored subscriber address ends up in a To header.

@main
enum FuzzAddressMain {
    static func main() { runFuzzer { data, count in data.map { fuzzAddress($0, count) } ?? 0 } }
}

func fuzzAddress(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: data, count: count), as: UTF8.self)
    let address: EmailAddress
    do throws(DomainError) {
        address = try EmailAddress(parsing: text)
    } catch {
        return 0
    }
    let written = address.address
    guard address.localPart.utf8.count <= 64, address.domain.utf8.count <= 255, written.utf8.count <= 254 else {
        finding("\(written.debugDescription) is over an RFC 5321 limit")
    }
    guard address.domain.unicodeScalars.allSatisfy(\.isASCII), address.domain == address.domain.lowercased() else {
        finding("domain \(address.domain.debugDescription) is not lower-case ASCII")
    }
    for label in address.domain.split(separator: ".", omittingEmptySubsequences: false) where label.isEmpty || label.utf8.count > 63 {
        finding("domain \(address.domain.debugDescription) has a label of \(label.utf8.count) octets")
    }
    do throws(DomainError) {
        let again = try EmailAddress(parsing: written)
        guard again == address else { finding("\(written.debugDescription) re-parses to \(again.address.debugDescription)") }
    } catch {
        finding("\(written.debugDescription) (from \(text.debugDescription)) is refused when parsed again: \(error)")
    }
    do throws(MIMEError) {
        _ = try MailAddress(written)
    } catch {
        finding("\(written.debugDescription) is accepted as a subscriber but refused by the mail encoder: \(error)")
    }
    return 0
}
