extension DefaultMessages {
    /// Japanese (polite です/ます); full-width punctuation, no spaces between sentences.
    static let japanese = DefaultMessages(
        language: "ja",
        sms: "認証コードは @@password@@ です。",
        codeSubject: "認証コードのお知らせ",
        codeLabel: "認証コード：",
        codeExpiry: "有効期限は@@minutes@@分です。",
        codeIgnore: "お心当たりのない場合は、このメールを破棄してください。",
        linkSubject: "@@application.name@@へのログイン",
        linkIntro: "次のリンクを開いて、@@application.name@@にログインしてください。",
        linkPrompt: "ボタンを選択して、@@application.name@@にログインしてください。",
        button: "@@application.name@@にログイン",
        codeInstead: "または、こちらのコードを入力してください：",
        linkExpiry: "リンクとコードの有効期限は@@minutes@@分です。",
        linkIgnore: "お心当たりのない場合は、このメールを破棄してください。"
    )
}
