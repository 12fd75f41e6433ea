import Foundation

/// A person known to one connection of one tenant, by email or phone number.
public struct User: Sendable, Equatable {
    public var id: String
    public var tenantID: UUID
    public var connectionID: UUID
    public var email: String?
    public var phoneNumber: String?
    public var emailVerified: Bool
    public var phoneVerified: Bool
    /// Blocked by an operator: no code is sent and no token issued until unblocked.
    public var blocked: Bool
    /// When the user signed up; nil where the read did not fetch it (the start's hot path).
    public var createdAt: Date?

    public init(
        id: String, tenantID: UUID, connectionID: UUID, email: String?, phoneNumber: String?, emailVerified: Bool, phoneVerified: Bool,
        blocked: Bool = false, createdAt: Date? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.connectionID = connectionID
        self.email = email
        self.phoneNumber = phoneNumber
        self.emailVerified = emailVerified
        self.phoneVerified = phoneVerified
        self.blocked = blocked
        self.createdAt = createdAt
    }

    /// What the user signs in with on its connection: its email address or its phone number.
    public var identifier: String? { email ?? phoneNumber }

    /// A new user id: 24 lower-case hex digits, the shape of Auth0's ids.
    public static func generateID() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<12).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
