import Domain

/// The subscribe form and its "check your inbox" answer.
enum SubscribePages {
    /// The sentence beside the button; what the person saw is kept as the consent text.
    static func consentText(_ list: MailingList) -> String {
        "Send me the mailing list \"\(list.title)\" by email. I will get a mail to confirm first, and can unsubscribe at any time."
    }

    static func form(list: MailingList, consentText: String, email: String, name: String, error: String?) -> Page {
        let errorLine: HTML = if let error { "<p class=\"error\" role=\"alert\">\(error)</p>\n" } else { "" }
        let action = "/lists/\(list.slug)/subscribe"
        return Page(status: error == nil ? .ok : .badRequest, title: "Subscribe to \(list.title)", body: """
            \(errorLine)<form method="post" action="\(action)">
            <label for="email">Email address</label>
            <input id="email" name="email" type="email" autocomplete="email" required value="\(email)">
            <label for="name">Name (optional)</label>
            <input id="name" name="name" type="text" autocomplete="name" value="\(name)">
            <p>\(consentText)</p>
            <button type="submit">Subscribe</button>
            </form>
            """)
    }

    /// Identical for new, pending, confirmed and suppressed addresses: it names the list only.
    static func checkYourInbox(list: MailingList) -> Page {
        Page(status: .ok, title: "Check your inbox", body: """
            <p>If this address can subscribe to \"\(list.title)\", a mail with a confirmation link is on its way. \
            Nothing is sent to you until you confirm.</p>
            """)
    }
}
