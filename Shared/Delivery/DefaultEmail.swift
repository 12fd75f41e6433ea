import PasswordlessCore

/// The HTML of the email a connection sends when it has no template of its own, in the language
/// of its ``DefaultMessages``: the text part and the HTML part say the same thing.
///
/// The HTML is built for mail clients, which drop `<style>` blocks and block remote content:
/// inline styles only, no images, scripts or external resources; `lang` (and `dir="rtl"` for a
/// right-to-left language), a heading and a real
/// link (an `<a>` styled as a button) so screen readers announce it for what it is; colours with
/// a contrast ratio above 4.5:1.
enum DefaultEmail {
    static let paragraphStyle = "margin:0 0 16px;"
    static let noteStyle = "margin:0 0 8px;font-size:14px;color:#52525b;"
    static let buttonStyle =
        "display:inline-block;padding:14px 28px;border-radius:6px;background-color:#1d4ed8;color:#ffffff;"
        + "font-size:18px;font-weight:600;line-height:1.2;text-decoration:none;"
    static let codeStyle =
        "display:inline-block;margin:0 0 24px;padding:12px 20px;border-radius:6px;background-color:#f4f4f5;color:#18181b;"
        + "font-family:'SFMono-Regular',Menlo,Consolas,'Liberation Mono',monospace;font-size:32px;font-weight:700;letter-spacing:6px;"
    static let headingStyle = "margin:0 0 24px;font-size:22px;line-height:1.3;color:#18181b;"

    /// The body of the HTML part of a message that carries a link (placeholders as in templates).
    static func linkBody(_ phrases: DefaultMessages) -> String {
        let say = HTMLText.escape
        return """
            <h1 style="\(headingStyle)">@@application.name@@</h1>
            <p style="\(paragraphStyle)">\(say(phrases.linkPrompt))</p>
            \(button(phrases))
            <p style="margin:0 0 8px;">\(say(phrases.codeInstead))</p>
            <p style="\(codeStyle)" dir="ltr">@@password@@</p>
            <p style="\(noteStyle)">\(say(phrases.linkExpiry))</p>
            <p style="\(noteStyle)">\(say(phrases.linkIgnore))</p>
            """
    }

    /// The body of the HTML part of a message with a code alone.
    static func codeBody(_ phrases: DefaultMessages) -> String {
        let say = HTMLText.escape
        return """
            <h1 style="\(headingStyle)">@@application.name@@</h1>
            <p style="margin:0 0 8px;">\(say(phrases.codeLabel))</p>
            <p style="\(codeStyle)" dir="ltr">@@password@@</p>
            <p style="\(noteStyle)">\(say(phrases.codeExpiry))</p>
            <p style="\(noteStyle)">\(say(phrases.codeIgnore))</p>
            """
    }

    /// The sign-in button, also added to templates that have no link placeholder.
    static func button(_ phrases: DefaultMessages) -> String {
        """
        <p style="margin:0 0 32px;"><a href="@@link@@" style="\(buttonStyle)">\(HTMLText.escape(phrases.button))</a></p>
        """
    }

    /// A whole HTML document around `body` (HTML); `title` is escaped here. `language` (a
    /// normalised tag; English when nil) gives `lang`, and `dir="rtl"` when it is written right
    /// to left.
    static func document(title: String, body: String, language: String?) -> String {
        let tag = language.flatMap(LanguageTag.init) ?? LanguageTag("en")!
        let attributes = "lang=\"\(tag)\"" + (tag.isRightToLeft ? " dir=\"rtl\"" : "")
        return """
            <!DOCTYPE html>
            <html \(attributes)>
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTMLText.escape(title))</title>
            </head>
            <body style="margin:0;padding:0;background-color:#f4f4f5;">
            <div role="article" aria-roledescription="email" aria-label="\(HTMLText.escape(title))" \(attributes) \
            style="max-width:480px;margin:0 auto;padding:32px 24px;background-color:#ffffff;color:#18181b;\
            font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;">
            \(body)
            </div>
            </body>
            </html>

            """
    }
}
