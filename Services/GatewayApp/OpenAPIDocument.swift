import Hummingbird

/// The OpenAPI 3 description of the public API, served at `GET /openapi.json`.
///
/// The document lives in `Resources/openapi.json`, embedded in the binary at build time, so it is
/// read, diffed and linted as the JSON file it is and no deployment has a resource folder to
/// forget. The router tests check that it lists every route the services answer and nothing
/// else; the test suite also fuzzes a running gateway and token service against it with
/// schemathesis.
public enum OpenAPIDocument {
    /// The document's bytes.
    public static let bytes: [UInt8] = PackageResources.openapi_json

    /// `GET /openapi.json`.
    static func addRoutes(to router: Router<some RequestContext>) {
        router.get("/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }
}
