import PasswordlessCore
import Testing

/// Counting the SMS segments a text is billed as (GSM-7 and UCS-2, single and concatenated).
@Suite("SMS segments")
struct SMSSegmentsTests {
    /// What a text should count as (``SMSSegments`` has no memberwise initialiser to compare with).
    struct Expected: Equatable {
        var encoding: SMSSegments.Encoding
        var units: Int
        var count: Int
    }

    static func segments(_ encoding: SMSSegments.Encoding, _ units: Int, _ count: Int) -> Expected {
        Expected(encoding: encoding, units: units, count: count)
    }

    static func counted(_ text: String) -> Expected {
        let segments = SMSSegments(text)
        return Expected(encoding: segments.encoding, units: segments.units, count: segments.count)
    }
    @Test func gsm7FitsOneHundredSixtyThenPartsOfOneHundredFiftyThree() {
        #expect(Self.counted(String(repeating: "a", count: 160)) == Self.segments(.gsm7, 160, 1))
        #expect(SMSSegments(String(repeating: "a", count: 161)).count == 2)
        #expect(SMSSegments(String(repeating: "a", count: 306)).count == 2)
        #expect(SMSSegments(String(repeating: "a", count: 307)).count == 3)
        #expect(SMSSegments("").count == 1)
        #expect(SMSSegments("Votre code de vérification : 123456. Ça expire à 10 h; Øre £5 ¥ § ¿¡ Ñu? ").encoding == .gsm7)
    }

    @Test func extensionCharactersTakeTwoSeptetsAndAreNotSplit() {
        #expect(SMSSegments("€").units == 2 && SMSSegments("€").encoding == .gsm7)
        #expect(SMSSegments("{code} [x] ~ ^ | \\").units == 26)
        #expect(Self.counted(String(repeating: "a", count: 158) + "€") == Self.segments(.gsm7, 160, 1))
        #expect(SMSSegments(String(repeating: "a", count: 159) + "€").count == 2)
        // 152 septets then a two-septet character: it moves whole into the second part.
        let straddling = String(repeating: "a", count: 152) + "€" + String(repeating: "a", count: 152)
        #expect(SMSSegments(straddling).units == 306)
        #expect(SMSSegments(straddling).count == 3, "the euro sign does not fit in the first part's last septet")
    }

    @Test func anythingElseIsUCS2WithSeventyThenSixtySeven() {
        #expect(Self.counted(String(repeating: "á", count: 70)) == Self.segments(.ucs2, 70, 1))
        #expect(SMSSegments(String(repeating: "á", count: 71)).count == 2)
        #expect(SMSSegments(String(repeating: "a", count: 133) + "ç").count == 2, "one character outside GSM-7 makes it all UCS-2")
        #expect(SMSSegments(String(repeating: "a", count: 134) + "ç").count == 3)
        #expect(SMSSegments("你好").encoding == .ucs2 && SMSSegments("مرحبا").units == 5)
    }

    @Test func emojiAreSurrogatePairsThatStayInOnePart() {
        #expect(SMSSegments("😀").units == 2)
        #expect(Self.counted(String(repeating: "😀", count: 35)) == Self.segments(.ucs2, 70, 1))
        #expect(SMSSegments(String(repeating: "😀", count: 35) + "a").count == 2)
        // 66 units then a pair: the pair moves whole into the next part.
        let straddling = String(repeating: "x", count: 65) + "é" + "😀" + String(repeating: "y", count: 66)
        #expect(SMSSegments(straddling).units == 134)
        #expect(SMSSegments(straddling).count == 3)
        #expect(SMSSegments("👍🏽").units == 4, "a skin tone is a second pair")
    }
}
