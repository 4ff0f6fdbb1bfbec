import ArgumentParser
import ITSMConfig

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check and show the resolved configuration (secrets hidden).",
        subcommands: [Show.self]
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every setting and where mail will go.",
            discussion: """
            Examples:
              itsm config show
              ITSM_PUBLIC_URL=https://itsm.example.org itsm config show --config /etc/itsm/config.json
            """
        )

        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let c = try await options.loadConfiguration()
            print("database     \(c.database)")
            switch c.mail {
            case let .smtp(url, options):
                print("mail         SMTP \(url.scheme ?? "smtp")://\(url.host ?? "")\(url.port.map { ":\($0)" } ?? "")"
                    + "\(options.requireTLS ? ", TLS required" : ""), \(options.connections) connections")
            case .files(let directory): print("mail         files in \(directory) (no ITSM_SMTP_URL)")
            }
            print("public url   \(c.publicURL.absoluteString)")
            print("http bind    \(c.httpBind)")
            print("secret key   \(c.secretKey == nil ? "generated under \(c.stateDirectory) by itsm-scheduler" : "set (hidden)")")
            print("state dir    \(c.stateDirectory)")
        }
    }
}
