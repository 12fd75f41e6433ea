import PasswordlessCore

/// Where a finished sign-in link sends the browser (RFC 6749 §4.1.2 and §4.2.2): the callback
/// with the answer's parameters added to its query (`response_type=code`) or as its fragment
/// (the implicit types). A fragment the callback itself carries is replaced.
enum AuthorizationResponse {
    static func location(_ redirectURI: String, parameters: [(name: String, value: String)], inFragment: Bool) -> String {
        let encoded = URLQuery.encode(parameters)
        let base = String(redirectURI.prefix { $0 != "#" })
        if inFragment { return base + "#" + encoded }
        let fragment = redirectURI.firstIndex(of: "#").map { String(redirectURI[$0...]) } ?? ""
        let separator = base.contains("?") ? (base.hasSuffix("?") || base.hasSuffix("&") ? "" : "&") : "?"
        return base + separator + encoded + fragment
    }
}
