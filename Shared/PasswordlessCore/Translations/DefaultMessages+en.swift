extension DefaultMessages {
    /// English: the source every translation says the same as.
    static let english = DefaultMessages(
        language: "en",
        sms: "Your verification code is: @@password@@",
        codeSubject: "Your verification code",
        codeLabel: "Your verification code is:",
        codeExpiry: "It expires in @@minutes@@ minutes.",
        codeIgnore: "If you did not ask for it, ignore this email.",
        linkSubject: "Sign in to @@application.name@@",
        linkIntro: "Sign in to @@application.name@@ by opening this link:",
        linkPrompt: "Select the button to sign in to @@application.name@@.",
        button: "Sign in to @@application.name@@",
        codeInstead: "Or type this code instead:",
        linkExpiry: "The link and the code expire in @@minutes@@ minutes.",
        linkIgnore: "If you did not ask for this, ignore this email."
    )
}
