/// One property of a request body, of a declared type (`BodyProperty<String>`,
/// `BodyProperty<Bool>`), whose refusal waits until the route reads ``value``.
///
/// A property of the wrong type ("The property connection must be a string.") is not refused
/// while the body is decoded: each route checks its properties in its own order, between
/// lookups (an unknown client or a wrong secret is reported before a malformed `connection`),
/// and that order is part of what callers see. Absent and `null` are the same: no value.
public struct BodyProperty<Value: BodyPropertyValue>: Decodable, Sendable {
    private enum State: Sendable {
        case absent, present(Value), refused(APIError)
    }

    private let state: State

    /// The property as absent (or `null`).
    public static var absent: Self { Self(state: .absent) }

    private init(state: State) {
        self.state = state
    }

    /// A property the caller sent with this value (tests and internal callers).
    public init(_ value: Value?) {
        state = value.map { .present($0) } ?? .absent
    }

    /// The value, nil when absent or `null`; 400 `bad.request` when the caller sent something else.
    public var value: Value? {
        get throws(APIError) {
            switch state {
            case .absent: return nil
            case .present(let value): return value
            case .refused(let error): throw error
            }
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            state = .absent
            return
        }
        do throws(APIError) {
            state = .present(try Value.read(container, property: decoder.codingPath.last?.stringValue ?? ""))
        } catch {
            state = .refused(error)
        }
    }
}

/// A type a ``BodyProperty`` may hold, with the `bad.request` texts for a value of another type.
public protocol BodyPropertyValue: Sendable {
    /// The value in `container` (never `null`), or the refusal naming `property`.
    static func read(_ container: any SingleValueDecodingContainer, property: String) throws(APIError) -> Self
}

extension String: BodyPropertyValue {
    /// A string without NUL characters: no identifier has one, and PostgreSQL text cannot hold it.
    public static func read(_ container: any SingleValueDecodingContainer, property: String) throws(APIError) -> String {
        guard let text = try? container.decode(String.self) else { throw .badRequest("The property \(property) must be a string.") }
        guard !text.unicodeScalars.contains("\u{0}") else { throw .badRequest("The property \(property) contains a NUL character.") }
        return text
    }
}

extension Bool: BodyPropertyValue {
    /// `true`/`false`, or the strings `"true"`/`"false"` that form bodies carry.
    public static func read(_ container: any SingleValueDecodingContainer, property: String) throws(APIError) -> Bool {
        if let bool = try? container.decode(Bool.self) { return bool }
        switch try? container.decode(String.self) {
        case "true": return true
        case "false": return false
        default: throw .badRequest("The property \(property) must be a boolean.")
        }
    }
}

extension KeyedDecodingContainer {
    /// An absent property decodes as ``BodyProperty/absent`` rather than failing with
    /// `keyNotFound`, so request types declare plain, non-optional `BodyProperty` properties.
    public func decode<Value>(_ type: BodyProperty<Value>.Type, forKey key: Key) throws -> BodyProperty<Value> {
        try decodeIfPresent(type, forKey: key) ?? .absent
    }
}
