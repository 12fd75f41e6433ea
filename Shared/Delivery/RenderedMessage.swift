import Foundation
import PasswordlessCore

/// A message ready for a provider: the recipient, the text with the code (and the sign-in link)
/// in it, and for email the subject and the HTML part. Holds the code and the link in clear: they
/// live only in the dispatcher's memory, for one delivery, and are never logged.
public struct RenderedMessage: Sendable {
    public var jobID: String
    public var recipient: String
    /// The text: the SMS, or the email's `text/plain` part.
    public var body: String
    public var subject: String
    /// The email's `text/html` part; nil for SMS.
    public var html: String?
    /// The sign-in link the message carries (it contains the code); nil for a code alone.
    public var link: String?
    /// The language the message is written in, a BCP 47 tag (`fr`, `pt-BR`); nil: English, or
    /// the connection's own texts in a language it does not name.
    public var language: String?

    public init(
        jobID: String, recipient: String, body: String, subject: String, html: String? = nil, link: String? = nil, language: String? = nil
    ) {
        self.jobID = jobID
        self.recipient = recipient
        self.body = body
        self.subject = subject
        self.html = html
        self.link = link
        self.language = language
    }

    /// The placeholders, in the order ``fill(_:_:)`` tries them.
    static let applicationNamePlaceholders = ["@@application.name@@", "{{application.name}}"]
    static let minutesPlaceholders = ["@@minutes@@"]
    static let codePlaceholders = ["@@password@@", "{{code}}"]
    static let linkPlaceholders = ["@@link@@", "{{link}}"]

    /// Renders a job's message from its connection's templates in `language` (the job's
    /// resolved language; the texts are chosen as ``TemplateChoice`` says).
    ///
    /// Placeholders: `@@password@@` / `{{code}}` the code, `@@link@@` / `{{link}}` the sign-in
    /// link (empty for a code alone), `@@application.name@@` / `{{application.name}}` the
    /// application's name, `@@minutes@@` the code's lifetime in minutes. Every value put into
    /// HTML is escaped. A message with a link always carries it: a template without a link
    /// placeholder gets it appended (text) or a sign-in button added (HTML).
    ///
    /// Email has a text and an HTML part: the connection's `htmlTemplate`, else its text
    /// `template` turned into HTML, else the default email. SMS is text alone and never carries a
    /// link. A link that is not an absolute http(s) URL is refused, so nothing else can reach an
    /// `href`. A voice connection's code is spaced digit by digit (``TwilioVoiceCall/spokenCode(_:)``).
    public static func render(
        jobID: String, code: String, link: String? = nil, recipient: String, applicationName: String, connection: Connection,
        language: String? = nil
    ) throws(DeliveryError) -> RenderedMessage {
        if let link, !EmailHTML.isSafeLink(link) { throw .permanent(reason: "the sign-in link is not an absolute http(s) URL") }
        let code = connection.settings.twilioChannel == .voice ? TwilioVoiceCall.spokenCode(code) : code
        let link = connection.strategy == .email ? link : nil
        let minutes = String(max(1, connection.codeTTLSeconds / 60))
        let placeholders = applicationNamePlaceholders + minutesPlaceholders + codePlaceholders + linkPlaceholders
        func values(_ transform: (String) -> String) -> [(placeholder: String, value: String)] {
            let (name, code, linkValue) = (transform(applicationName), transform(code), transform(link ?? ""))
            return zip(placeholders, [name, name, minutes, code, code, linkValue, linkValue]).map { ($0, $1) }
        }
        let textValues = values { $0 }
        let choice = TemplateChoice(language: language, connection: connection)
        let phrases = choice.phrases
        let subject = fill(choice.subject ?? (link == nil ? phrases.codeSubject : phrases.linkSubject), textValues)
        guard connection.strategy == .email else {
            return RenderedMessage(
                jobID: jobID, recipient: recipient, body: fill(choice.template ?? phrases.smsTemplate, textValues), subject: subject,
                language: choice.language)
        }

        let textTemplate = choice.template ?? (link == nil ? phrases.codeEmailText : phrases.linkEmailText)
        var text = fill(textTemplate, textValues)
        if let link, !containsLink(textTemplate) {
            text = text.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) + "\n\n" + link + "\n"
        }

