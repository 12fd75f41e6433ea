extension DefaultMessages {
    /// Portuguese, worded to read naturally in Brazil and Portugal alike (no você/tu: impersonal forms).
    static let portuguese = DefaultMessages(
        language: "pt",
        sms: "Código de verificação: @@password@@",
        codeSubject: "Código de verificação",
        codeLabel: "Código de verificação:",
        codeExpiry: "Expira em @@minutes@@ minutos.",
        codeIgnore: "Se não solicitou este código, ignore este e-mail.",
        linkSubject: "Entrar em @@application.name@@",
        linkIntro: "Abra este link para entrar em @@application.name@@:",
        linkPrompt: "Selecione o botão para entrar em @@application.name@@.",
        button: "Entrar em @@application.name@@",
        codeInstead: "Ou use este código:",
        linkExpiry: "O link e o código expiram em @@minutes@@ minutos.",
        linkIgnore: "Se não solicitou este acesso, ignore este e-mail."
    )
}
