import DeliveryTransport
import Foundation
import PasswordlessCore

/// One call to Twilio's REST API as every channel makes it: `POST
/// {base}/2010-04-01/Accounts/{AccountSid}/{resource}`, a form-encoded body, HTTP basic auth with
/// the Account SID and auth token, and the job id in `I-Twilio-Idempotency-Token`. Answers are
/// classified like every HTTP provider's (``DeliveryError/fromHTTP(status:retryAfter:detail:)``),
/// with Twilio's error code and message as the detail.
struct TwilioClient: Sendable {
    static let defaultBaseURL = "https://api.twilio.com"
    let transport: CurlTransport

    /// Posts `form` to `resource` (`Messages.json`, `Calls.json`) and returns the created
    /// resource's `sid`.
    func create(
        _ resource: String, form: [(String, String)], jobID: String, settings: ProviderSettings, secrets: ProviderSecrets
    ) async throws(DeliveryError) -> String? {
        guard let sid = settings.twilioAccountSID, let token = secrets.twilioAuthToken else {
            throw .permanent(reason: "the connection has no Twilio account SID or auth token")
        }
        let base = ProviderHTTP.base(settings.apiBaseURL ?? settings.twilioBaseURL, default: Self.defaultBaseURL)
        let request = OutgoingHTTPRequest(
            url: "\(base)/2010-04-01/Accounts/\(sid.formEncoded)/\(resource)",
            headers: [
                ("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json"),
                ("I-Twilio-Idempotency-Token", jobID),
            ],
            body: ProviderHTTP.form(form),
            basicAuth: (sid, token))
        let response = try await ProviderHTTP.perform(request, on: transport)
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

    /// What this client reads of Twilio's JSON object: the created resource's `sid` on success,
    /// `code` and `message` on failure. A member missing or of another type is nil; a body that
    /// is not a JSON object is no reply at all.
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
