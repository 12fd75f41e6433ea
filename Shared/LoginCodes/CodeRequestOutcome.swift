/// The `outcome` label of `passwordless_codes_requested_total`: a fixed set, documented in the
/// README (a test compares the two), never derived from user data.
public enum CodeRequestOutcome: String, Sendable, CaseIterable {
    /// A code was stored and its send job queued.
    case queued
    /// Nobody was sent anything: sign-ups are disabled and no such user exists.
    case notSent = "not_sent"
    case rateLimitedRecipient = "rate_limited_recipient"
    case rateLimitedIP = "rate_limited_ip"
    case rateLimitedTenant = "rate_limited_tenant"
    case rateLimitedCountry = "rate_limited_country"
    /// Too many wrong codes for this recipient lately.
    case lockedOut = "locked_out"
    /// The number's country is not on the connection's allow-list.
    case countryNotAllowed = "country_not_allowed"
    /// An operator blocked the user.
    case blocked
    /// A dependency failed.
    case error
}
