import Foundation
import Hummingbird

/// Signing in and out: `/signin` asks for an address and sends an operator a code (anyone else
/// gets the same page and nothing); `/signin/code` checks it; `/login-link/<token>` shows a
/// "Sign in" button whose POST spends the one-time link from `console login-link` (so a link
/// preview or a mail scanner fetching it spends nothing); `POST /signout` ends the session.
///
/// Nothing an outsider can time tells an operator's address from another: the code is sent in
/// the background after the answer, and a code check answers no sooner than ``checkFloor``.
struct SignInController {
    let sessions: OperatorSessions
    let signIn: OperatorSignIn
    let guardian: ConsoleGuard
    let pages: Pages
    let settings: ConsoleSettings
    let audit: ConsoleAudit

    func addRoutes(to router: Router<ConsoleContext>) {
        router.get("/signin") { _, context in page(askCode: false, context: context) }
        router.post("/signin") { _, context in try await start(context: context) }
        router.get("/signin/code") { request, context in
            guard ConsoleGuard.cookie(ConsoleGuard.signInCookie, in: request) != nil else { return Pages.redirect("/signin") }
            return page(askCode: true, context: context)
        }
        router.post("/signin/code") { request, context in try await finish(request, context: context) }
        router.get("/login-link/:token") { _, context in
            var page = PageView(title: "Sign in")
            page.signIn = .init(askCode: false, linkAction: "/login-link/\(PathSegment.encode(context.parameters.get("token") ?? ""))")
            return pages.render("signin", page, context: context)
        }
        router.post("/login-link/:token") { _, context in try await redeem(context.parameters.get("token") ?? "", context: context) }
        router.post("/signout") { request, context in
            if let token = ConsoleGuard.cookie(ConsoleGuard.cookie, in: request) {
                try await sessions.delete(token)
                if let session = context.session { audit.record(operator: session.email, arguments: ["signout"], error: nil) }
            }
            var response = Pages.redirect("/signin")
            response.headers[.setCookie] = guardian.setCookie(ConsoleGuard.cookie, "", maxAge: 0)
            return response
        }
    }

    func page(askCode: Bool, context: ConsoleContext, error: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        var page = PageView(title: "Sign in")
        page.signIn = .init(askCode: askCode)
        page.error = error
        if askCode { page.notice = "If this address may sign in, a code is on its way. Type it here." }
        return pages.render("signin", page, context: context, status: status)
    }

    /// The same answer for everyone: a pending sign-in and the code page; only an operator gets a code.
    func start(context: ConsoleContext) async throws -> Response {
        guard let email = context.form.text("email"), email.count <= 320 else {
            return page(askCode: false, context: context, error: "Type your email address.")
        }
        let token = try await sessions.startSignIn(email: email)
        let (signIn, clientIP) = (self.signIn, context.remoteAddress?.ipAddress)
        Task { await signIn.sendCode(to: email, clientIP: clientIP) }
        var response = Pages.redirect("/signin/code")
        response.headers[.setCookie] = guardian.setCookie(ConsoleGuard.signInCookie, token, maxAge: OperatorSessions.pendingSeconds)
        return response
    }

    /// The least time a code check takes, right or wrong, operator or not.
    static let checkFloor: Duration = .milliseconds(400)

    func finish(_ request: Request, context: ConsoleContext) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await check(request, context: context)
        try? await Task.sleep(until: started + Self.checkFloor, clock: .continuous)
        return response
    }

    private func check(_ request: Request, context: ConsoleContext) async throws -> Response {
        guard let pending = ConsoleGuard.cookie(ConsoleGuard.signInCookie, in: request),
            let email = try await sessions.pendingSignIn(pending)
        else { return page(askCode: false, context: context, error: "That sign-in has expired. Start again.") }
        guard let code = context.form.text("code"), await signIn.check(code: code, for: email),
            let address = settings.operators.match(email)
        else {
            return page(askCode: true, context: context, error: "That code is not right, or it has expired.", status: .unauthorized)
        }
        try await sessions.endSignIn(pending)
        return try await signedIn(address, how: "code")
    }

    func redeem(_ token: String, context: ConsoleContext) async throws -> Response {
        guard !token.isEmpty, token.count <= 100, let email = try await sessions.redeemLoginLink(token),
            let address = settings.operators.match(email)
        else {
            return page(askCode: false, context: context, error: "This sign-in link is not valid: it was used already or has expired.")
        }
        return try await signedIn(address, how: "login-link")
    }

    /// A new session for `email`, its cookie, and the way in.
    func signedIn(_ email: String, how: String) async throws -> Response {
        let token = try await sessions.create(email: email)
        audit.record(operator: email, arguments: ["signin", how], error: nil)
        var response = Pages.redirect("/tenants")
        response.headers[values: .setCookie] = [
            guardian.setCookie(ConsoleGuard.cookie, token, maxAge: nil),
            guardian.setCookie(ConsoleGuard.signInCookie, "", maxAge: 0),
        ]
        return response
    }
}
