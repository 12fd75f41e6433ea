extension DefaultMessages {
    /// Spanish (neutral, informal tú as most consumer apps write it). The SMS is UCS-2 (ó).
    static let spanish = DefaultMessages(
        language: "es",
        sms: "Tu código de verificación es: @@password@@",
        codeSubject: "Tu código de verificación",
        codeLabel: "Tu código de verificación es:",
        codeExpiry: "Caduca en @@minutes@@ minutos.",
        codeIgnore: "Si no lo has solicitado, ignora este correo.",
        linkSubject: "Inicia sesión en @@application.name@@",
        linkIntro: "Inicia sesión en @@application.name@@ abriendo este enlace:",
        linkPrompt: "Selecciona el botón para iniciar sesión en @@application.name@@.",
        button: "Iniciar sesión en @@application.name@@",
        codeInstead: "O escribe este código:",
        linkExpiry: "El enlace y el código caducan en @@minutes@@ minutos.",
        linkIgnore: "Si no lo has solicitado, ignora este correo."
    )
}
