import Notifications
import Testing

@Suite("libcurl runtime")
struct LibcurlTests {
    @Test("the linked libcurl initialises and can send mail over smtp:// and smtps://")
    func smtpSupported() throws {
        try Libcurl.initialise()
        try Libcurl.initialise()  // idempotent
        let info = Libcurl.versionInfo
        #expect(info.version.hasPrefix("7.") || info.version.hasPrefix("8."))
        #expect(info.protocols.contains("smtp"))
        #expect(info.protocols.contains("smtps"))
        #expect(Libcurl.supportsSMTP)
        // The OpenSSL flavour (libcurl4-openssl-dev), as the transport's STARTTLS options assume.
        #expect(info.ssl?.contains("OpenSSL") == true)
    }
}
