import Foundation
import ITSMTestSupport
import Testing

/// What an SMTP sink received, by recipient: every Message-ID each address got, repeats included.
struct ReceivedMail {
    /// Lower-cased recipient -> the Message-IDs (without angle brackets) it received, in arrival order.
    let messageIDs: [String: [String]]
    let messages: [SMTPSink.Message]

    init(_ sink: SMTPSink) throws {
        messages = try sink.messages()
        var byRecipient: [String: [String]] = [:]
        for message in messages {
            let id = try #require(Self.messageID(in: message.data), "a message without Message-ID: \(message.text.prefix(500))")
            for recipient in message.envelope.rcptTos { byRecipient[recipient.lowercased(), default: []].append(id) }
        }
        messageIDs = byRecipient
    }

    /// The digest Message-IDs `address` received (digests are `digest.<run>.<subscription>@...`).
    func digests(to address: String) -> [String] {
        (messageIDs[address.lowercased()] ?? []).filter { $0.hasPrefix("digest.") }
    }

    /// Which of person0001 ... person`count` did not get exactly one distinct digest Message-ID of run
    /// `runID` (repeated copies of that one Message-ID are counted by `repeatedCopies`), with what they got.
    func subscribersWithoutOneDigest(of runID: Int64, among count: Int) -> [String] {
        (1...count).compactMap { number in
            let address = SubscriberNumbering.address(number)
            let distinct = Set(digests(to: address))
            return distinct.count == 1 && distinct.first!.hasPrefix("digest.\(runID).") ? nil : "\(address): \(distinct.sorted())"
        }
    }

    /// Copies beyond the first of one Message-ID to one recipient, over all recipients.
    var repeatedCopies: Int {
        messageIDs.values.reduce(0) { $0 + $1.count - Set($1).count }
    }

    /// The Message-ID header's value without angle brackets, read from the header section.
    static func messageID(in data: [UInt8]) -> String? {
        let text = String(decoding: data, as: UTF8.self)
        let header = text.range(of: "\r\n\r\n").map { text[..<$0.lowerBound] } ?? text[...]
        for line in header.split(separator: "\r\n") where line.lowercased().hasPrefix("message-id:") {
            return line.dropFirst("message-id:".count).trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "<>"))
        }
        return nil
    }
}
