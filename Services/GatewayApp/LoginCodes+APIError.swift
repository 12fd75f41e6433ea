import HTTPService
import LoginCodes
import PasswordlessCore

extension LoginStarter.Refusal {
    /// Auth0's answer for the refusal.
    var apiError: APIError {
        switch self {
        case .rateLimited(_, let retryAfter):
            APIError(
                status: 429, error: "too_many_requests", description: "Too many requests. Please try again later.", retryAfter: retryAfter)
        case .lockedOut(let retryAfter):
            APIError(
                status: 429, error: "too_many_requests", description: "Too many failed attempts for this user. Please try again later.",
                retryAfter: retryAfter)
        case .countryNotAllowed:
            APIError(status: 400, error: "bad.phone_number", description: "Sending codes to this country is not allowed.")
        case .blocked:
            APIError.userBlocked
        }
    }
}

extension Recipient {
    /// The recipient a start request names, or Auth0's 400 `bad.phone_number` / `bad.email`.
    static func parse(strategy: Connection.Strategy, phoneNumber: String?, email: String?) throws(APIError) -> Recipient {
        do {
            return try Recipient(strategy: strategy, phoneNumber: phoneNumber, email: email)
        } catch {
            throw APIError(status: 400, error: "bad.\(error.field.rawValue)", description: error.description)
        }
    }
}
