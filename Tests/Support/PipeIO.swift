import Foundation

/// Reading from and writing to a child process's pipes, for the tests that run real programs.
///
/// Two things go wrong with Foundation here, and both were seen in full test runs:
/// - `FileHandle.availableData`, `readDataToEndOfFile()` and `write(_:)` stop the whole process
///   with a fatal error when a read or write is interrupted by a signal (EINTR); these loops retry.
/// - A `Process` is not released when a test lets go of it, so neither are the `Pipe`s it holds:
///   every child left two pipe ends open until the test process had over 1,300 descriptors, and
///   then `Process.run()` itself crashed (it reads `/proc/self/fd` past the end of its buffer once
///   the listing fills it). These functions close the handle when they are done with it.
public enum PipeIO {
    /// Calls `body` with each chunk read from `handle` until end of file, then closes it.
    public static func drain(_ handle: FileHandle, _ body: (ArraySlice<UInt8>) -> Void) {
        let descriptor = handle.fileDescriptor
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            body(buffer[0..<count])
        }
        try? handle.close()
    }

    /// Everything `handle` yields until end of file; closes it.
    public static func readToEnd(_ handle: FileHandle) -> Data {
        var data = Data()
        drain(handle) { data.append(contentsOf: $0) }
        return data
    }

    /// Writes all of `data` (retrying interrupted and partial writes), then closes `handle` so the reader sees end of file.
    /// Stops early if the reader has gone (EPIPE and other errors): what it read decides the test.
    public static func writeAll(_ data: Data, to handle: FileHandle) {
        let descriptor = handle.fileDescriptor
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { break }
                offset += written
            }
        }
        try? handle.close()
    }
}