        let htmlValues = values(HTMLText.escape)
        let button = link == nil ? "" : fill(DefaultEmail.button(phrases), htmlValues)
        let html: String
        if let htmlTemplate = choice.htmlTemplate {
            let filled = fill(htmlTemplate, htmlValues)
            html = containsLink(htmlTemplate) || link == nil ? filled : insert(button, into: filled)
        } else if let textTemplate = choice.template {
            let anchor = link.map { "<a href=\"\(HTMLText.escape($0))\" style=\"color:#1d4ed8;\">\(HTMLText.escape($0))</a>" } ?? ""
            let inlineValues = htmlValues.map { linkPlaceholders.contains($0.placeholder) ? anchor : $0.value }
            let pieces = segments(textTemplate, placeholders).map { segment -> (html: String, isLiteral: Bool) in
                switch segment {
                case .literal(let text): (html: text, isLiteral: true)
                case .placeholder(let index): (html: inlineValues[index], isLiteral: false)
                }
            }
            let paragraphs = EmailHTML.paragraphs(pieces)
            html = DefaultEmail.document(
                title: subject, body: containsLink(textTemplate) ? paragraphs : paragraphs + "\n" + button, language: choice.language)
        } else {
            html = DefaultEmail.document(
                title: subject, body: fill(link == nil ? DefaultEmail.codeBody(phrases) : DefaultEmail.linkBody(phrases), htmlValues),
                language: choice.language)
        }
        return RenderedMessage(
            jobID: jobID, recipient: recipient, body: text, subject: subject, html: html, link: link, language: choice.language)
    }

    static func containsLink(_ template: String) -> Bool {
        linkPlaceholders.contains { template.contains($0) }
    }

    /// `addition` just before the document's last `</body>`, or at its end when it has none.
    static func insert(_ addition: String, into document: String) -> String {
        guard let end = document.range(of: "</body>", options: [.caseInsensitive, .backwards]) else { return document + "\n" + addition }
        return String(document[..<end.lowerBound]) + addition + "\n" + String(document[end.lowerBound...])
    }

    /// `template` with each placeholder replaced, in one pass: a value is never searched for
    /// placeholders itself (an application named `@@password@@` stays that name).
    static func fill(_ template: String, _ replacements: [(placeholder: String, value: String)]) -> String {
        segments(template, replacements.map(\.placeholder)).map { segment -> String in
            switch segment {
            case .literal(let text): text
            case .placeholder(let index): replacements[index].value
            }
        }.joined()
    }

    enum Segment: Equatable {
        case literal(String)
        /// The index of the placeholder found.
        case placeholder(Int)
    }

    /// `template` cut into literal text and placeholders, scanning left to right; where two
    /// placeholders start at the same place, the first listed wins.
    static func segments(_ template: String, _ placeholders: [String]) -> [Segment] {
        let bytes = Array(template.utf8)
        var segments: [Segment] = []
        var literal: [UInt8] = []
        var index = 0
        scanning: while index < bytes.count {
            if bytes[index] == UInt8(ascii: "@") || bytes[index] == UInt8(ascii: "{") {
                for (number, placeholder) in placeholders.enumerated() {
                    let pattern = placeholder.utf8
                    if bytes.count - index >= pattern.count, bytes[index..<(index + pattern.count)].elementsEqual(pattern) {
                        if !literal.isEmpty { segments.append(.literal(String(decoding: literal, as: UTF8.self))) }
                        literal = []
                        segments.append(.placeholder(number))
                        index += pattern.count
                        continue scanning
                    }
                }
            }
            literal.append(bytes[index])
            index += 1
        }
        if !literal.isEmpty { segments.append(.literal(String(decoding: literal, as: UTF8.self))) }
        return segments
    }
}
