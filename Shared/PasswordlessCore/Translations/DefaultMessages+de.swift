extension DefaultMessages {
    /// German (Sie). The SMS stays GSM-7: ä is in the GSM alphabet.
    static let german = DefaultMessages(
        language: "de",
        sms: "Ihr Bestätigungscode lautet: @@password@@",
        codeSubject: "Ihr Bestätigungscode",
        codeLabel: "Ihr Bestätigungscode lautet:",
        codeExpiry: "Er läuft in @@minutes@@ Minuten ab.",
        codeIgnore: "Falls Sie ihn nicht angefordert haben, ignorieren Sie diese E-Mail.",
        linkSubject: "Bei @@application.name@@ anmelden",
        linkIntro: "Öffnen Sie diesen Link, um sich bei @@application.name@@ anzumelden:",
        linkPrompt: "Wählen Sie die Schaltfläche, um sich bei @@application.name@@ anzumelden.",
        button: "Bei @@application.name@@ anmelden",
        codeInstead: "Oder geben Sie stattdessen diesen Code ein:",
        linkExpiry: "Link und Code laufen in @@minutes@@ Minuten ab.",
        linkIgnore: "Falls Sie dies nicht angefordert haben, ignorieren Sie diese E-Mail."
    )
}
