/// The default digest templates, compiled into the binary: the daemon is installed as one file, so
/// there is no resource bundle to ship beside it. docs/TEMPLATES.md documents the names they use.
enum BuiltInTemplates {
    /// The templates of one format by partial name ("digest" is the main one), with their file names.
    static func sources(_ format: TemplateFormat) -> [String: (name: String, text: String)] {
        let templates: [String: String] =
            switch format {
            case .text: ["digest": textDigest, "section": textSection]
            case .html: ["digest": htmlDigest, "section": htmlSection, "block": htmlBlock]
            case .markdown: ["digest": markdownDigest, "section": markdownSection]
            }
        return templates.reduce(into: [:]) { result, entry in
            result[entry.key] = (name: "\(entry.key).\(format.rawValue).mustache", text: entry.value)
        }
    }

    // MARK: text/plain: the tables arrive laid out in `lines`; TextLayout rewraps anything over 72 columns.

    static let textDigest = #"""
        {{list.title}}
        {{period.label}}
        {{period.range}}, compared with {{period.previousRange}}.
        Scope: {{list.scope}}. Times are {{list.timeZone}}.

        {{recipient.greeting}}

        {{#digestIsEmpty}}
        {{nothingToReport}}

        {{/digestIsEmpty}}
        {{^digestIsEmpty}}
        Here is where the services stand across the lifecycle.

        {{/digestIsEmpty}}
        {{#glance}}
        {{#lines}}
        {{.}}
        {{/lines}}

        {{/glance}}
        {{#sections}}
        {{>section}}
        {{/sections}}
        -- {{! a signature separator ends in a space }}
        You receive this digest because you subscribed to {{list.title}}.
        Unsubscribe with one click:
        {{recipient.unsubscribeURL}}
        {{#recipient.manageURL}}
        Manage your subscription:
        {{.}}
        {{/recipient.manageURL}}
        Built {{generatedAt}} ({{list.timeZone}}).

        """#

    static let textSection = #"""
        {{uppercased(title)}}
        {{titleRule}}
        {{#sectionIsEmpty}}

        {{emptyLine}}
        {{/sectionIsEmpty}}
        {{#blocks}}

        {{heading}}
        {{#lines}}
        {{.}}
        {{/lines}}
        {{/blocks}}


        """#

    // MARK: Markdown, for the CLI preview and other tools.

    static let markdownDigest = #"""
        # {{list.title}}

        **{{period.label}}**: {{period.range}}, compared with {{period.previousRange}}.
        Scope: {{list.scope}}. Times are {{list.timeZone}}.
        {{#digestIsEmpty}}

        {{nothingToReport}}
        {{/digestIsEmpty}}
        {{#sections}}
        {{>section}}
        {{/sections}}

        ---

        [Unsubscribe]({{recipient.unsubscribeURL}}){{#recipient.manageURL}} · [Manage your subscription]({{.}}){{/recipient.manageURL}}
        · Built {{generatedAt}} ({{list.timeZone}})

        """#

    static let markdownSection = #"""

        ## {{title}}
        {{#sectionIsEmpty}}

        {{emptyLine}}
        {{/sectionIsEmpty}}
        {{#blocks}}

        ### {{heading}}

        {{#table}}
        | {{labelHeading}} |{{#columns}} {{name}} |{{/columns}}
        |:---|{{#columns}}---:|{{/columns}}
        {{#rows}}
        | {{label}} |{{#cells}} {{text}} |{{/cells}}
        {{/rows}}
        {{#listFollows}}

        {{/listFollows}}
        {{/table}}
        {{#entries}}
        - {{#warn}}\#u{26A0} {{/warn}}{{#reference}}**{{.}}** {{/reference}}{{title}}{{#detail}}\
          {{.}}{{/detail}}
        {{/entries}}
        {{#paragraph}}
        {{.}}
        {{/paragraph}}
        {{#none}}
        {{.}}
        {{/none}}
        {{/blocks}}

        """#
}
