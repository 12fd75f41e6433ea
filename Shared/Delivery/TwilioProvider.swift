import DeliveryTransport
import Foundation
import PasswordlessCore

/// Twilio, on the connection's channel (``ProviderSettings/twilioChannel``):
///
/// - `sms`: the Messages API, `To`, `From` or `MessagingServiceSid`, `Body`.
/// - `whatsapp`: the same Messages API with `To` and `From` as `whatsapp:+…` addresses.
/// - `voice`: the Calls API, `To`, `From` and `Twiml`, a `<Say>` that reads the message aloud
///   (``TwilioVoiceCall``).
///
/// Returns the created message's or call's `sid`; errors are classified by ``TwilioClient``.
public struct TwilioProvider: DeliveryProvider {
    let client: TwilioClient

    public init(transport: CurlTransport) {
        client = TwilioClient(transport: transport)
    }

    public func deliver(
        _ message: RenderedMessage, settings: ProviderSettings, secrets: ProviderSecrets
    ) async throws(DeliveryError) -> String? {
        let (resource, form) = try Self.request(for: message, settings: settings)
        return try await client.create(resource, form: form, jobID: message.jobID, settings: settings, secrets: secrets)
    }

    /// The API resource and the form fields that carry `message` on the connection's channel.
    static func request(
        for message: RenderedMessage, settings: ProviderSettings
    ) throws(DeliveryError) -> (resource: String, form: [(String, String)]) {
        switch settings.twilioChannel ?? .sms {
        case .sms:
            var form = [("To", message.recipient), ("Body", message.body)]
            if let service = settings.messagingServiceSID {
                form.append(("MessagingServiceSid", service))
            } else if let from = settings.from {
                form.append(("From", from))
            }
            return ("Messages.json", form)
        case .whatsapp:
            guard let from = settings.from else { throw .permanent(reason: "the WhatsApp connection has no sender number") }
            let prefix = TwilioChannel.whatsAppPrefix
            return ("Messages.json", [("To", prefix + message.recipient), ("From", prefix + from), ("Body", message.body)])
        case .voice:
            guard let from = settings.from else { throw .permanent(reason: "the voice connection has no caller number") }
            let twiml = TwilioVoiceCall.twiml(saying: message.body, language: message.language)
            return ("Calls.json", [("To", message.recipient), ("From", from), ("Twiml", twiml)])
        }
    }
}
