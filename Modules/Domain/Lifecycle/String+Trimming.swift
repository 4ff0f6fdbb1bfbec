extension String {
    /// The string without leading and trailing white space, exactly as Foundation's
    /// `trimmingCharacters(in: .whitespacesAndNewlines)` trims it: the scalars with Unicode's
    /// White_Space property and U+200B ZERO WIDTH SPACE (which that set also holds; a check of every
    /// scalar found no other difference). Computed without Foundation, whose version bridges through
    /// NSString and was the largest cost of parsing an address during a file import; the string is
    /// returned as it is when there is nothing to trim.
    public func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return self }
        if !Self.isTrimmed(first) && !Self.isTrimmed(last) { return self }
        guard let start = scalars.firstIndex(where: { !Self.isTrimmed($0) }),
              let end = scalars.lastIndex(where: { !Self.isTrimmed($0) })
        else { return "" }
        return String(scalars[start...end])
    }

    /// Whether the string is empty or holds only what `trimmingWhitespace()` trims.
    public var isBlank: Bool { unicodeScalars.allSatisfy(Self.isTrimmed) }

    /// Unicode's White_Space property, with the ASCII answers worked out without a table lookup.
    static func isWhiteSpace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return scalar == " " || (0x09...0x0D).contains(scalar.value) }
        return scalar.properties.isWhitespace
    }

    /// What `trimmingWhitespace()` trims: White_Space and U+200B.
    private static func isTrimmed(_ scalar: Unicode.Scalar) -> Bool {
        isWhiteSpace(scalar) || scalar == "\u{200B}"
    }
}
