import ArgumentParser

/// A command that could not do what was asked; the message says what and why, and nothing was changed.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
