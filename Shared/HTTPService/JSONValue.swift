/// A JSON value, enough to tell types apart and to pass objects through: what ``JSONValueParser``
/// reads a request body into, and the type of a request property that is an arbitrary object
/// (`authParams`).
public indirect enum JSONValue: Sendable, Equatable {
    case string(String), number(Double), bool(Bool), object([String: JSONValue]), array([JSONValue]), null

    /// The text of a string value; nil for any other value.
    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }
}

extension JSONValue: Decodable {
    /// Reads the value from any decoder. ``BodyDecoder`` hands its parsed values over as they are
    /// and never comes here; this is for other decoders (a test's `JSONDecoder`, say).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([JSONValue].self) {
            self = .array(array)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }
}
