import HTTPTypes
import Hummingbird

/// Why a sign-in link cannot be used, as the page a browser gets: never a redirect, never JSON.
struct LinkRefusal: Error {
    var status: HTTPResponse.Status
    var title: String
    var message: String
    /// The application the link was for, when the link named a real client.
    var application: String?
    /// Where to ask for a new link: the origin of the link's (valid) callback.
    var home: String?
    var retryAfter: Int?

    /// A link that is cut, altered, or names something that does not exist.
    static func malformed(application: String? = nil) -> LinkRefusal {
        LinkRefusal(
            status: .badRequest, title: "This link is not valid",
            message: "The link is incomplete or was changed. Links are only valid exactly as they were sent.", application: application)
    }

    /// A link whose code was used, replaced by a newer one, or never matched.
    static func spent(application: String, home: String?) -> LinkRefusal {
        LinkRefusal(
            status: .forbidden, title: "This link can no longer be used",
            message: "It has been used already, or a newer link or code was sent since. Each link works once.",
            application: application, home: home)
    }

    /// A right link of a user an operator blocked.
    static func blocked(application: String) -> LinkRefusal {
        LinkRefusal(
            status: .unauthorized, title: "This account is blocked", message: "The user is blocked. Ask the application's support.",
            application: application)
    }

    static func expired(application: String, home: String?) -> LinkRefusal {
        LinkRefusal(
            status: .forbidden, title: "This link has expired", message: "Links work for a limited time after they are sent.",
            application: application, home: home)
    }

    static func locked(application: String, home: String?, retryAfter: Int) -> LinkRefusal {
        LinkRefusal(
            status: .tooManyRequests, title: "Too many attempts",
            message: "There were too many failed attempts to sign in with this address. Please wait a few minutes.",
            application: application, home: home, retryAfter: retryAfter)
    }

    /// Redis or PostgreSQL failed or is too slow before the code was spent: the link still works.
    static let unavailable = LinkRefusal(
        status: .serviceUnavailable, title: "Please try again",
        message: "Signing in is briefly unavailable. Your link still works: go back and press Continue again in a moment.", retryAfter: 1)

    /// The code was spent, but the tokens or the authorization code could not be made.
    static func unfinished(application: String, home: String?) -> LinkRefusal {
        LinkRefusal(
            status: .serviceUnavailable, title: "Signing in could not finish",
            message: "The link was used, but signing in failed on our side. Please ask for a new link.", application: application,
            home: home)
    }

    /// A post from another site's page: only this page's own form may use a link.
    static let crossSite = LinkRefusal(
        status: .forbidden, title: "Continue from the link itself",
        message: "This sign-in can only be continued from the page the link opens. Open the link from your email again.")

    var page: Response {
        var response = LinkPage.failurePage(status: status, title: title, message: message, application: application, home: home)
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }
}
