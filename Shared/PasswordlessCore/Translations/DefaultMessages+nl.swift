extension DefaultMessages {
    /// Dutch (je, as Dutch consumer apps write).
    static let dutch = DefaultMessages(
        language: "nl",
        sms: "Je verificatiecode is: @@password@@",
        codeSubject: "Je verificatiecode",
        codeLabel: "Je verificatiecode is:",
        codeExpiry: "De code verloopt over @@minutes@@ minuten.",
        codeIgnore: "Heb je deze code niet aangevraagd? Negeer dan deze e-mail.",
        linkSubject: "Inloggen bij @@application.name@@",
        linkIntro: "Open deze link om in te loggen bij @@application.name@@:",
        linkPrompt: "Selecteer de knop om in te loggen bij @@application.name@@.",
        button: "Inloggen bij @@application.name@@",
        codeInstead: "Of voer in plaats daarvan deze code in:",
        linkExpiry: "De link en de code verlopen over @@minutes@@ minuten.",
        linkIgnore: "Heb je dit niet aangevraagd? Negeer dan deze e-mail."
    )
}
