extension DefaultMessages {
    /// Russian (вы). "мин." avoids the plural forms of минута.
    static let russian = DefaultMessages(
        language: "ru",
        sms: "Ваш код подтверждения: @@password@@",
        codeSubject: "Ваш код подтверждения",
        codeLabel: "Ваш код подтверждения:",
        codeExpiry: "Код действует @@minutes@@ мин.",
        codeIgnore: "Если вы не запрашивали код, просто проигнорируйте это письмо.",
        linkSubject: "Вход в @@application.name@@",
        linkIntro: "Чтобы войти в @@application.name@@, откройте эту ссылку:",
        linkPrompt: "Нажмите кнопку, чтобы войти в @@application.name@@.",
        button: "Войти в @@application.name@@",
        codeInstead: "Или введите этот код:",
        linkExpiry: "Ссылка и код действуют @@minutes@@ мин.",
        linkIgnore: "Если вы не запрашивали вход, просто проигнорируйте это письмо."
    )
}
