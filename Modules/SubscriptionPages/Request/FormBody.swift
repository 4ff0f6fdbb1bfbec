import Foundation
import Hummingbird
import NIOCore

/// The fields of a posted form, read with a size limit before anything is written.
struct FormBody: Sendable {
    var fields: [String: String]
    /// True for an RFC 8058 one-click body (`List-Unsubscribe=One-Click`, urlencoded or multipart).
    var isOneClickUnsubscribe: Bool

    subscript(_ name: String) -> String? { fields[name] }

    /// Reads at most `limit` bytes; more is a 413 refusal, undecodable text a 400.
    static func read(_ request: Request, limit: Int) async throws(PageRefusal) -> FormBody {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw .bodyTooLarge(limit: limit)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw .bodyTooLarge(limit: limit)
        } catch {
            throw .badForm("the request body could not be read")
        }
        let text = String(decoding: buffer.readableBytesView, as: UTF8.self)
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        if contentType.hasPrefix("multipart/form-data") {
            // Only one-click unsubscribers send multipart here; their token is in the query.
            let oneClick = text.contains("name=\"List-Unsubscribe\"") && text.contains("One-Click")
            return FormBody(fields: [:], isOneClickUnsubscribe: oneClick)
        }
        let fields = try parseURLEncoded(text)
        return FormBody(fields: fields, isOneClickUnsubscribe: fields["List-Unsubscribe"] == "One-Click")
    }

    /// `application/x-www-form-urlencoded`: `+` is a space, the first of repeated names wins.
    static func parseURLEncoded(_ text: String) throws(PageRefusal) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : "") else {
                throw .badForm("the form data is not valid percent-encoded text")
            }
            if fields[name] == nil { fields[name] = value }
        }
        return fields
    }

    private static func decode(_ part: Substring) -> String? {
        part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
