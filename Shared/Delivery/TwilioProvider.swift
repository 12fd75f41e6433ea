import DeliveryTransport
import Foundation
import PasswordlessCore

/// Twilio's Messages API: `POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`,
/// form-encoded `To`, `From` or `MessagingServiceSid`, `Body`, HTTP basic auth with the
/// Account SID and auth token. The job id goes in `I-Twilio-Idempotency-Token`.
public struct TwilioProvider: DeliveryProvider {
    public static let defaultBaseURL = "https://api.twilio.com"
    let transport: CurlTransport

    public init(transport: CurlTransport) {
        self.transport = transport
    }

    public func deliver(
        _ message: RenderedMessage, settings: ProviderSettings, secrets: ProviderSecrets
    ) async throws(DeliveryError) -> String? {
        guard let sid = settings.twilioAccountSID, let token = secrets.twilioAuthToken else {
            throw .permanent(reason: "the connection has no Twilio account SID or auth token")
        }
        var form = [("To", message.recipient), ("Body", message.body)]
        if let service = settings.messagingServiceSID {
            form.append(("MessagingServiceSid", service))
        } else if let from = settings.from {
            form.append(("From", from))
        }
        let base = ProviderHTTP.base(settings.apiBaseURL ?? settings.twilioBaseURL, default: Self.defaultBaseURL)
        let request = OutgoingHTTPRequest(
            url: "\(base)/2010-04-01/Accounts/\(sid.formEncoded)/Messages.json",
            headers: [
                ("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json"),
                ("I-Twilio-Idempotency-Token", message.jobID),
            ],
            body: Array(form.map { "\($0.0.formEncoded)=\($0.1.formEncoded)" }.joined(separator: "&").utf8),
            basicAuth: (sid, token))
        let response: IncomingHTTPResponse
        do {
            response = try await transport.perform(request)
        } catch {
            throw error.isTransient ? .transient(reason: error.description, retryAfter: nil) : .permanent(reason: error.description)
        }
        let reply = try? JSONDecoder().decode(Reply.self, from: Data(response.body))
        let detail = Self.describe(reply)
        if let failure = DeliveryError.fromHTTP(status: response.status, retryAfter: response.retryAfterSeconds, detail: detail) {
            throw failure
        }
        return reply?.sid
    }

    /// Twilio's error body, `{"code": 21211, "message": "…"}`, as one line.
    static func describe(_ reply: Reply?) -> String {
        guard let reply else { return "no JSON body" }
        let code = reply.code.map { "Twilio error \($0)" } ?? "Twilio error"
        return "\(code): \(reply.message ?? "")"
    }

    /// What this provider reads of Twilio's JSON object: the message's `sid` on success, `code`
    /// and `message` on failure. A member missing or of another type is nil; a body that is not
    /// a JSON object is no reply at all.
    struct Reply: Decodable {
        var sid: String?
        var code: Int?
        var message: String?

        enum CodingKeys: String, CodingKey {
            case sid, code, message
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            sid = try? container.decodeIfPresent(String.self, forKey: .sid)
            code = try? container.decodeIfPresent(Int.self, forKey: .code)
            message = try? container.decodeIfPresent(String.self, forKey: .message)
        }
    }
}

extension String {
    /// `application/x-www-form-urlencoded` encoding of one name or value (the WHATWG URL
    /// standard's): ASCII letters, digits and `*-._` stay, a space becomes `+`, every other byte
    /// of the UTF-8 is `%XX`.
    var formEncoded: String {
        let hex: StaticString = "0123456789ABCDEF"
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count + 16)
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "*"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
                out.append(byte)
            case UInt8(ascii: " "): out.append(UInt8(ascii: "+"))
            default: out += [UInt8(ascii: "%"), hex.utf8Start[Int(byte >> 4)], hex.utf8Start[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
