import Foundation
import Testing

/// Languages end to end: the real gateway picks the language from the request, the number or the
/// connection; the real dispatcher renders in it and delivers through the fake Twilio and the SMTP
/// sink; `passwordless-admin connection template …` manages the connection's own texts.
@Suite("Languages", .serialized)
struct LanguageDeliveryTests {
    /// Requests a code; returns the start answer's JSON. URLSession sends an `Accept-Language` of
    /// its own (English) unless told otherwise, so the default here names no shipped language.
    static func start(
        _ stack: PasswordlessStack, _ tenant: PasswordlessStack.Tenant, connection: String = "sms", phone: String,
        headers: [String: String] = ["Accept-Language": "sw"]
    ) async throws -> [String: Any] {
        let reply = try await stack.post(
            "/passwordless/start", json: ["client_id": tenant.clientID, "connection": connection, "phone_number": phone, "send": "code"],
            headers: headers)
        guard reply.status == 200 else {
            throw TestFailure("start answered \(reply.status): \(String(decoding: reply.body, as: UTF8.self))")
        }
        return (try JSONSerialization.jsonObject(with: reply.body) as? [String: Any]) ?? [:]
    }

    /// The text of the SMS `phone` received, once it arrived.
    static func sms(_ stack: PasswordlessStack, to phone: String) async throws -> String {
        _ = try await stack.smsCode(to: phone)
        return try #require(stack.smsMessages().first { $0.To == phone }?.Body)
    }

    @Test func eachRulePicksTheLanguageAndACustomTemplateWins() async throws {
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            // Before any traffic, so no service holds the connection in its cache without them.
            try await stack.create([
                "connection", "template", "set", "--tenant", "acme", "--name", "sms", "--language", "fr", "--body",
                "Acme : @@password@@ (FR)",
            ])
            let long = String(repeating: "가", count: 80) + " @@password@@"
            let set = try await stack.admin(
                ["connection", "template", "set", "--tenant", "acme", "--name", "sms", "--language", "ko", "--body", long], json: false)
            #expect(set.status == 0 && set.output.contains("warning: the ko SMS needs 2 segments (UCS-2"), "\(set.output)")
            try await stack.create(
                [
                    "connection", "create", "--tenant", "acme", "--name", "sms-de", "--strategy", "sms", "--provider", "twilio",
                    "--twilio-account-sid", PasswordlessStack.twilioSID, "--twilio-auth-token", PasswordlessStack.twilioToken,
                    "--from", "+15005550006", "--twilio-base-url", "http://127.0.0.1:\(stack.twilioPort)", "--default-language", "de",
                ] + PasswordlessStack.unlimited)

            // x-request-language, over Accept-Language and the number's country (France).
            let answer = try await Self.start(
                stack, tenant, phone: "+33612345601", headers: ["x-request-language": "ja", "Accept-Language": "es"])
            #expect(answer["request_language"] as? String == "ja", "Auth0's answer echoes the header")
            #expect(try await Self.sms(stack, to: "+33612345601").hasPrefix("認証コードは "))
            // Accept-Language's best supported range, over the country.
            _ = try await Self.start(stack, tenant, phone: "+33612345602", headers: ["Accept-Language": "sw, es-MX;q=0.8, de;q=0.5"])
            #expect(try await Self.sms(stack, to: "+33612345602").hasPrefix("Tu código de verificación es: "))
            // The number's country, over the connection's default language.
            _ = try await Self.start(stack, tenant, connection: "sms-de", phone: "+8613812345603")
            let chinese = try await Self.sms(stack, to: "+8613812345603")
            #expect(chinese.hasPrefix("您的验证码是："), "\(chinese)")
            // The connection's default language, for a number whose country the table leaves out (Fiji).
            _ = try await Self.start(stack, tenant, connection: "sms-de", phone: "+6799212304")
            #expect(try await Self.sms(stack, to: "+6799212304").hasPrefix("Ihr Bestätigungscode lautet: "))
            // English when nothing says otherwise.
            _ = try await Self.start(stack, tenant, phone: "+6799212305")
            #expect(try await Self.sms(stack, to: "+6799212305").hasPrefix("Your verification code is: "))
            // The connection's French template wins over the shipped French.
            _ = try await Self.start(stack, tenant, phone: "+15555550106", headers: ["x-request-language": "fr-FR"])
            let french = try await Self.sms(stack, to: "+15555550106")
            #expect(french.hasPrefix("Acme : ") && french.hasSuffix(" (FR)"), "\(french)")
            // A malformed header is ignored, never an error.
            _ = try await Self.start(
                stack, tenant, phone: "+819012345607", headers: ["x-request-language": "zz-ZZZZZ-1", "Accept-Language": "q=;;,,*-*"])
            #expect(try await Self.sms(stack, to: "+819012345607").hasPrefix("認証コードは "))
            // The long Korean template: two segments, counted.
            _ = try await Self.start(stack, tenant, phone: "+821012345608")
            let korean = try await Self.sms(stack, to: "+821012345608")
            #expect(korean.hasPrefix("가가가"), "\(korean)")

            // An email in a right-to-left language.
            let mail = try await stack.post(
                "/passwordless/start",
                json: ["client_id": tenant.clientID, "connection": "email", "email": "ada@example.com", "send": "code"],
                headers: ["Accept-Language": "he-IL,en;q=0.1"])
            #expect(mail.status == 200)
            _ = try await stack.emailCode(to: "ada@example.com")
            let parts = MailParts(try #require(stack.mails().first { $0.rcpt_tos.contains("ada@example.com") }).data)
            #expect(parts.decodedSubject == "קוד האימות שלך")
            #expect(parts.html?.contains(#"<html lang="he" dir="rtl">"#) == true)

            let metrics = String(decoding: try await HTTPProbe.get("http://127.0.0.1:\(stack.dispatcherPort)/metrics").body, as: UTF8.self)
            let segmentLines = metrics.split(separator: "\n").filter { $0.hasPrefix("passwordless_sms_segments_total{") }
            #expect(segmentLines.contains { $0.contains(#"encoding="gsm7""#) && $0.contains(#"provider="twilio""#) }, "\(segmentLines)")
            #expect(segmentLines.contains { $0.contains(#"encoding="ucs2""#) && $0.hasSuffix(" 6") }, "\(segmentLines)")
            let multi = metrics.split(separator: "\n").filter { $0.hasPrefix("passwordless_sms_multi_segment_total{") }
            #expect(multi.count == 1 && multi[0].contains(#"encoding="ucs2""#) && multi[0].hasSuffix(" 1"), "\(multi)")
        }
    }

