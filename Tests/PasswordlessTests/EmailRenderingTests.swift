import Foundation
import PasswordlessCore
import Testing

@testable import Delivery

/// Rendering a job's message (placeholders, HTML escaping, the link's place) and the MIME text
/// around it, without a server.
@Suite("Email rendering")
struct EmailRenderingTests {
    static let hostileName = #"<b>&"x'</b>"#
    static let escapedName = "&lt;b&gt;&amp;&quot;x&#39;&lt;/b&gt;"
    static let link =
        "https://acme.example.com/passwordless/verify_redirect?client_id=c1&connection=email&email=ada%40example.com"
        + "&verification_code=482913&response_type=code&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=it's"
    /// A query may hold a `'` (URLComponents leaves it as it is): escaped like the rest.
    static let escapedLink = link.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "'", with: "&#39;")

    static func connection(_ strategy: Connection.Strategy = .email, template: String? = nil, html: String? = nil) -> Connection {
        var connection = Connection(
            id: UUID(), tenantID: UUID(), name: strategy.rawValue, strategy: strategy, provider: .outbox,
            settings: ProviderSettings(outboxFile: "/dev/null"), sealedCredentials: nil, template: template, subject: nil, codeLength: 6,
            codeTTLSeconds: 600, disableSignup: false)
        connection.htmlTemplate = html
        return connection
    }

    static func render(_ connection: Connection, link: String? = Self.link, name: String = hostileName) throws -> RenderedMessage {
        try RenderedMessage.render(
            jobID: "job-1", code: "482913", link: link, recipient: "ada@example.com", applicationName: name, connection: connection)
    }

    @Test func fillIsOnePassAndValuesAreNeverScanned() {
        let values: [(placeholder: String, value: String)] = [
            ("@@application.name@@", "{{code}} @@link@@"), ("{{code}}", "123456"), ("@@link@@", "L"),
        ]
        #expect(
            RenderedMessage.fill("@@application.name@@ / {{code}} / @@link@@ / @@nope@@ {{", values)
                == "{{code}} @@link@@ / 123456 / L / @@nope@@ {{")
        #expect(RenderedMessage.fill("", values) == "")
        #expect(RenderedMessage.fill("✓ {{code}}✓", values) == "✓ 123456✓")
    }

    @Test func htmlEscapingCoversTheFiveCharacters() {
        #expect(HTMLText.escape(Self.hostileName) == Self.escapedName)
        #expect(HTMLText.escape("plain ✓ text") == "plain ✓ text")
    }

    @Test func onlyAbsoluteHTTPLinksReachAnHref() throws {
        for safe in [Self.link, "http://localhost:8080/passwordless/verify_redirect?a=1", "HTTPS://Example.com/x"] {
            #expect(EmailHTML.isSafeLink(safe), "\(safe)")
        }
        for unsafe in [
            "javascript:alert(1)", "data:text/html,hi", "//acme.example.com/x", "https://", "/relative", "https://a.example/ x",
            "https://a.example/\"onmouseover=x", "https://a.example/<x>", "https://a.example/\nBcc: x", "ftp://a.example/", "",
        ] {
            #expect(!EmailHTML.isSafeLink(unsafe), "\(unsafe)")
            #expect(throws: DeliveryError.self) { try Self.render(Self.connection(), link: unsafe) }
        }
    }

    @Test func theDefaultLinkEmailCarriesTheButtonTheCodeAndTheExpiry() throws {
        let message = try Self.render(Self.connection())
        #expect(message.subject == "Sign in to \(Self.hostileName)")
        #expect(message.link == Self.link)
        let lines = message.body.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.contains { $0 == Self.link }, "the link is not on a line of its own:\n\(message.body)")
        #expect(message.body.contains("Or type this code instead: 482913"))
        #expect(message.body.contains("Sign in to \(Self.hostileName)") && message.body.contains("10 minutes"))

        let html = try #require(message.html)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains(#"<html lang="en">"#))
        #expect(html.contains("<a href=\"\(Self.escapedLink)\" style="))
        #expect(html.contains(">Sign in to \(Self.escapedName)</a>"))
        #expect(html.contains("<h1 ") && html.contains("monospace") && html.contains(">482913</p>"))
        #expect(html.contains("If you did not ask for this, ignore this email."))
        #expect(!html.contains(Self.hostileName) && !html.contains(Self.link))
        for forbidden in ["<script", "<img", "<style", "<link", "src=", "url(", "@import"] {
            #expect(!html.lowercased().contains(forbidden), "\(forbidden)")
        }
        // The only http(s) URL in the document is the link itself.
        #expect(html.components(separatedBy: "http").count - 1 == Self.link.components(separatedBy: "http").count - 1)
    }

    @Test func aCodeAloneShowsTheCodeAndNoLink() throws {
        let message = try Self.render(Self.connection(), link: nil)
        #expect(message.subject == Connection.defaultSubject)
        #expect(message.link == nil)
        #expect(message.body.contains("482913") && !message.body.contains("http"))
        let html = try #require(message.html)
        #expect(html.contains(">482913</p>") && html.contains(Self.escapedName))
        #expect(!html.contains("<a ") && !html.contains("href") && !html.contains("Sign in"))

        let custom = try Self.render(
            Self.connection(template: "Code @@password@@ [{{link}}][@@link@@]", html: "<p>{{code}} <a href=\"@@link@@\">go</a></p>"),
            link: nil)
        #expect(custom.body == "Code 482913 [][]")
        #expect(custom.html == "<p>482913 <a href=\"\">go</a></p>")
    }

    @Test func aCustomHTMLTemplateGetsEscapedValues() throws {
        let template =
            "<html><body><h1>{{application.name}}</h1><a href=\"{{link}}\">@@application.name@@</a> <code>@@password@@</code></body></html>"
        let message = try Self.render(Self.connection(template: "Your code: {{code}} {{link}}", html: template))
        #expect(
            message.html
                == "<html><body><h1>\(Self.escapedName)</h1><a href=\"\(Self.escapedLink)\">\(Self.escapedName)</a> <code>482913</code></body></html>"
        )
        #expect(message.body == "Your code: 482913 \(Self.link)")
    }

    @Test func templatesWithoutALinkPlaceholderStillCarryTheLink() throws {
        let message = try Self.render(
            Self.connection(template: "Code: @@password@@\n\n", html: "<html><BODY><p>{{code}}</p></BODY></html>"))
        #expect(message.body == "Code: 482913\n\n\(Self.link)\n")
        let html = try #require(message.html)
        #expect(html.hasPrefix("<html><BODY><p>482913</p><p style="), "\(html)")
        #expect(html.contains("<a href=\"\(Self.escapedLink)\"") && html.hasSuffix("</a></p>\n</BODY></html>"))

        let fragment = try #require(try Self.render(Self.connection(html: "<p>{{code}}</p>")).html)
        #expect(fragment.hasPrefix("<p>482913</p>\n<p style=") && fragment.contains("href=\"\(Self.escapedLink)\""))
        // Without an HTML template, the default text says where the link is.
        #expect(try Self.render(Self.connection(html: "<p>{{code}}</p>")).body.contains("\n\(Self.link)\n"))
    }

    @Test func aTextTemplateBecomesHTMLParagraphs() throws {
        let template = "Hello @@application.name@@,\ncode {{code}} for @@minutes@@ min.\n\n  \n\nOpen @@link@@ <now>\r\nbye"
        let message = try Self.render(Self.connection(template: template))
        #expect(message.body == "Hello \(Self.hostileName),\ncode 482913 for 10 min.\n\n  \n\nOpen \(Self.link) <now>\r\nbye")
        let html = try #require(message.html)
        let anchor = "<a href=\"\(Self.escapedLink)\" style=\"color:#1d4ed8;\">\(Self.escapedLink)</a>"
        let paragraph = "<p style=\"\(DefaultEmail.paragraphStyle)\">"
        #expect(
            html.contains(
                "\(paragraph)Hello \(Self.escapedName),<br>\ncode 482913 for 10 min.</p>\n\(paragraph)Open \(anchor) &lt;now&gt;<br>\nbye</p>"
            ),
            "\(html)")
        #expect(html.contains(#"<html lang="en">"#) && html.contains("<title>Sign in to \(Self.escapedName)</title>"))
        #expect(!html.contains("Sign in to \(Self.escapedName)</a>"), "a button was added although the template places the link")

        let withoutLink = try #require(try Self.render(Self.connection(template: "Code {{code}}")).html)
        #expect(withoutLink.contains("\(paragraph)Code 482913</p>\n<p style=\"margin:0 0 32px;\"><a href=\"\(Self.escapedLink)\""))
    }

    @Test func smsIsTextAloneAndNeverCarriesALink() throws {
        let message = try Self.render(Self.connection(.sms, template: "{{code}} {{link}}@@link@@."))
        #expect(message.body == "482913 .")
        #expect(message.html == nil && message.link == nil)
        #expect(try Self.render(Self.connection(.sms)).body == "Your verification code is: 482913")
    }

    @Test func multipartAlternativeHoldsTheTextThenTheHTML() throws {
        let address = try #require(EmailAddress("ada@example.com"))
        let html = "<p>" + String(repeating: "é✓ <b>", count: 200) + "</p>"
        let raw = MIMEMessage.build(
            from: "no-reply@acme.example.com", to: address, subject: "Hi\r\nBcc: eve@example.com", body: "Line 1\nLine 2 ✓", html: html,
            messageID: "job-1")
        let text = String(decoding: raw, as: UTF8.self)
        #expect(!text.contains("\r\nBcc:"))
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "a bare LF")
        let mail = MailParts(text)
        let boundary = try #require(mail.boundary)
        #expect(boundary.hasPrefix("=_") && boundary.count <= 70)
        #expect(mail.headers["content-type"] == "multipart/alternative; boundary=\"\(boundary)\"")
        #expect(mail.parts.map(\.mediaType) == ["text/plain", "text/html"])
        #expect(mail.parts.map { $0.headers["content-type"] } == ["text/plain; charset=UTF-8", "text/html; charset=UTF-8"])
        #expect(mail.decodedBody == "Line 1\r\nLine 2 ✓")
        #expect(mail.html == html)
        #expect(text.hasSuffix("\r\n--\(boundary)--\r\n"))
        let bodyLines = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n").components(separatedBy: "\r\n")
        #expect(bodyLines.allSatisfy { $0.count <= 76 })
        #expect(bodyLines.filter { $0.contains(boundary) }.count == 3)
        #expect(MIMEMessage.makeBoundary() != MIMEMessage.makeBoundary())

        let plain = MailParts(
            String(
                decoding: MIMEMessage.build(from: "a@acme.example.com", to: address, subject: "s", body: "only text", messageID: "j"),
                as: UTF8.self))
        #expect(plain.headers["content-type"] == "text/plain; charset=UTF-8" && plain.parts.isEmpty && plain.decodedBody == "only text")
    }
}
