import PasswordlessCore

/// The email a connection sends when it has no template of its own: the text part and the HTML
/// part say the same thing.
///
/// The HTML is built for mail clients, which drop `<style>` blocks and block remote content:
/// inline styles only, no images, scripts or external resources; `lang`, a heading and a real
/// link (an `<a>` styled as a button) so screen readers announce it for what it is; colours with
/// a contrast ratio above 4.5:1.
enum DefaultEmail {
    /// The subject of a message that carries a link (a code alone keeps `Connection.defaultSubject`).
    static let linkSubject = "Sign in to @@application.name@@"

    /// The text part of a message that carries a link; the link on a line of its own.
    static let linkText = """
        Sign in to @@application.name@@ by opening this link:

        @@link@@

        Or type this code instead: @@password@@

        The link and the code expire in @@minutes@@ minutes. If you did not ask for this, ignore this email.
        """

    static let paragraphStyle = "margin:0 0 16px;"
    static let noteStyle = "margin:0 0 8px;font-size:14px;color:#52525b;"
    static let buttonStyle =
        "display:inline-block;padding:14px 28px;border-radius:6px;background-color:#1d4ed8;color:#ffffff;"
        + "font-size:18px;font-weight:600;line-height:1.2;text-decoration:none;"
    static let codeStyle =
        "display:inline-block;margin:0 0 24px;padding:12px 20px;border-radius:6px;background-color:#f4f4f5;color:#18181b;"
        + "font-family:'SFMono-Regular',Menlo,Consolas,'Liberation Mono',monospace;font-size:32px;font-weight:700;letter-spacing:6px;"

    /// The body of the HTML part of a message that carries a link (placeholders as in templates).
    static let linkBody = """
        <h1 style="margin:0 0 24px;font-size:22px;line-height:1.3;color:#18181b;">@@application.name@@</h1>
        <p style="\(paragraphStyle)">Select the button to sign in to @@application.name@@.</p>
        \(button)
        <p style="margin:0 0 8px;">Or type this code instead:</p>
        <p style="\(codeStyle)">@@password@@</p>
        <p style="\(noteStyle)">The link and the code expire in @@minutes@@ minutes.</p>
        <p style="\(noteStyle)">If you did not ask for this, ignore this email.</p>
        """

    /// The body of the HTML part of a message with a code alone.
    static let codeBody = """
        <h1 style="margin:0 0 24px;font-size:22px;line-height:1.3;color:#18181b;">@@application.name@@</h1>
        <p style="margin:0 0 8px;">Your verification code is:</p>
        <p style="\(codeStyle)">@@password@@</p>
        <p style="\(noteStyle)">It expires in @@minutes@@ minutes.</p>
        <p style="\(noteStyle)">If you did not ask for it, ignore this email.</p>
        """

    /// The sign-in button, added to templates that have no link placeholder.
    static let button = """
        <p style="margin:0 0 32px;"><a href="@@link@@" style="\(buttonStyle)">Sign in to @@application.name@@</a></p>
        """

    /// A whole HTML document around `body` (HTML); `title` is escaped here.
    static func document(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTMLText.escape(title))</title>
        </head>
        <body style="margin:0;padding:0;background-color:#f4f4f5;">
        <div role="article" aria-roledescription="email" aria-label="\(HTMLText.escape(title))" lang="en" \
        style="max-width:480px;margin:0 auto;padding:32px 24px;background-color:#ffffff;color:#18181b;\
        font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;">
        \(body)
        </div>
        </body>
        </html>

        """
    }
}
