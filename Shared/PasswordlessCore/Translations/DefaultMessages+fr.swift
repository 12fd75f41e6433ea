extension DefaultMessages {
    /// French (vous). The SMS stays GSM-7: é is in the GSM alphabet.
    static let french = DefaultMessages(
        language: "fr",
        sms: "Votre code de vérification : @@password@@",
        codeSubject: "Votre code de vérification",
        codeLabel: "Votre code de vérification :",
        codeExpiry: "Il expire dans @@minutes@@ minutes.",
        codeIgnore: "Si vous ne l'avez pas demandé, ignorez cet e-mail.",
        linkSubject: "Connexion à @@application.name@@",
        linkIntro: "Connectez-vous à @@application.name@@ en ouvrant ce lien :",
        linkPrompt: "Sélectionnez le bouton pour vous connecter à @@application.name@@.",
        button: "Se connecter à @@application.name@@",
        codeInstead: "Ou saisissez plutôt ce code :",
        linkExpiry: "Le lien et le code expirent dans @@minutes@@ minutes.",
        linkIgnore: "Si vous n'êtes pas à l'origine de cette demande, ignorez cet e-mail."
    )
}
