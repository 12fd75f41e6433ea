extension DefaultMessages {
    /// Korean (polite 하세요 style).
    static let korean = DefaultMessages(
        language: "ko",
        sms: "인증 코드: @@password@@",
        codeSubject: "인증 코드 안내",
        codeLabel: "인증 코드:",
        codeExpiry: "이 코드는 @@minutes@@분 후에 만료됩니다.",
        codeIgnore: "요청하지 않으셨다면 이 이메일을 무시하세요.",
        linkSubject: "@@application.name@@ 로그인",
        linkIntro: "이 링크를 열어 @@application.name@@에 로그인하세요:",
        linkPrompt: "버튼을 선택하여 @@application.name@@에 로그인하세요.",
        button: "@@application.name@@에 로그인",
        codeInstead: "또는 이 코드를 입력하세요:",
        linkExpiry: "링크와 코드는 @@minutes@@분 후에 만료됩니다.",
        linkIgnore: "요청하지 않으셨다면 이 이메일을 무시하세요."
    )
}
