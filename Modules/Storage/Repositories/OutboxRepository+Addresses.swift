import Domain
import Foundation
import SQLKit

/// What the outbox keeps about an address: its count of permanent refusals (and the suppression
/// that follows), and, on a GDPR erasure, the withdrawal of every message that names it.
extension OutboxRepository {
    /// The reason of the consent record kept when refusals suppress an address.
    static func refusalReason(threshold: Int64) -> String {
        "mail to it was refused permanently (\(threshold) time\(threshold == 1 ? "" : "s"))"
    }

    /// Counts a permanent refusal of each address; an address reaching `threshold` refusals is
    /// suppressed, with a consent record (method `system`) if it has a subscriber. Returns the
    /// addresses suppressed by this call. An erased address gets no count: its refusal came back
    /// for a message that was being sent while it was erased.
    @discardableResult
    public func recordPermanentRefusal(of addresses: [String], reply: String, at now: Instant, threshold: Int) async throws -> [String] {
        let keys = Array(Set(addresses.map { $0.lowercased() })).sorted()
        guard !keys.isEmpty else { return [] }
        let at = now.microsecondsSinceEpoch
        let threshold = Int64(max(1, threshold))
        let reply = String(reply.prefix(1000))
        let record = try ConsentRecord(at: now, action: .suppressed, method: .system(reason: Self.refusalReason(threshold: threshold)))
        return try await database.transaction { db in
            var suppressed: [String] = []
            for address in keys {
                // One statement, so concurrent instances neither lose a count nor collide on the key.
                let upsert: SQLQueryString = """
                    INSERT INTO mail_bounces (address, permanent_failures, last_reply, last_at_us, suppressed_at_us)
                    VALUES (\(bind: address), 1, \(bind: reply), \(bind: at), CASE WHEN 1 >= \(bind: threshold) THEN \(bind: at) END)
                    ON CONFLICT (address) DO UPDATE SET
                        permanent_failures = mail_bounces.permanent_failures + 1,
                        last_reply = excluded.last_reply,
                        last_at_us = excluded.last_at_us,
                        suppressed_at_us = COALESCE(mail_bounces.suppressed_at_us,
                            CASE WHEN mail_bounces.permanent_failures + 1 >= \(bind: threshold) THEN excluded.last_at_us END)
                    RETURNING suppressed_at_us
                    """
                let row = try await db.raw(upsert).first()
                // Checked after the upsert, which an erasure's own write to this key waits for (or
                // which waits for it): see `claimBounceRow(of:at:on:)`.
                let key = AddressKey(lowercasedKey: address)
                if try await SuppressionRepository.suppression(key, on: db)?.source == .erased {
                    try await db.delete(from: "mail_bounces").where("address", .equal, SQLBind(address)).run()
                    continue
                }
                guard try row?.optionalInt64("suppressed_at_us") == at else { continue }
                suppressed.append(address)
                if let subscriber = try await SubscriptionRepository.subscriber(key, lock: false, on: db) {
                    try await ConsentRepository.insert(record, subscriberID: subscriber.id, on: db)
                }
            }
            return suppressed
        }
    }

    /// Which of `addresses` are suppressed (compared lower-cased): by hard bounces here, or on the
    /// suppression list (an administrator's suppression or a GDPR erasure, kept as a hash).
    public func suppressed(among addresses: [String]) async throws -> Set<String> {
        let keys = Array(Set(addresses.map { $0.lowercased() }))
        guard !keys.isEmpty else { return [] }
        let byHash = Dictionary(keys.map { (AddressKey(lowercasedKey: $0).hash, $0) }, uniquingKeysWith: { first, _ in first })
        return try await database.withSession { db in
            let bounced = try await db.select().column("address").from("mail_bounces")
                .where("address", .in, SQLBind.group(keys))
                .where("suppressed_at_us", .isNot, SQLLiteral.null)
                .all()
            let listed = try await db.select().column("address_hash").from("suppressions")
                .where("address_hash", .in, SQLBind.group(Array(byHash.keys)))
                .all()
            return Set(try bounced.map { try $0.string("address") })
                .union(try listed.compactMap { byHash[try $0.string("address_hash")] })
        }
    }

    // MARK: Erasure

