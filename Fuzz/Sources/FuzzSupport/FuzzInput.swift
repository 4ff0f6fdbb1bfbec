import CLibFuzzer
import Foundation

/// One libFuzzer input read as fields: the bytes split at 0xFF (a byte UTF-8 never uses), each
/// field decoded as UTF-8 the way the code under test would decode it (invalid bytes become U+FFFD).
public struct FuzzInput {
    public private(set) var fields: [[UInt8]]
    private var next = 0

    public init(_ data: UnsafeRawPointer, _ count: Int) {
        let bytes = UnsafeRawBufferPointer(start: data, count: count)
        fields = bytes.split(separator: 0xFF, omittingEmptySubsequences: false).map(Array.init)
    }

    /// The next field's bytes, empty once the input is used up.
    public mutating func bytes() -> [UInt8] {
        defer { next += 1 }
        return next < fields.count ? fields[next] : []
    }

    /// The next field as text.
    public mutating func text() -> String { String(decoding: bytes(), as: UTF8.self) }

    /// The next field as text, or nil when the input is used up (an optional value left out).
    public mutating func optionalText() -> String? { next < fields.count ? text() : nil }

    /// A number from the next field's first bytes (0 when empty), for choices and instants.
    public mutating func number() -> UInt64 {
        bytes().prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}

/// A broken property: prints what was expected and stops the process, so libFuzzer saves the input.
public func finding(_ message: @autoclosure () -> String) -> Never {
    FileHandle.standardError.write(Data("FUZZ FINDING: \(message())\n".utf8))
    abort()
}

/// Runs libFuzzer on `callback` with this process's arguments and exits with its status.
public func runFuzzer(_ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
}
