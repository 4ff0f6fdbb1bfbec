import SQLKit

/// Values for statements that are written many times over (imports, event trails).
enum SQLValue {
    /// A bind for `value`, or a literal NULL when there is none. The drivers encode a bound Optional
    /// through the generic `Encoder` path (dynamic casts and a boxed encoder per value), which an
    /// import pays for every empty column of every row; a non-optional value takes their fast path.
    /// In an INSERT's VALUES list PostgreSQL gives a NULL literal the target column's type; a plain
    /// VALUES list used as a table (not an INSERT) would type an all-NULL column as text.
    static func bindOrNull<Value: Encodable & Sendable>(_ value: Value?) -> any SQLExpression {
        if let value { SQLBind(value) } else { SQLLiteral.null }
    }
}
