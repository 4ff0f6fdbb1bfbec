import FuzzSupport
#if canImport(Glibc)
import Glibc
#endif

// Any file into the importer's CSVReader (Apps/itsm/Support/CSVReader.swift, compiled in here):
// it never crashes or loops; records come in file order with line numbers that never go back and
// stay within the file's lines; fields keep to the reader's caps. When every record is well formed,
// writing the records as RFC 4180 and reading them back gives the same records.
//
// The writer here quotes by Unicode scalar. Apps/itsm/Support/CSVWriter.swift matches Characters,
// so a quote or comma followed by a combining mark (one grapheme) is neither seen nor doubled:
// this target's first run found that, with CSVWriter in the round trip (see docs/SECURITY.md).

private let path = "/dev/shm/itsm-fuzz-csv-\(getpid()).csv"

@main
enum FuzzCSVMain {
    static func main() { runFuzzer { data, count in data.map { fuzzCSV($0, count) } ?? 0 } }
}

func fuzzCSV(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: count))
    let records = read(bytes)
    let lineCount = bytes.reduce(1) { $0 + ($1 == 0x0A || $1 == 0x0D ? 1 : 0) }
    var lastLine = 0
    for record in records {
        guard record.line >= lastLine, record.line <= lineCount else {
            finding("record at line \(record.line) after line \(lastLine) in a file of \(lineCount) lines")
        }
        lastLine = record.line
        guard record.fields.count <= CSVReader.maximumFields,
              record.fields.allSatisfy({ $0.utf8.count <= CSVReader.maximumFieldBytes }) else {
            finding("record at line \(record.line) exceeds the field caps")
        }
    }
    // Round trip, for files whose records are all well formed. A record of one empty field is a
    // blank line once written (and blank lines are skipped), and a leading BOM is dropped on reading.
    guard records.allSatisfy({ $0.problem == nil && $0.fields != [""] }),
          records.first?.fields.first?.hasPrefix("\u{FEFF}") != true else { return 0 }
    let written = Array(records.map { rfc4180Record($0.fields) }.joined().utf8)
    let again = read(written)
    guard again.map(\.fields) == records.map(\.fields), again.allSatisfy({ $0.problem == nil }) else {
        finding("records \(records.map(\.fields)) written and read back are \(again.map { ($0.fields, $0.problem) })")
    }
    return 0
}

private func read(_ bytes: [UInt8]) -> [CSVRecord] {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { finding("cannot write \(path)") }
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    guard written == bytes.count else { finding("short write to \(path)") }
    do {
        let reader = try CSVReader(path: path)
        var records: [CSVRecord] = []
        while let record = try reader.next() { records.append(record) }
        return records
    } catch {
        finding("the reader failed on a readable file: \(error)")
    }
}

/// One record as RFC 4180 writes it, decided per scalar (a quote followed by a combining mark is still a quote).
private func rfc4180Record(_ fields: [String]) -> String {
    fields.map { field in
        guard field.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }) else { return field }
        var quoted = String.UnicodeScalarView()
        quoted.append("\"")
        for scalar in field.unicodeScalars {
            if scalar == "\"" { quoted.append(scalar) }
            quoted.append(scalar)
        }
        quoted.append("\"")
        return String(quoted)
    }.joined(separator: ",") + "\r\n"
}
