import Foundation
import PasswordlessCore
import Testing

@testable import Delivery

/// What Twilio is asked for on each channel (SMS, WhatsApp, voice), without a server: the
/// resource, the form, and a voice call's TwiML.
@Suite("Twilio channel requests")
struct TwilioChannelRequestTests {
    static func connection(_ channel: TwilioChannel?, template: String? = nil) -> Connection {
        Connection(
            id: UUID(), tenantID: UUID(), name: "sms", strategy: .sms, provider: .twilio,
            settings: ProviderSettings(twilioAccountSID: "AC1", from: "+15005550006", twilioChannel: channel), sealedCredentials: nil,
            template: template, subject: nil, codeLength: 6, codeTTLSeconds: 600, disableSignup: false)
    }

    static func render(_ connection: Connection) throws -> RenderedMessage {
        try RenderedMessage.render(
            jobID: "job-1", code: "482913", recipient: "+14155550100", applicationName: "acme", connection: connection)
    }

    static func field(_ name: String, _ form: [(String, String)]) -> String? {
        form.first { $0.0 == name }?.1
    }

    @Test func smsIsTheMessagesAPIWithPlainNumbers() throws {
        let connection = Self.connection(nil)
        let request = try TwilioProvider.request(for: try Self.render(connection), settings: connection.settings)
        #expect(request.resource == "Messages.json")
        #expect(Self.field("To", request.form) == "+14155550100")
        #expect(Self.field("From", request.form) == "+15005550006")
        #expect(Self.field("Body", request.form) == "Your verification code is: 482913")
    }

    @Test func whatsAppPrefixesBothAddresses() throws {
        let connection = Self.connection(.whatsapp)
        let request = try TwilioProvider.request(for: try Self.render(connection), settings: connection.settings)
        #expect(request.resource == "Messages.json")
        #expect(Self.field("To", request.form) == "whatsapp:+14155550100")
        #expect(Self.field("From", request.form) == "whatsapp:+15005550006")
        #expect(Self.field("Body", request.form) == "Your verification code is: 482913")
    }

    /// A voice connection's message is rendered with the code's digits spaced; only the code's
    /// (a number in the template stays a number).
    @Test func aVoiceMessageSpacesTheCodeDigits() throws {
        let message = try Self.render(Self.connection(.voice, template: "Your code for 2 apps is @@password@@."))
        #expect(message.body == "Your code for 2 apps is 4, 8, 2, 9, 1, 3.")
        #expect(try Self.render(Self.connection(.sms)).body == "Your verification code is: 482913")
    }

    @Test func aVoiceCallSaysTheMessageTwiceEscapedInItsLanguage() throws {
        let connection = Self.connection(.voice, template: "R&D <lab> \"says\": @@password@@")
        var message = try Self.render(connection)
        message.language = "fr"
        let request = try TwilioProvider.request(for: message, settings: connection.settings)
        #expect(request.resource == "Calls.json")
        #expect(Self.field("To", request.form) == "+14155550100")
        #expect(Self.field("From", request.form) == "+15005550006")
        #expect(Self.field("Body", request.form) == nil)
        let say = #"<Say language="fr-FR">R&amp;D &lt;lab&gt; &quot;says&quot;: 4, 8, 2, 9, 1, 3</Say>"#
        #expect(Self.field("Twiml", request.form) == "<Response>\(say)<Pause length=\"1\"/>\(say)</Response>")
    }

    @Test func sayLanguagesFollowTheMessageLanguage() {
        let cases: [(String?, String)] = [
            (nil, "en-US"), ("", "en-US"), ("en", "en-US"), ("en-GB", "en-GB"), ("fr", "fr-FR"), ("fr-CA", "fr-CA"), ("fr-XX", "fr-FR"),
            ("pt-BR", "pt-BR"), ("pt", "pt-BR"), ("ja", "ja-JP"), ("ar", "arb"), ("zh-Hant-TW", "zh-TW"), ("de_AT", "de-AT"),
            ("xx", "en-US"),
        ]
        for (tag, expected) in cases {
            #expect(TwilioVoiceCall.sayLanguage(for: tag) == expected, "\(String(describing: tag))")
        }
    }

    @Test func whatsAppAndVoiceNeedASenderNumber() {
        var settings = Self.connection(.voice).settings
        settings.from = nil
        settings.messagingServiceSID = "MG1"
        let message = RenderedMessage(jobID: "job-1", recipient: "+14155550100", body: "1, 2", subject: "")
        #expect(throws: DeliveryError.permanent(reason: "the voice connection has no caller number")) {
            try TwilioProvider.request(for: message, settings: settings)
        }
        settings.twilioChannel = .whatsapp
        #expect(throws: DeliveryError.permanent(reason: "the WhatsApp connection has no sender number")) {
            try TwilioProvider.request(for: message, settings: settings)
        }
    }
}
