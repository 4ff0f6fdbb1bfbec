import Notifications

/// The pages behind the confirm and unsubscribe links: one sentence, one button, or the outcome.
enum LinkPages {
    static func confirmSentence(_ listTitle: String) -> String {
        "Confirming subscribes you to the mailing list \"\(listTitle)\"."
    }

    /// The GET page: changes nothing; its form posts the link's own token back (the CSRF protection).
    static func confirm(preview: ConfirmPreview, token: String) -> Page {
        switch preview.status {
        case .valid:
            let title = preview.listTitle ?? "the list"
            return Page(status: .ok, title: "Confirm subscription", body: """
                <form method="post" action="/confirm">
                <p>\(confirmSentence(title))</p>
                <input type="hidden" name="token" value="\(token)">
                <button type="submit">Confirm subscription</button>
                </form>
                """)
        case .alreadyConfirmed:
            return alreadyConfirmed(preview.listTitle ?? "the list")
        case .unsubscribed:
            return badLink(.subscriptionEnded)
        case .expired:
            return Page(status: .badRequest, title: "Link expired",
                        body: "<p>This confirmation link has expired. Subscribe again to get a fresh one.</p>")
        case .invalid:
            return badLink(.invalidLink)
        }
    }

    static func confirmed(_ result: ConfirmResult) -> Page {
        switch result {
        case let .confirmed(title):
            Page(status: .ok, title: "You're subscribed", body: "<p>You're subscribed to \"\(title)\". Every mail from the list has a link to unsubscribe.</p>")
        case let .alreadyConfirmed(title):
            alreadyConfirmed(title)
        }
    }

    static func alreadyConfirmed(_ title: String) -> Page {
        Page(status: .ok, title: "You're subscribed", body: "<p>Your subscription to \"\(title)\" was already confirmed; nothing more is needed.</p>")
    }

    /// The GET page: changes nothing; the button posts the unsubscribe token back.
    static func unsubscribe(listTitle: String, token: String) -> Page {
        Page(status: .ok, title: "Unsubscribe", body: """
            <form method="post" action="/unsubscribe">
            <p>Unsubscribing stops all mail from the mailing list \"\(listTitle)\" to you.</p>
            <input type="hidden" name="token" value="\(token)">
            <button type="submit">Unsubscribe</button>
            </form>
            """)
    }

    static func unsubscribed(_ result: UnsubscribeResult) -> Page {
        switch result {
        case let .unsubscribed(title):
            Page(status: .ok, title: "You're unsubscribed", body: "<p>You're unsubscribed from \"\(title)\" and will get no more mail from it.</p>")
        case let .alreadyUnsubscribed(title):
            Page(status: .ok, title: "You're unsubscribed", body: "<p>You were already unsubscribed from \"\(title)\"; nothing more is needed.</p>")
        }
    }

    static let missingToken = Page(
        status: .badRequest, title: "Link incomplete",
        body: "<p>This link has no token. Copy the whole link from your mail, or use the button in it.</p>")

    /// A refused link: the service's message says what happened and what to do.
    static func badLink(_ error: SubscriptionServiceError) -> Page {
        let title = switch error {
        case .expiredLink: "Link expired"
        default: "Link not valid"
        }
        return Page(status: .badRequest, title: title, body: "<p>Nothing was changed: \(error.description).</p>")
    }
}