    /// The erasure's first write, before it locks the subscriber: the key's bounce row. An in-flight
    /// `recordPermanentRefusal` for the address writes that row first too, so the two take their locks
    /// in the same order (bounce row, then subscriber; PostgreSQL), and one either commits before the
    /// erasure (whose deletes then take its rows) or waits for it (and then finds the address erased).
    static func claimBounceRow(of key: AddressKey, at: Instant, on db: any SQLDatabase) async throws {
        let touch: SQLQueryString = """
            INSERT INTO mail_bounces (address, permanent_failures, last_reply, last_at_us) VALUES (\(bind: key.key), 0, '', \(bind: at.microsecondsSinceEpoch))
            ON CONFLICT (address) DO UPDATE SET last_at_us = excluded.last_at_us
            """
        try await db.raw(touch).run()
    }

    /// Removes `key` from the outbox inside an erasure's transaction, and returns how many messages
    /// went and how many were redacted:
    ///
    /// - Messages not sent (queued, retrying, failed, and claimed ones being sent right now) are
    ///   deleted with their bytes. A worker still sending a claimed one cannot be stopped, but its
    ///   outcome then updates no row, and a refusal it brings back writes no bounce count (see
    ///   `recordPermanentRefusal`).
    /// - Sent messages keep their row (kind, times, status: the delivery counts stay true) but lose
    ///   the recipients, the bytes, the last error and the server's reply, any of which may quote the address.
    ///
    /// A message with other recipients beside this one goes (or is redacted) whole: its bytes name them all.
    static func withdrawMessages(to key: AddressKey, at: Instant, on db: any SQLDatabase) async throws -> (deleted: Int, redacted: Int) {
        try await db.delete(from: "mail_bounces").where("address", .equal, SQLBind(key.key)).run()

        // Narrowed in SQL (a case-insensitive substring of the JSON array), decided here exactly.
        let candidates = try await db.raw("""
            SELECT id, status, recipients FROM outbox_messages WHERE lower(recipients) LIKE \(bind: Self.recipientsPattern(key)) ESCAPE '!'
            """).all()
        var unsent: [Int64] = []
        var sent: [Int64] = []
        for row in candidates {
            let recipients = try row.json("recipients", table: "outbox_messages", as: [String].self)
            guard recipients.contains(where: { $0.lowercased() == key.key }) else { continue }
            let status: OutboxMessage.Status = try row.value("status", table: "outbox_messages")
            if status == .sent { sent.append(try row.int64("id")) } else { unsent.append(try row.int64("id")) }
        }
        for start in stride(from: 0, to: unsent.count, by: 500) {
            let chunk = SQLBind.group(Array(unsent[start..<min(start + 500, unsent.count)]))
            try await db.delete(from: "outbox_payloads").where("message_id", .in, chunk).run()
            try await db.delete(from: "outbox_messages").where("id", .in, chunk).run()
        }
        for start in stride(from: 0, to: sent.count, by: 500) {
            let chunk = SQLBind.group(Array(sent[start..<min(start + 500, sent.count)]))
            try await db.update("outbox_payloads").set("data", to: SQLBind(Data())).where("message_id", .in, chunk).run()
            try await db.update("outbox_messages")
                .set("recipients", to: SQLBind("[]"))
                .set("last_error", to: SQLLiteral.null)
                .set("server_reply", to: SQLLiteral.null)
                .where("id", .in, chunk)
                .run()
        }
        return (unsent.count, sent.count)
    }

    /// A LIKE pattern (escape character `!`) for lower-cased recipients JSON that may hold `key`:
    /// the key as a JSON string when it is ASCII (SQL's lower() folds ASCII on both engines), else
    /// only its domain, which is always ASCII; the exact comparison follows on the decoded array.
    static func recipientsPattern(_ key: AddressKey) -> String {
        let ascii = key.key.unicodeScalars.allSatisfy(\.isASCII)
        let domain = key.key.split(separator: "@").last.map(String.init) ?? key.key
        // As the outbox wrote it (JSONEncoder, which writes "/" as "\/"), quotes included.
        let array = (try? jsonText([ascii ? key.key : domain])) ?? "[]"
        let token = array.dropFirst().dropLast()
        let needle = ascii ? String(token) : "@" + token.dropFirst()
        var pattern = "%"
        for character in needle {
            if character == "%" || character == "_" || character == "!" { pattern.append("!") }
            pattern.append(character)
        }
        return pattern + "%"
    }
}
