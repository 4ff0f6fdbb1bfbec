import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Why a CSV file cannot be read at all (as opposed to one bad row).
struct CSVFileError: Error, CustomStringConvertible {
    var path: String
    var line: Int?
    var reason: String
    var description: String { "\(path)\(line.map { " line \($0)" } ?? ""): \(reason)" }
}

/// One record as the file holds it: its fields, or why it is malformed, and the line it starts on.
struct CSVRecord: Sendable {
    var line: Int
    var fields: [String]
    /// Set when the record breaks RFC 4180 (stray quote, unclosed quote, oversized field, bad UTF-8).
    var problem: String?
}

/// An RFC 4180 reader that streams: the file is read in 64 KB chunks and one record is held at a
/// time, so memory stays flat however long the file is. Quoted fields may hold commas, doubled
/// quotes and line breaks; records end with CRLF, LF or CR; blank lines are skipped; a UTF-8 byte
/// order mark is ignored. A malformed record is reported and reading resumes at the next line.
///
/// A class guarding its state with a mutex, so an import's transaction closure may pull records.
final class CSVReader: Sendable {
    /// A field longer than this is refused (and not kept), so one runaway quote cannot fill memory.
    static let maximumFieldBytes = 64 * 1024
    /// So is a record with more fields than this.
    static let maximumFields = 1024

    let path: String
    /// The file's size when opened, for progress and ETA.
    let totalBytes: Int64
    private let state: Mutex<ParserState>

    init(path: String) throws {
        let (fd, size) = try Self.openRegularFile(path)
        self.path = path
        self.totalBytes = size
        self.state = Mutex(ParserState(fd: fd))
    }

    /// Opens `path` for reading (a regular file only): the descriptor and the file's size.
    static func openRegularFile(_ path: String) throws -> (fd: Int32, size: Int64) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CSVFileError(path: path, line: nil, reason: String(cString: strerror(errno))) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw CSVFileError(path: path, line: nil, reason: "not a regular file")
        }
        return (fd, Int64(info.st_size))
    }

    deinit {
        state.withLock { close($0.fd) }
    }

    /// How many bytes were consumed so far.
    var bytesRead: Int64 { state.withLock { $0.bytesRead } }

    /// The next record, or nil at the end of the file; throws only when the file cannot be read.
    func next() throws -> CSVRecord? {
        do {
            return try state.withLock { try $0.nextRecord() }
        } catch var error as CSVFileError {
            error.path = path
            throw error
        }
    }
}

/// The byte-level state machine behind `CSVReader`.
private struct ParserState: ~Copyable {
    enum Position { case fieldStart, unquoted, quoted, quoteInQuoted, skipping }

    let fd: Int32
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    var count = 0
    var index = 0
    var atEnd = false
    var bytesRead: Int64 = 0
    var startOfFile = true

    /// Line breaks seen so far (CRLF counts once).
    var breaks = 0
    var lastWasCR = false

    var position = Position.fieldStart
    var field: [UInt8] = []
    var fields: [String] = []
    var recordStarted = false
    var recordLine = 1
    var problem: String?

    init(fd: Int32) { self.fd = fd }

    private static let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")

    mutating func nextRecord() throws -> CSVRecord? {
        while true {
            if index == count {
                if atEnd { return finishAtEnd() }
                if try !refill() { return finishAtEnd() }
                continue  // the chunk may have been only a byte order mark, leaving nothing to read
            }
            let byte = buffer[index]
            index += 1
            bytesRead += 1
            if let record = consume(byte) { return record }
        }
    }

    private mutating func refill() throws -> Bool {
        let read = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if read < 0 {
            if errno == EINTR { return try refill() }
            throw CSVFileError(path: "", line: breaks + 1, reason: String(cString: strerror(errno)))
        }
        count = read
        index = 0
        if read == 0 { atEnd = true; return false }
        if startOfFile {
            startOfFile = false
            if read >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { index = 3; bytesRead += 3 }
        }
        return true
    }

    /// Feeds one byte; returns a record when this byte ended one.
    private mutating func consume(_ byte: UInt8) -> CSVRecord? {
        let isBreak = byte == Self.lf || byte == Self.cr
        if !recordStarted, position == .fieldStart, isBreak {
            countBreak(byte)
            return nil  // a blank line, or the LF of a CRLF
        }
        if !recordStarted {
            recordStarted = true
            recordLine = breaks + 1
        }
        defer { countBreak(byte) }
        switch position {
        case .fieldStart:
            if byte == Self.quote {
                position = .quoted
            } else if byte == Self.comma {
                endField()
            } else if isBreak {
                endField()
                return endRecord()
            } else {
                append(byte)
                position = .unquoted
            }
        case .unquoted:
            if byte == Self.comma {
                endField()
                position = .fieldStart
            } else if isBreak {
                endField()
                return endRecord()
            } else if byte == Self.quote {
                fail("a double quote inside an unquoted field (quote the whole field and double the quote: \"a \"\"b\"\"\")")
            } else {
                append(byte)
            }
        case .quoted:
            if byte == Self.quote { position = .quoteInQuoted } else { append(byte) }
        case .quoteInQuoted:
            if byte == Self.quote {
                append(byte)
                position = .quoted
            } else if byte == Self.comma {
                endField()
                position = .fieldStart
            } else if isBreak {
                endField()
                return endRecord()
            } else {
                fail("text after the closing quote of field \(fields.count + 1)")
            }
        case .skipping:
            if isBreak { return endRecord() }
        }
        return nil
    }

    private mutating func countBreak(_ byte: UInt8) {
        if byte == Self.cr || (byte == Self.lf && !lastWasCR) { breaks += 1 }
        lastWasCR = byte == Self.cr
    }

    private mutating func append(_ byte: UInt8) {
        if field.count < CSVReader.maximumFieldBytes {
            field.append(byte)
        } else if problem == nil {
            problem = "a field longer than \(CSVReader.maximumFieldBytes) bytes (an unclosed quote?)"
        }
    }

    private mutating func endField() {
        if fields.count >= CSVReader.maximumFields {
            if problem == nil { problem = "more than \(CSVReader.maximumFields) fields" }
        } else if let text = String(validating: field, as: UTF8.self) {
            fields.append(text)
        } else if problem == nil {
            problem = "field \(fields.count + 1) is not valid UTF-8"
        }
        field.removeAll(keepingCapacity: field.capacity <= 4096)
        position = .fieldStart
    }

    private mutating func fail(_ reason: String) {
        if problem == nil { problem = reason }
        position = .skipping
    }

    private mutating func endRecord() -> CSVRecord {
        let record = CSVRecord(line: recordLine, fields: fields, problem: problem)
        fields.removeAll(keepingCapacity: true)
        field.removeAll(keepingCapacity: field.capacity <= 4096)
        problem = nil
        recordStarted = false
        position = .fieldStart
        return record
    }

    private mutating func finishAtEnd() -> CSVRecord? {
        guard recordStarted else { return nil }
        switch position {
        case .quoted:
            if problem == nil { problem = "a quoted field is not closed before the end of the file" }
        case .skipping:
            break
        default:
            endField()
        }
        return endRecord()
    }
}
