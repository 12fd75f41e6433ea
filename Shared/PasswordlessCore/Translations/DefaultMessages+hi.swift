extension DefaultMessages {
    /// Hindi (आप, polite), Devanagari; मिनट is the same in singular and plural.
    static let hindi = DefaultMessages(
        language: "hi",
        sms: "आपका सत्यापन कोड है: @@password@@",
        codeSubject: "आपका सत्यापन कोड",
        codeLabel: "आपका सत्यापन कोड है:",
        codeExpiry: "यह @@minutes@@ मिनट में समाप्त हो जाएगा।",
        codeIgnore: "अगर आपने यह कोड नहीं माँगा था, तो इस ईमेल को अनदेखा करें।",
        linkSubject: "@@application.name@@ में साइन इन करें",
        linkIntro: "@@application.name@@ में साइन इन करने के लिए यह लिंक खोलें:",
        linkPrompt: "@@application.name@@ में साइन इन करने के लिए बटन चुनें।",
        button: "@@application.name@@ में साइन इन करें",
        codeInstead: "या इसके बजाय यह कोड डालें:",
        linkExpiry: "लिंक और कोड @@minutes@@ मिनट में समाप्त हो जाएँगे।",
        linkIgnore: "अगर आपने इसका अनुरोध नहीं किया था, तो इस ईमेल को अनदेखा करें।"
    )
}
