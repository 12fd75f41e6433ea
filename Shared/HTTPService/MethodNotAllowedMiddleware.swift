import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import PasswordlessCore

/// Answers 405 `method_not_allowed` with `Allow` when a path exists but not for the request's
/// method (Hummingbird's router answers 404 for both).
///
/// Hummingbird does not list a router's routes, so on a 404 the middleware asks the router
/// itself: it replays the request with each other method in *probe mode*, in which this
/// middleware (the first of every chain) answers at once, without running anything else. A
/// route that matched has its endpoint path set before its chain runs; the not-found chain
/// sets it only at its end. So the probe tells which methods have a route, by the router's
/// own matching, and no handler, metric or log ever sees a probe.
public struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Methods that are tried for `Allow`.
    static var candidates: [HTTPRequest.Method] { [.get, .head, .post, .put, .patch, .delete, .options] }

    private let responder: LazyResponder<Context>

    /// `router` is the router this middleware is added to, first.
    public init(router: Router<Context>) {
        self.responder = LazyResponder(router: router)
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if MethodProbe.isProbing {
            return Response(status: context.endpointPath == nil ? .notFound : .noContent)
        }
        let response = try await next(request, context)
        guard response.status == .notFound, context.endpointPath == "NotFound" else { return response }
        let router = responder.get()
        var allowed: [String] = []
        for method in Self.candidates where method != request.method {
            var head = request.head
            head.method = method
            let probe = Request(head: head, body: .init(buffer: ByteBuffer()))
            var probeContext = context
            probeContext.coreContext.endpointPath = EndpointPath()  // the box is shared between copies
            let answer = try await MethodProbe.$isProbing.withValue(true) { try await router.respond(to: probe, context: probeContext) }
            if answer.status == .noContent { allowed.append(method.rawValue) }
        }
        guard !allowed.isEmpty else { return response }
        var refusal = try APIError.methodNotAllowed(allow: allowed).response(from: request, context: context)
        refusal.headers[RequestIDMiddleware<Context>.headerName] = response.headers[RequestIDMiddleware<Context>.headerName]
        return refusal
    }

    /// The router's responder, built once, on the first 404 (after every route was added).
    final class LazyResponder<C: RequestContext>: @unchecked Sendable {
        private let router: Router<C>
        private let built = NIOLockedValueBox<RouterResponder<C>?>(nil)

        init(router: Router<C>) {
            self.router = router
        }

        func get() -> RouterResponder<C> {
            built.withLockedValue { built in
                if let built { return built }
                let responder = router.buildResponder()
                built = responder
                return responder
            }
        }
    }
}

/// Whether the current task is replaying a request to learn which methods its path has.
enum MethodProbe {
    @TaskLocal static var isProbing: Bool = false
}
