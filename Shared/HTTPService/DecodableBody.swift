/// A request body type that ``BodyDecoder`` reads: its `CodingKeys` are the properties the route
/// knows, so the list lives in one place, the type itself.
///
/// A body that names anything else is refused by ``rejectUnknown()``, which the route calls where
/// it checks for that: right away on most routes, after the grant type on the token routes
/// (the grant decides which properties are known).
public protocol DecodableBody: Decodable, Sendable {
    associatedtype CodingKeys: CodingKey
    /// The alphabetically first property the body named that `CodingKeys` does not list, if any;
    /// set by ``BodyDecoder``, never read from the body.
    var unknownProperty: String? { get set }
}

extension DecodableBody {
    /// 400 `bad.request` "Unknown property: X" when the body named a property the type does not know.
    public func rejectUnknown() throws(APIError) {
        if let unknownProperty { throw .badRequest("Unknown property: \(APIError.echo(unknownProperty))") }
    }
}
