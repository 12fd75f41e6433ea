extension DefaultMessages {
    /// Arabic (Modern Standard), right to left. "@@minutes@@ دقائق" is the plural that 3 to 10 take,
    /// so the usual lifetimes (5, 10 minutes) read correctly; 11 and more would take دقيقة.
    static let arabic = DefaultMessages(
        language: "ar",
        sms: "رمز التحقق الخاص بك: @@password@@",
        codeSubject: "رمز التحقق الخاص بك",
        codeLabel: "رمز التحقق الخاص بك هو:",
        codeExpiry: "الرمز صالح لمدة @@minutes@@ دقائق.",
        codeIgnore: "إذا لم تطلب هذا الرمز، فتجاهل هذه الرسالة.",
        linkSubject: "تسجيل الدخول إلى @@application.name@@",
        linkIntro: "سجّل الدخول إلى @@application.name@@ بفتح هذا الرابط:",
        linkPrompt: "اختر الزر لتسجيل الدخول إلى @@application.name@@.",
        button: "تسجيل الدخول إلى @@application.name@@",
        codeInstead: "أو أدخل هذا الرمز بدلًا من ذلك:",
        linkExpiry: "الرابط والرمز صالحان لمدة @@minutes@@ دقائق.",
        linkIgnore: "إذا لم تطلب ذلك، فتجاهل هذه الرسالة."
    )
}
