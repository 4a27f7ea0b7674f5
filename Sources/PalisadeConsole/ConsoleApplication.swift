import HTTPTypes
import Hummingbird
import Logging
import PalisadeStore

/// The console as a Hummingbird application: the store is opened (and migrated) by the caller.
/// `onListening` receives the bound address (useful with port 0).
public func buildApplication(
    configuration: ConsoleConfiguration, store: any ConsoleStore, logger: Logger? = nil,
    onListening: @escaping @Sendable (_ host: String, _ port: Int) -> Void = { _, _ in }
) -> some ApplicationProtocol {
    var logger = logger ?? Logger(label: "palisade.console")
    if logger.logLevel > .info { logger.logLevel = .info }
    let metrics = ConsoleMetrics()
    let siem = SIEMForwarder(destinations: configuration.siem, metrics: metrics)
    let router = buildRouter(store: store, metrics: metrics, siem: siem)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "palisade-console"),
        onServerRunning: { channel in onListening(configuration.host, channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
}

/// Every route: agent endpoints (signed), management API (token), UI assets and `/metrics`.
func buildRouter(store: any ConsoleStore, metrics: ConsoleMetrics, siem: SIEMForwarder, now: @escaping @Sendable () -> Int64 = Clock.milliseconds) -> Router<BasicRequestContext> {
    let router = Router()
    router.middlewares.add(SecurityHeadersMiddleware())
    router.middlewares.add(RefusalCountingMiddleware(metrics: metrics))
    let agentAPI = AgentAPI(store: store, verifier: SignatureVerifier(store: store, now: now), metrics: metrics, siem: siem, now: now)
    agentAPI.register(on: router)
    ManagementAPI(store: store, auth: TokenAuthenticator(store: store), now: now).register(on: router)
    WebAssets.register(on: router)
    router.get("/metrics") { _, _ in
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: metrics.exposition)))
    }
    router.get("/healthz") { _, _ in "ok\n" }
    return router
}

/// Milliseconds since 1970 from the system clock.
public enum Clock {
    public static let milliseconds: @Sendable () -> Int64 = {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every response: no sniffing, no framing, and a CSP that allows only the console's own script and
/// style, so a payload that slipped into the page could still not run.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return response
    }
}

/// Counts refused requests by error code for `/metrics`.
struct RefusalCountingMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ConsoleMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ConsoleError {
            metrics.recordRefusal(code: error.code.rawValue)
            throw error
        }
    }
}
