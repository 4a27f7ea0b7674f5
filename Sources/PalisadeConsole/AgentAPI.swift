import Foundation
import Hummingbird
import PalisadeConsoleProtocol
import PalisadeStore

/// The two endpoints agents call, both signed with the group's key and secret.
struct AgentAPI: Sendable {
    let store: any ConsoleStore
    let verifier: SignatureVerifier
    let metrics: ConsoleMetrics
    let siem: SIEMForwarder
    let now: @Sendable () -> Int64

    /// The inflated batch may be larger than what was sent, within reason.
    static let maxInflatedBytes = 4 * RequestSigning.maxBodyBytes

    func register(on router: Router<BasicRequestContext>) {
        router.post("/api/v1/ingest") { request, _ in try await ingest(request) }
        router.get("/api/v1/policy") { request, _ in try await policy(request) }
    }

    func ingest(_ request: Request) async throws(ConsoleError) -> Response {
        let started = ContinuousClock.now
        let sent = try await Reply.body(of: request, limit: RequestSigning.maxBodyBytes)
        let (group, nonce) = try await verifier.authenticate(method: "POST", path: request.uri.description, headers: request.headers, body: sent)
        let body: [UInt8]
        switch request.headers[.contentEncoding]?.lowercased() {
        case nil, "identity":
            body = sent
        case "gzip":
            do { body = try Gzip.decompress(sent, limit: Self.maxInflatedBytes) } catch {
                if case .tooLarge = error {
                    throw ConsoleError(.contentTooLarge, .bodyTooLarge, "the batch inflates to more than \(Self.maxInflatedBytes) bytes")
                }
                throw ConsoleError(.badRequest, .badEncoding, "Content-Encoding is gzip but the body is not a valid gzip stream")
            }
        case let other?:
            throw ConsoleError(.unsupportedMediaType, .badEncoding, "Content-Encoding \(other) is not supported (use gzip or none)")
        }
        let (agent, events, counts) = try IngestBatch.decode(body).validated()
        let outcome: IngestOutcome
        do {
            outcome = try await store.ingest(groupId: group.id, agent: agent, events: events, counts: counts, receivedMs: now(), nonce: nonce)
        } catch {
            throw error.code == .replayed ? SignatureVerifier.replay : .storage(error)
        }
        let elapsed = ContinuousClock.now - started
        metrics.recordBatch(
            accepted: outcome.accepted, duplicates: outcome.duplicates,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        )
        if siem.isEnabled { await siem.enqueue(events.filter { outcome.acceptedIds.contains($0.id) }) }
        // Two integers: written directly, as JSONEncoder's setup costs more than the answer.
        return Reply.rawJSON(#"{"accepted":\#(outcome.accepted),"duplicates":\#(outcome.duplicates)}"#, headers: [.cacheControl: "no-store"])
    }

    func policy(_ request: Request) async throws(ConsoleError) -> Response {
        let group = try await verifier.verify(method: "GET", path: request.uri.description, headers: request.headers, body: [])
        guard let function = request.uri.queryParameters.get("function"), !function.isEmpty else {
            throw ConsoleError(.badRequest, .invalidField, "the query parameter function=NAME is required")
        }
        let effective = try await EffectivePolicy.load(store: store, groupId: group.id, function: function)
        let headers: HTTPFields = [.eTag: effective.etag, .cacheControl: "no-cache"]
        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == effective.etag }) {
            return Response(status: .notModified, headers: headers)
        }
        return Reply.rawJSON(effective.text, headers: headers)
    }
}

/// The policy for one function of one group, with an ETag that changes whenever its text does.
struct EffectivePolicy {
    var text: String
    var etag: String
    var version: Int64

    static func load(store: any ConsoleStore, groupId: String, function: String) async throws(ConsoleError) -> EffectivePolicy {
        let revision: PolicyRevision?
        do { revision = try await store.policy(groupId: groupId) } catch { throw .storage(error) }
        let document = try revision.map { revision throws(ConsoleError) in try PolicyDocument(json: Array(revision.document.utf8)) } ?? PolicyDocument.initial
        let text = document.effective(for: function)
        let version = revision?.version ?? 0
        return EffectivePolicy(text: text, etag: "\"\(version)-\(Hex.encode(SHA256Digest.hash(Array(text.utf8)).prefix(8)))\"", version: version)
    }
}
