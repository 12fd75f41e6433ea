extension DefaultMessages {
    /// Polish. "min." avoids the three plural forms of minuta; the wording avoids gendered past tenses.
    static let polish = DefaultMessages(
        language: "pl",
        sms: "Twój kod weryfikacyjny: @@password@@",
        codeSubject: "Twój kod weryfikacyjny",
        codeLabel: "Twój kod weryfikacyjny:",
        codeExpiry: "Kod jest ważny przez @@minutes@@ min.",
        codeIgnore: "Jeśli to nie Ty prosisz o kod, zignoruj tę wiadomość.",
        linkSubject: "Logowanie do @@application.name@@",
        linkIntro: "Otwórz ten link, aby zalogować się do @@application.name@@:",
        linkPrompt: "Wybierz przycisk, aby zalogować się do @@application.name@@.",
        button: "Zaloguj się do @@application.name@@",
        codeInstead: "Możesz też wpisać ten kod:",
        linkExpiry: "Link i kod są ważne przez @@minutes@@ min.",
        linkIgnore: "Jeśli to nie Ty prosisz o logowanie, zignoruj tę wiadomość."
    )
}
