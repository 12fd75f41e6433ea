extension DefaultMessages {
    /// Italian (tu). The SMS stays GSM-7: è is in the GSM alphabet.
    static let italian = DefaultMessages(
        language: "it",
        sms: "Il tuo codice di verifica è: @@password@@",
        codeSubject: "Il tuo codice di verifica",
        codeLabel: "Il tuo codice di verifica è:",
        codeExpiry: "Scade tra @@minutes@@ minuti.",
        codeIgnore: "Se non l'hai richiesto, ignora questa email.",
        linkSubject: "Accedi a @@application.name@@",
        linkIntro: "Accedi a @@application.name@@ aprendo questo link:",
        linkPrompt: "Seleziona il pulsante per accedere a @@application.name@@.",
        button: "Accedi a @@application.name@@",
        codeInstead: "Oppure inserisci questo codice:",
        linkExpiry: "Il link e il codice scadono tra @@minutes@@ minuti.",
        linkIgnore: "Se non l'hai richiesto tu, ignora questa email."
    )
}
