import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import PasswordlessCore

/// The HTML a browser sees on `/passwordless/verify_redirect`: the Continue page of a link, and
/// the page that says a link cannot be used. No script, no external resource, no referrer; the
/// one stylesheet is allowed by its hash, and forms may post only here and send the browser on
/// only to the link's own callback.
enum LinkPage {
    static let style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f5f7;color:#1b2230}\
        main{max-width:28rem;margin:10vh auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.1)}\
        h1{font-size:1.4rem;margin:0 0 1rem}p{line-height:1.5;margin:0 0 1rem}.who{font-weight:600;overflow-wrap:anywhere}\
        button{font:inherit;font-weight:600;width:100%;padding:.85rem 1rem;border:0;border-radius:8px;background:#1f56d6;color:#fff;\
        cursor:pointer}button:focus-visible{outline:3px solid #93b2f7;outline-offset:2px}a{color:#1f56d6}.note{color:#5a6275;\
        font-size:.9rem;margin-top:1.25rem}
        """
    static let styleSource = "'sha256-\(Data(SHA256.hash(data: Data(style.utf8))).base64EncodedString())'"

    /// The page a link opens: who signs in to which application, and one Continue button that
    /// posts the link back. Opening it changes nothing.
    static func continuePage(application: String, username: String, link: LinkParameters, redirectURI: String) -> Response {
        let fields = link.ordered.map {
            "<input type=\"hidden\" name=\"\(HTMLText.escape($0.name))\" value=\"\(HTMLText.escape($0.value))\">"
        }
        let body = """
            <h1>Sign in to \(HTMLText.escape(application))</h1>
            <p>You are signing in as <span class="who">\(HTMLText.escape(username))</span>.</p>
            <form method="post" action="\(SignInLink.path)">
            \(fields.joined(separator: "\n"))
            <button type="submit">Continue</button>
            </form>
            <p class="note">Nothing happens until you press Continue. If you did not ask to sign in, close this page.</p>
            """
        return page(status: .ok, title: "Sign in to \(application)", body: body, formTarget: redirectURI)
    }

    /// Why a link cannot be used, with a way back to the application (its callback's origin)
    /// to ask for a new one when the link named a valid callback. Never a redirect.
    static func failurePage(status: HTTPResponse.Status, title: String, message: String, application: String?, home: String?) -> Response {
        var body = "<h1>\(HTMLText.escape(title))</h1>\n<p>\(HTMLText.escape(message))</p>\n"
        if let home, let application {
            body += "<p><a href=\"\(HTMLText.escape(home))\">Return to \(HTMLText.escape(application))</a> to ask for a new link.</p>\n"
        } else {
            body += "<p>Go back to the application you were signing in to and ask for a new link.</p>\n"
        }
        return page(status: status, title: title, body: body, formTarget: nil)
    }

    private static func page(status: HTTPResponse.Status, title: String, body: String, formTarget: String?) -> Response {
        let html = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="referrer" content="no-referrer">
            <meta name="robots" content="noindex, nofollow">
            <title>\(HTMLText.escape(title))</title>
            <style>\(style)</style>
            </head>
            <body>
            <main>
            \(body)
            </main>
            </body>
            </html>

            """
        var headers = securityHeaders(formTarget: formTarget)
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// The headers of every answer of the link routes, redirects included.
    ///
    /// `form-action` also governs where a form's answer may redirect, so it names the callback's
    /// origin next to `'self'`; without a form target no form may post at all.
    static func securityHeaders(formTarget: String?) -> HTTPFields {
        let formAction = formTarget.flatMap(sourceExpression).map { "'self' \($0)" } ?? "'none'"
        return [
            HTTPField.Name("Content-Security-Policy")!:
                "default-src 'none'; style-src \(styleSource); form-action \(formAction); frame-ancestors 'none'; base-uri 'none'",
            HTTPField.Name("X-Frame-Options")!: "DENY",
            HTTPField.Name("Referrer-Policy")!: "no-referrer",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            .cacheControl: "no-store",
            HTTPField.Name("Pragma")!: "no-cache",
        ]
    }

    /// A CSP source for a callback URL: its origin for http(s), its scheme for an app's own
    /// scheme; nil for anything that does not read cleanly (it is then not allowed).
    static func sourceExpression(_ url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." })
        else { return nil }
        guard scheme == "http" || scheme == "https" else { return "\(scheme):" }
        guard let host = components.host, !host.isEmpty,
            host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == ":" || $0 == "[" || $0 == "]" })
        else { return nil }
        return "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
    }

    /// The application's home for "return to": the callback's origin, when it has one.
    static func home(of redirectURI: String) -> String? {
        guard let source = sourceExpression(redirectURI), source.contains("://") else { return nil }
        return source + "/"
    }
}
