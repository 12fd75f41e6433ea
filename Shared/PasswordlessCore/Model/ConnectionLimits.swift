/// The abuse limits of one connection, stored with it (JSON) and editable per connection.
///
/// Rate limits are GCRA token buckets: `count` requests at once (the burst), refilled at `count`
/// per `windowSeconds`; so the `count + 1`-th request inside a window is refused, and a full
/// window later the bucket is full again.
public struct ConnectionLimits: Sendable, Equatable, Codable {
    public struct Rate: Sendable, Equatable, Codable {
        public var count: Int
        public var windowSeconds: Int

        public init(count: Int, windowSeconds: Int) {
            self.count = count
            self.windowSeconds = windowSeconds
        }

        /// Parses `COUNT/SECONDS`, e.g. `5/600`.
        public init?(_ text: String) {
            let parts = text.split(separator: "/")
            guard parts.count == 2, let count = Int(parts[0]), let window = Int(parts[1]), count > 0, window > 0 else { return nil }
            self.init(count: count, windowSeconds: window)
        }

        public var description: String { "\(count)/\(windowSeconds)s" }
    }

    /// Codes sent to one recipient (default 5 per 10 minutes).
    public var perRecipient = Rate(count: 5, windowSeconds: 600)
    /// `/start` calls from one client IP (default 50 per hour, burst 50, as Auth0).
    public var perIP = Rate(count: 50, windowSeconds: 3600)
    /// `/start` calls for the whole tenant on this connection (default 100,000 per hour).
    public var perTenant = Rate(count: 100_000, windowSeconds: 3600)
    /// SMS only: the country calling codes numbers may start with (`["1", "44"]`); nil allows all.
    public var allowedCountries: [String]?
    /// SMS only: codes per country calling code per hour; nil for no cap.
    public var countryHourlyCap: Int?
    /// Wrong codes for one recipient within `lockoutWindowSeconds` that lock it out.
    public var lockoutFailures = 10
    public var lockoutWindowSeconds = 3600
    /// How long a locked-out recipient gets no new code (and no code check).
    public var lockoutSeconds = 3600
    /// Provider politeness: at most `count` messages per `windowSeconds` leave through this
    /// connection, over every dispatcher (one bucket in Redis; `count` at once as the burst).
    /// A job over the rate waits in the retry schedule, unattempted; nil for no limit.
    public var sendRate: Rate?

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = ConnectionLimits()
        perRecipient = try c.decodeIfPresent(Rate.self, forKey: .perRecipient) ?? defaults.perRecipient
        perIP = try c.decodeIfPresent(Rate.self, forKey: .perIP) ?? defaults.perIP
        perTenant = try c.decodeIfPresent(Rate.self, forKey: .perTenant) ?? defaults.perTenant
        allowedCountries = try c.decodeIfPresent([String].self, forKey: .allowedCountries)
        countryHourlyCap = try c.decodeIfPresent(Int.self, forKey: .countryHourlyCap)
        lockoutFailures = try c.decodeIfPresent(Int.self, forKey: .lockoutFailures) ?? defaults.lockoutFailures
        lockoutWindowSeconds = try c.decodeIfPresent(Int.self, forKey: .lockoutWindowSeconds) ?? defaults.lockoutWindowSeconds
        lockoutSeconds = try c.decodeIfPresent(Int.self, forKey: .lockoutSeconds) ?? defaults.lockoutSeconds
        sendRate = try c.decodeIfPresent(Rate.self, forKey: .sendRate)
    }

    /// The allow-listed calling code `e164` starts with, or nil when it is not allowed.
    /// With no allow-list, the number's first digit stands for its country for the hourly cap.
    public func callingCode(of e164: String) -> String? {
        let digits = e164.dropFirst()
        guard let allowed = allowedCountries else { return String(digits.prefix(1)) }
        return allowed.sorted { $0.count > $1.count }.first { digits.hasPrefix($0) }
    }
}
