import Foundation
import HTTPTypes
import Hummingbird

/// Every console request passes here: the session cookie is looked up (nothing but the sign-in
/// pages without one), a POST's form is read and must carry the session's CSRF token (403 and no
/// change otherwise), and every answer gets the console's security headers.
struct ConsoleGuard: RouterMiddleware {
    typealias Context = ConsoleContext
    let sessions: OperatorSessions
    /// `CONSOLE_OPERATORS` as the console started: a session of an address no longer listed ends.
    let operators: OperatorList
    let pages: Pages
    /// `Secure` on the cookies unless the console listens on loopback.
    let secureCookies: Bool

    static let cookie = "pl_console"
    static let signInCookie = "pl_console_signin"
    /// Paths open without a session.
    static let publicPrefixes = ["/signin", "/login-link/", "/static/"]
    static let maximumForm = 256 * 1024

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        var context = context
        var response: Response
        do {
            if let token = Self.cookie(Self.cookie, in: request),
                let session = try await sessions.find(token, touch: request.uri.path != "/queue/live")
            {
                if operators.match(session.email) != nil {
                    context.session = session
                } else {
                    try await sessions.delete(token)
                }
            }
            if request.method == .post {
                let body = try await request.collectBody(upTo: Self.maximumForm)
                context.form = FormBody(String(buffer: body))
            }
            let path = request.uri.path
            if Self.publicPrefixes.contains(where: { path.hasPrefix($0) }) {
                response = try await next(request, context)
            } else if let session = context.session {
                if request.method == .post, !Self.sameToken(context.form["csrf"], session.csrf) {
                    response = pages.message(
                        status: .forbidden, title: "Refused",
                        text: "This form is out of date or was not sent by the console. Nothing was changed.",
                        context: context)
                } else {
                    response = try await next(request, context)
                }
            } else {
                response = Pages.redirect("/signin")
            }
        } catch let error as HTTPError where error.status == .contentTooLarge {
            response = pages.message(status: .contentTooLarge, title: "Too large", text: "The form is too large.", context: context)
        } catch let error as HTTPError where error.status.code < 500 {
            // A route that does not exist, a method it does not take: what the caller asked for.
            response = pages.message(
                status: error.status, title: error.status.reasonPhrase, text: "There is no such page.", context: context)
        } catch {
            context.logger.error("console request failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            response = pages.message(
                status: .serviceUnavailable, title: "Unavailable", text: "The console cannot reach its database or Redis just now.",
                context: context)
        }
        response.headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; "
            + "frame-ancestors 'none'; base-uri 'none'; script-src 'nonce-\(context.nonce)'"
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.referrerPolicy] = "no-referrer"
        response.headers[.cacheControl] = "no-store"
        response.headers[.xContentTypeOptions] = "nosniff"
        return response
    }

    /// Whether a posted CSRF token is the session's, compared in constant time.
    static func sameToken(_ posted: String?, _ expected: String) -> Bool {
        guard let posted, posted.utf8.count == expected.utf8.count else { return false }
        return zip(posted.utf8, expected.utf8).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The value of the cookie `name`, if the request sends it.
    static func cookie(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    /// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Path=/, Secure off loopback; `maxAge` 0 deletes it.
    func setCookie(_ name: String, _ value: String, maxAge: Int?) -> String {
        var text = "\(name)=\(value); Path=/; HttpOnly; SameSite=Strict"
        if let maxAge { text += "; Max-Age=\(maxAge)" }
        if secureCookies { text += "; Secure" }
        return text
    }
}

extension HTTPField.Name {
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
