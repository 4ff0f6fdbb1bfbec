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

    /// `application/x-www-form-urlencoded` (see `URLEncodedForm`); undecodable text is a 400.
    static func parseURLEncoded(_ text: String) throws(PageRefusal) -> [String: String] {
        guard let fields = URLEncodedForm.decode(text) else {
            throw .badForm("the form data is not valid percent-encoded text")
        }
        return fields
    }
}
