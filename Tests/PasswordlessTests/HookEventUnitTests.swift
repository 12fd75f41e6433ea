import Foundation
import PasswordlessCore
import Testing

@testable import Events

/// The pieces of hook events that need no server: the signature, masking, the event list and
/// the body's shape.
@Suite("Hook event values")
struct HookEventUnitTests {
    /// The expected value comes from Python's `hmac` (the README's receiver snippet does the same).
    @Test func theSignatureIsHexHMACOfTimestampDotBody() {
        let header = HookSecret.signatureHeader(secret: "whsec_test", timestamp: 1_700_000_000, body: Array(#"{"a":1}"#.utf8))
        #expect(header == "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789")
    }

    @Test func secretsAreFreshAndPrefixed() {
        let (one, two) = (HookSecret.generate(), HookSecret.generate())
        #expect(one.hasPrefix("whsec_") && one.count == 6 + 43)
        #expect(one != two)
    }

    @Test func recipientsAreMasked() {
        #expect(RecipientMask.mask("jane@example.com") == "j•••@example.com")
        #expect(RecipientMask.mask("+33612345689") == "+33•••••••89")
        #expect(RecipientMask.mask("+14155550123") == "+14•••••••23")
        #expect(!RecipientMask.mask("+1234567").contains("234"))
        #expect(RecipientMask.mask("x") == "x•••")
    }

    @Test func providerErrorsLoseEverySpellingOfTheRecipient() {
        let email = RecipientMask.redact("550 5.1.1 <JANE@Example.com>: no such user", recipient: "jane@example.com")
        #expect(email == "550 5.1.1 <j•••@example.com>: no such user")
        let phone = RecipientMask.redact(
            "Twilio error 21211: 'To' number 33612345689 is not valid (+33612345689)", recipient: "+33612345689")
        #expect(!phone.contains("612345689"))
        #expect(phone.contains("+33•••••••89"))
    }

    @Test func eventListsParse() throws {
        #expect(try HookEventType.parseList("*").get() == HookEventType.allCases)
        #expect(
            try HookEventType.parseList("delivery.sent, verification.pending,delivery.sent").get() == [.verificationPending, .deliverySent])
        #expect(throws: HookEventType.UnknownEventType(name: "delivery.lost")) {
            try HookEventType.parseList("delivery.sent,delivery.lost").get()
        }
        #expect(Hook.isValidURL("https://hooks.example.com/x") && Hook.isValidURL("http://127.0.0.1:9000/"))
        #expect(!Hook.isValidURL("ftp://example.com") && !Hook.isValidURL("/relative") && !Hook.isValidURL("https://"))
    }

    @Test func theBodyHasItsFieldsAndNoEmptyOnes() throws {
        let tenant = UUID()
        let body = EventBody(
            type: .verificationFailed, createdAt: Date(timeIntervalSince1970: 1_700_000_000), tenant: tenant,
            data: EventData(connection: "sms", channel: "sms", recipient: "+14•••••••23", reason: "wrong"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.encoded().utf8)) as? [String: Any])
        #expect(json["type"] as? String == "verification.failed")
        #expect(json["created_at"] as? String == "2023-11-14T22:13:20Z")
        #expect(json["tenant"] as? String == tenant.uuidString.lowercased())
        #expect((json["id"] as? String)?.hasPrefix("evt_") == true)
        let data = try #require(json["data"] as? [String: Any])
        #expect(Set(data.keys) == ["connection", "channel", "recipient", "reason"])
    }
}
