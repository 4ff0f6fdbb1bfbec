import CCurlShim

/// The process-wide libcurl: initialised once, before any transfer thread starts.
public enum Libcurl {
    private static let initialisation: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    /// Initialises libcurl (idempotent). Call from the main thread at start-up.
    public static func initialise() throws(LibcurlError) {
        let code = initialisation
        guard code == CURLE_OK else { throw LibcurlError(code: Int(code.rawValue), message: String(cString: curl_easy_strerror(code))) }
    }

    /// The linked library's version and the mail protocols it supports.
    public static var versionInfo: (version: String, ssl: String?, protocols: [String]) {
        guard let info = itsm_curl_version_info_now() else { return ("unknown", nil, []) }
        let data = info.pointee
        var protocols: [String] = []
        if var cursor = data.protocols {
            while let name = cursor.pointee {
                protocols.append(String(cString: name))
                cursor = cursor.advanced(by: 1)
            }
        }
        return (String(cString: data.version), data.ssl_version.map { String(cString: $0) }, protocols)
    }

    /// Whether this libcurl can send mail over `smtp://` and `smtps://`.
    public static var supportsSMTP: Bool {
        let protocols = versionInfo.protocols
        return protocols.contains("smtp") && protocols.contains("smtps")
    }
}

/// A libcurl failure with its code and libcurl's text for it.
public struct LibcurlError: Error, Hashable, Sendable, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var description: String { "libcurl error \(code): \(message)" }
}
