import AsyncKit
import Foundation
import NIOCore
import NIOPosix
import PostgresKit

/// What an operator reads for an error that may have come from the database.
///
/// PostgresNIO describes every `PSQLError` with one generic sentence, so that nobody shows a
/// server's report to an end user by accident; an operator cannot act on that sentence. This
/// gives the SQLSTATE and the server's message, and never the detail, the query or its bound
/// values: those can hold addresses and tokens, and the text goes to logs.
public enum DatabaseErrorText {
    /// `error` as one line for a log or the CLI: a PostgreSQL error as
    /// `database error 23505 (unique_violation): <the server's message>`, a connection-level one
    /// as `database connection failed: ...`; any other error (SQLite's included) as it describes itself.
    public static func describe(_ error: any Error) -> String {
        switch error {
        case let error as PSQLError:
            describe(error)
        case ConnectionPoolTimeoutError.connectionRequestTimeout:
            "database connection failed: no connection became free or could be opened in time (connectionRequestTimeout)"
        case ConnectionPoolError.shutdown:
            "database connection failed: the connection pool is shut down (shutdown)"
        default:
            String(describing: error)
        }
    }

    private static func describe(_ error: PSQLError) -> String {
        guard let server = error.serverInfo, let state = server[.sqlState] else { return describeWithoutServer(error) }
        var text = "database error \(state)"
        if let name = conditionNames[state] { text += " (\(name))" }
        if let message = server[.message] {
            // A data exception (class 22) quotes the value it refused, which may be a bound value.
            text += ": " + (state.hasPrefix("22") ? withoutQuotedValues(message) : message)
        }
        return text
    }

    /// Errors PostgresNIO raises itself, without a report from the server.
    private static func describeWithoutServer(_ error: PSQLError) -> String {
        let code = error.code
        var reason: String
        switch code {
        case .connectionError: reason = "the server cannot be reached"
        case .serverClosedConnection: reason = "the server closed the connection"
        case .clientClosedConnection: reason = "the connection was closed on this side"
        case .uncleanShutdown: reason = "the connection ended without a clean shutdown"
        case .poolClosed: reason = "the connection pool is shut down"
        case .sslUnsupported, .failedToAddSSLHandler, .receivedUnencryptedDataAfterSSLRequest: reason = "TLS could not be set up"
        case .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError: reason = "authentication failed"
        case .queryCancelled: return "database query cancelled (\(code))"
        default: return "database client error (\(code))"
        }
        if let cause = socketCause(error.underlying) { reason += ": " + cause }
        return "database connection failed: \(reason) (\(code))"
    }

    /// Why the socket failed, as the system says it ("Connection refused"), without the address.
    private static func socketCause(_ error: (any Error)?) -> String? {
        switch error {
        case let error as NIOConnectionError:
            if let last = error.connectionErrors.last { return socketCause(last.error) }
            return (error.dnsAError ?? error.dnsAAAAError) == nil ? nil : "the host name cannot be resolved"
        case let error as IOError:
            return String(cString: strerror(error.errnoCode))
        case let error as ChannelError:
            guard case .connectTimeout = error else { return nil }
            return "the connection attempt timed out"
        default:
            return nil
        }
    }

    /// `message` with every double-quoted part replaced by `"…"`.
    private static func withoutQuotedValues(_ message: String) -> String {
        var result = ""
        var quoted = false
        for character in message {
            if character == "\"" {
                result += quoted ? "…\"" : "\""
                quoted.toggle()
            } else if !quoted {
                result.append(character)
            }
        }
        return quoted ? result + "…\"" : result
    }

    /// PostgreSQL's condition names for the SQLSTATEs this application meets most
    /// (https://www.postgresql.org/docs/current/errcodes-appendix.html).
    private static let conditionNames: [String: String] = [
        "08000": "connection_exception",
        "08006": "connection_failure",
        "22001": "string_data_right_truncation",
        "22003": "numeric_value_out_of_range",
        "22P02": "invalid_text_representation",
        "23502": "not_null_violation",
        "23503": "foreign_key_violation",
        "23505": "unique_violation",
        "23514": "check_violation",
        "25P02": "in_failed_sql_transaction",
        "28000": "invalid_authorization_specification",
        "28P01": "invalid_password",
        "3D000": "invalid_catalog_name",
        "40001": "serialization_failure",
        "40P01": "deadlock_detected",
        "42501": "insufficient_privilege",
        "42601": "syntax_error",
        "42703": "undefined_column",
        "42P01": "undefined_table",
        "53100": "disk_full",
        "53300": "too_many_connections",
        "55P03": "lock_not_available",
        "57014": "query_canceled",
        "57P01": "admin_shutdown",
        "57P03": "cannot_connect_now",
    ]
}
