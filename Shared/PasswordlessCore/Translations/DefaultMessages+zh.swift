extension DefaultMessages {
    /// Chinese, Simplified (mainland usage, 您); full-width punctuation.
    static let chinese = DefaultMessages(
        language: "zh",
        sms: "您的验证码是：@@password@@",
        codeSubject: "您的验证码",
        codeLabel: "您的验证码是：",
        codeExpiry: "验证码将在 @@minutes@@ 分钟后失效。",
        codeIgnore: "如果这不是您本人的操作，请忽略此邮件。",
        linkSubject: "登录 @@application.name@@",
        linkIntro: "打开以下链接即可登录 @@application.name@@：",
        linkPrompt: "点击下面的按钮即可登录 @@application.name@@。",
        button: "登录 @@application.name@@",
        codeInstead: "您也可以输入以下验证码：",
        linkExpiry: "链接和验证码将在 @@minutes@@ 分钟后失效。",
        linkIgnore: "如果这不是您本人的操作，请忽略此邮件。"
    )
}
