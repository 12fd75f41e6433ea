import Foundation

/// An outgoing HTTP(S) request to a provider API.
public struct OutgoingHTTPRequest: Sendable {
    public var url: String
    public var method: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// HTTP basic credentials (Twilio's Account SID and auth token).
    public var basicAuth: (user: String, password: String)?
    public var timeout: Duration
    public var connectTimeout: Duration

    public init(
        url: String, method: String = "POST", headers: [(name: String, value: String)] = [], body: [UInt8] = [],
        basicAuth: (user: String, password: String)? = nil, timeout: Duration = .seconds(10), connectTimeout: Duration = .seconds(3)
    ) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.basicAuth = basicAuth
        self.timeout = timeout
        self.connectTimeout = connectTimeout
    }
}

/// A provider's answer.
public struct IncomingHTTPResponse: Sendable, Equatable {
    public var status: Int
    /// Header names in lower case; a repeated header keeps its last value.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// `Retry-After` in whole seconds, when the server sent the delta-seconds form.
    public var retryAfterSeconds: Int? { headers["retry-after"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
}

/// A message to hand to an SMTP server: the envelope and the complete RFC 5322 text.
public struct OutgoingMail: Sendable {
    public var from: String
    public var recipients: [String]
    /// The message as sent after `DATA`: headers, blank line, body, with CRLF line ends.
    public var message: [UInt8]

    public init(from: String, recipients: [String], message: [UInt8]) {
        self.from = from
        self.recipients = recipients
        self.message = message
    }
}

/// How to reach an SMTP server.
public struct SMTPServer: Sendable, Equatable {
    /// Whether to insist on TLS. `smtps://` URLs are TLS from the first byte regardless.
    public enum TLSPolicy: Sendable, Equatable {
        /// STARTTLS when the server offers it, plain text otherwise.
        case opportunistic
        /// STARTTLS or fail.
        case required
    }

    /// `smtp://host:port` or `smtps://host:port`.
    public var url: String
    public var username: String?
    public var password: String?
    public var tls: TLSPolicy
    /// A PEM file of certificate authorities to trust instead of the system's (a private relay).
    public var caFile: String?
    public var timeout: Duration

    public init(
        url: String, username: String? = nil, password: String? = nil, tls: TLSPolicy = .opportunistic, caFile: String? = nil,
        timeout: Duration = .seconds(20)
    ) {
        self.url = url
        self.username = username
        self.password = password
        self.tls = tls
        self.caFile = caFile
        self.timeout = timeout
    }
}
