extension DefaultMessages {
    /// Hebrew, right to left; impersonal forms (יש ל…, אפשר) so no sentence is gendered.
    static let hebrew = DefaultMessages(
        language: "he",
        sms: "קוד האימות שלך: @@password@@",
        codeSubject: "קוד האימות שלך",
        codeLabel: "קוד האימות שלך:",
        codeExpiry: "תוקף הקוד יפוג בעוד @@minutes@@ דקות.",
        codeIgnore: "אם לא ביקשת את הקוד, אפשר להתעלם מההודעה הזו.",
        linkSubject: "כניסה ל-@@application.name@@",
        linkIntro: "כדי להיכנס ל-@@application.name@@ יש לפתוח את הקישור הזה:",
        linkPrompt: "יש ללחוץ על הכפתור כדי להיכנס ל-@@application.name@@.",
        button: "כניסה ל-@@application.name@@",
        codeInstead: "אפשר גם להזין את הקוד הזה:",
        linkExpiry: "תוקף הקישור והקוד יפוג בעוד @@minutes@@ דקות.",
        linkIgnore: "אם לא ביקשת זאת, אפשר להתעלם מההודעה הזו."
    )
}
