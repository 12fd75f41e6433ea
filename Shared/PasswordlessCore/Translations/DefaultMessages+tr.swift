extension DefaultMessages {
    /// Turkish (siz). The application's name is never given a case suffix: it stays before için.
    static let turkish = DefaultMessages(
        language: "tr",
        sms: "Doğrulama kodunuz: @@password@@",
        codeSubject: "Doğrulama kodunuz",
        codeLabel: "Doğrulama kodunuz:",
        codeExpiry: "Kodun süresi @@minutes@@ dakika içinde dolacak.",
        codeIgnore: "Bu kodu siz istemediyseniz bu e-postayı dikkate almayın.",
        linkSubject: "@@application.name@@ için oturum açma bağlantısı",
        linkIntro: "@@application.name@@ için oturum açmak üzere bu bağlantıyı açın:",
        linkPrompt: "@@application.name@@ için oturum açmak üzere düğmeyi seçin.",
        button: "@@application.name@@ için oturum açın",
        codeInstead: "Ya da bunun yerine bu kodu girin:",
        linkExpiry: "Bağlantının ve kodun süresi @@minutes@@ dakika içinde dolacak.",
        linkIgnore: "Bu isteği siz yapmadıysanız bu e-postayı dikkate almayın."
    )
}