    @Test func templateCommandsSetListAndDeleteWithOneLineErrors() async throws {
        try await PasswordlessStack.with { stack in
            _ = try await stack.makeTenant()
            let target = ["--tenant", "acme", "--name", "sms"]
            let set = try await stack.create(
                ["connection", "template", "set"] + target + ["--language", "PT-br", "--body", "Código: @@password@@"])
            #expect(set["language"] as? String == "pt-BR" && set["segments"] as? Int == 1 && set["connection"] as? String == "sms")
            try await stack.create(
                [
                    "connection", "template", "set", "--tenant", "acme", "--name", "email", "--language", "fr", "--subject", "Code Acme",
                    "--body", "Code : {{code}}", "--html", "<p>{{code}}</p>",
                ])

            let list = try await stack.admin(["connection", "template", "list"] + target)
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.output.utf8)) as? [[String: Any]])
            #expect(rows.map { $0["language"] as? String } == ["pt-BR"])
            #expect(rows.first?["body"] as? String == "Código: @@password@@")
            let table = try await stack.admin(["connection", "template", "list", "--tenant", "acme", "--name", "email"], json: false)
            #expect(table.output.hasPrefix("language\tsubject\tsegments\tbody\nfr\tCode Acme\t\tCode : {{code}}"), "\(table.output)")

            let show = try await stack.admin(["connection", "show", "--tenant", "acme", "sms"])
            #expect(show.json["template_languages"] as? [String] == ["pt-BR"])

            // Replaced, then deleted.
            let replaced = try await stack.admin(
                ["connection", "template", "set"] + target + [
                    "--language", "pt-BR", "--body",
                    "Código Acme, válido por @@minutes@@ minutos: @@password@@ "
                        + String(repeating: "é", count: 40),
                ], json: false)
            #expect(replaced.status == 0)
            #expect(
                replaced.output.contains("warning: the pt-BR SMS needs 2 segments (UCS-2, 83 UTF-16 units) with a 6-digit code"),
                "\(replaced.output)")
            let deleted = try await stack.admin(["connection", "template", "delete"] + target + ["--language", "pt-br"], json: false)
            #expect(deleted.status == 0 && deleted.output == "deleted pt-BR\n")
            let empty = try await stack.admin(["connection", "template", "list"] + target)
            #expect(empty.output.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")

            let failures: [([String], String)] = [
                (["set"] + target + ["--language", "fr_FR", "--body", "@@password@@"], "--language must be a BCP 47 tag"),
                (["set"] + target + ["--language", "fr", "--body", "Your code"], "--body must contain @@password@@"),
                (["set"] + target + ["--language", "fr", "--body", "  "], "--body must not be empty"),
                (["set"] + target + ["--language", "fr", "--body", "@@password@@", "--subject", "Hi"], "are for email connections"),
                (
                    ["set", "--tenant", "acme", "--name", "nope", "--language", "fr", "--body", "@@password@@"],
                    "tenant acme has no connection nope"
                ),
                (["delete"] + target + ["--language", "fr"], "connection sms has no template for fr"),
                (["delete"] + target + ["--language", "français"], "--language must be a BCP 47 tag"),
            ]
            for (arguments, message) in failures {
                let result = try await stack.admin(["connection", "template"] + arguments, json: false)
                let lines = result.output.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
                #expect(result.status != 0 && result.status != nil, "\(arguments): exit \(result.status ?? -1)")
                #expect(result.output.contains(message) && lines.count == 1, "\(arguments): \(result.output)")
            }

            // --default-language on create and update, and the warning for a long --template.
            let created = try await stack.admin(
                [
                    "connection", "create", "--tenant", "acme", "--name", "sms-fr", "--strategy", "sms", "--provider", "outbox",
                    "--outbox-file",
                    "/tmp/languages-outbox.jsonl", "--default-language", "FR", "--template",
                    "Votre code de vérification pour accéder à votre espace personnel, à ne communiquer à personne : @@password@@. "
                        + "Il est valable @@minutes@@ minutes. Merci de ne pas répondre à ce message, il a été envoyé automatiquement.",
                ], json: false)
            #expect(created.status == 0 && created.output.contains("default_language: fr"), "\(created.output)")
            #expect(
                created.output.contains("warning: the SMS needs 2 segments (GSM-7, 202 septets) with a 6-digit code"), "\(created.output)")
            let updated = try await stack.admin(["connection", "update", "--tenant", "acme", "sms-fr", "--default-language", "none"])
            #expect(updated.status == 0 && updated.json["default_language"] == nil, "\(updated.output)")
            let bad = try await stack.admin(
                ["connection", "update", "--tenant", "acme", "sms-fr", "--default-language", "fr-"], json: false)
            #expect(bad.status != 0 && bad.output.contains("--default-language must be a BCP 47 tag"), "\(bad.output)")
        }
    }
}
