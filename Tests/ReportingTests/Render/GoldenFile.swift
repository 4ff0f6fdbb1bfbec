import Foundation
import Testing

/// Compares a rendering with its checked-in golden file under Tests/ReportingTests/Golden/.
///
/// To accept a deliberate change, regenerate the files and review the diff:
///     ITSM_UPDATE_GOLDEN=1 swift test --filter ReportingTests
///     git diff Tests/ReportingTests/Golden/
enum GoldenFile {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Golden")
    static let packageRoot = folder.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Where the tests leave files for a person to look at: `$ITSM_TEST_OUTPUT`, else `.build/test-output/digest/`.
    static var outputFolder: URL {
        if let configured = ProcessInfo.processInfo.environment["ITSM_TEST_OUTPUT"], !configured.isEmpty {
            return URL(fileURLWithPath: configured)
        }
        return packageRoot.appendingPathComponent(".build/test-output/digest")
    }

    static func check(_ actual: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let file = folder.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["ITSM_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(actual.utf8).write(to: file)
            return
        }
        guard let data = FileManager.default.contents(atPath: file.path) else {
            Issue.record("no golden file \(file.path); create it with ITSM_UPDATE_GOLDEN=1", sourceLocation: sourceLocation)
            return
        }
        let expected = String(decoding: data, as: UTF8.self)
        guard expected != actual else { return }

        try FileManager.default.createDirectory(at: outputFolder, withIntermediateDirectories: true)
        let actualFile = outputFolder.appendingPathComponent(name + ".actual")
        try Data(actual.utf8).write(to: actualFile)
        let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let first = zip(expectedLines, actualLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(expectedLines.count, actualLines.count)
        let want = first < expectedLines.count ? String(expectedLines[first]) : "<end of file>"
        let got = first < actualLines.count ? String(actualLines[first]) : "<end of file>"
        Issue.record(
            """
            \(name) differs from its golden file at line \(first + 1):
              expected: \(want)
              actual:   \(got)
            See the whole difference with: diff -u \(file.path) \(actualFile.path)
            If the change is intended: ITSM_UPDATE_GOLDEN=1 swift test --filter ReportingTests, then review git diff.
            """,
            sourceLocation: sourceLocation
        )
    }
}
