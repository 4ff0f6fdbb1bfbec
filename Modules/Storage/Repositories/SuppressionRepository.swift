import Crypto
import Domain
import Foundation
import SQLKit

/// Why an address is suppressed.
public enum SuppressionSource: String, CaseIterable, Hashable, Sendable {
    /// Mail to it was refused permanently.
    case bounce
    /// An administrator suppressed it.
    case admin
    /// Its subscriber was erased; only the hash is left, so it cannot be re-added by accident.
    case erased
}

/// An address that is never mailed (stored by hash only).
public struct Suppression: Hashable, Sendable {
    public var source: SuppressionSource
    public var reason: String?
    public var createdAt: Instant

    public init(source: SuppressionSource, reason: String?, createdAt: Instant) {
        self.source = source
        self.reason = reason
        self.createdAt = createdAt
    }
}

/// How an address is found in storage: the whole address lower-cased, and that key's SHA-256.
///
/// The local part's case is kept in `subscribers.address` (only the receiving server may interpret
/// it) but ignored for identity: nobody means two people by Ada@ and ada@ at one domain.
struct AddressKey: Hashable, Sendable {
    let key: String
    /// Lower-case hex SHA-256 of the UTF-8 of `key`: all the suppression list keeps.
    let hash: String

    init(_ address: EmailAddress) {
        self.init(lowercasedKey: address.address.lowercased())
    }

    /// From an address as the outbox holds it (already normalised when it was enqueued).
    init(lowercasedKey key: String) {
        self.key = key
        let digits = Array("0123456789abcdef")
        hash = String(SHA256.hash(data: Data(key.utf8)).flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] })
    }
}

/// The suppression list: addresses that are never mailed, whatever their subscriptions say.
public struct SuppressionRepository: Sendable {
    let database: Database

    static let table = "suppressions"

    /// Suppresses `address` (source bounce or admin); returns false when it was suppressed already,
    /// in which case the first suppression is kept. A consent record is kept if the address has a subscriber.
    @discardableResult
    public func suppress(
        _ address: EmailAddress, source: SuppressionSource, reason: String?, by method: ConsentMethod, at: Instant
    ) async throws -> Bool {
        guard source != .erased else {
            throw DomainError.invalidField(field: "source", value: source.rawValue, expected: "bounce or admin (erasing an address suppresses it by itself)")
        }
        let reason = try validatedLine(reason, field: "reason", maxLength: 500)
        let record = try ConsentRecord(at: at, action: .suppressed, method: method)
        let key = AddressKey(address)
        return try await database.transaction { db in
            let inserted = try await db.insert(into: Self.table)
                .columns("address_hash", "reason", "source", "created_at_us")
                .values(SQLBind(key.hash), SQLBind(reason), SQLBind(source.rawValue), SQLBind(at.microsecondsSinceEpoch))
                .ignoringConflicts(with: "address_hash")
                .returning("address_hash")
                .all()
            guard !inserted.isEmpty else { return false }
            if let subscriber = try await SubscriptionRepository.subscriber(key, lock: false, on: db) {
                try await ConsentRepository.insert(record, subscriberID: subscriber.id, on: db)
            }
            return true
        }
    }

    /// Lifts the suppression of `address`, whatever its source; returns false when there was none.
    /// Lifting an erasure lets the address subscribe again (deliberately, not by accident).
    @discardableResult
    public func unsuppress(_ address: EmailAddress, by method: ConsentMethod, at: Instant) async throws -> Bool {
        let record = try ConsentRecord(at: at, action: .unsuppressed, method: method)
        let key = AddressKey(address)
        return try await database.transaction { db in
            let deleted = try await db.delete(from: Self.table).where("address_hash", .equal, SQLBind(key.hash)).returning("address_hash").all()
            guard !deleted.isEmpty else { return false }
            if let subscriber = try await SubscriptionRepository.subscriber(key, lock: false, on: db) {
                try await ConsentRepository.insert(record, subscriberID: subscriber.id, on: db)
            }
            return true
        }
    }

    /// The suppression of `address`, or nil when it may be mailed.
    public func suppression(of address: EmailAddress) async throws -> Suppression? {
        let key = AddressKey(address)
        return try await database.withSession { db in try await Self.suppression(key, on: db) }
    }

    /// Whether `address` is on the suppression list (whatever the source).
    public func isSuppressed(_ address: EmailAddress) async throws -> Bool {
        try await suppression(of: address) != nil
    }

    static func suppression(_ key: AddressKey, on db: any SQLDatabase) async throws -> Suppression? {
        guard let row = try await db.select().column("*").from(table).where("address_hash", .equal, SQLBind(key.hash)).first() else {
            return nil
        }
        return Suppression(
            source: try row.value("source", table: table), reason: try row.optionalString("reason"), createdAt: try row.instant("created_at_us")
        )
    }
}

/// One line of free text: trimmed, nil when empty, refused with a control character or beyond `maxLength` characters.
func validatedLine(_ value: String?, field: String, maxLength: Int) throws -> String? {
    guard let trimmed = value?.trimmingWhitespace(), !trimmed.isEmpty else { return nil }
    let shown = trimmed.count > 80 ? String(trimmed.prefix(80)) + "..." : trimmed
    guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
        throw DomainError.invalidField(field: field, value: shown, expected: "one line of text without control characters")
    }
    guard trimmed.count <= maxLength else {
        throw DomainError.invalidField(field: field, value: shown, expected: "at most \(maxLength) characters")
    }
    return trimmed
}
