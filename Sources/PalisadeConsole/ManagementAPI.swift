import Foundation
import Hummingbird
import PalisadeConsoleProtocol
import PalisadeStore

/// The management API (docs/openapi.yaml): token auth, JSON, one group's data per call.
struct ManagementAPI: Sendable {
    let store: any ConsoleStore
    let auth: TokenAuthenticator
    let now: @Sendable () -> Int64

    func register(on router: Router<BasicRequestContext>) {
        let api = router.group("api/v1")
        api.get("session") { request, _ in try await session(request) }
        api.get("groups") { request, _ in try await listGroups(request) }
        api.post("groups") { request, _ in try await createGroup(request) }
        api.post("tokens") { request, _ in try await createToken(request) }
        api.get("groups/:group") { request, context in try await showGroup(request, try groupId(context)) }
        api.post("groups/:group/secret/rotate") { request, context in try await rotateSecret(request, try groupId(context)) }
        api.post("groups/:group/secret/finish") { request, context in try await finishRotation(request, try groupId(context)) }
        api.get("groups/:group/policy") { request, context in try await showPolicy(request, try groupId(context)) }
        api.put("groups/:group/policy") { request, context in try await savePolicy(request, try groupId(context)) }
        api.get("groups/:group/policy/effective") { request, context in try await effectivePolicy(request, try groupId(context)) }
        api.get("groups/:group/functions") { request, context in try await listFunctions(request, try groupId(context)) }
        api.post("groups/:group/functions") { request, context in try await registerFunction(request, try groupId(context)) }
        api.get("groups/:group/events") { request, context in try await listEvents(request, try groupId(context)) }
        api.get("groups/:group/events/:event") { request, context in
            try await showEvent(request, try groupId(context), context.parameters.require("event"))
        }
        api.get("groups/:group/stats") { request, context in try await stats(request, try groupId(context)) }
    }

    private func groupId(_ context: BasicRequestContext) throws -> String { try context.parameters.require("group") }

    // MARK: Session, groups, tokens

    struct SessionView: Codable {
        var name: String
        var administrator: Bool
        var groups: [GroupView]
    }

    struct GroupView: Codable {
        var id: String
        var name: String
        var key: String
        /// Two secrets are valid until the rotation is finished.
        var rotating: Bool
        var createdAt: String

        init(_ group: GroupRecord) {
            id = group.id
            name = group.name
            key = group.key
            rotating = group.previousSecret != nil
            createdAt = RFC3339.format(millisecondsSinceEpoch: group.createdMs)
        }
    }

    /// Shown once, at creation or rotation: the console never returns a secret again.
    struct Credentials: Codable {
        var id: String
        var name: String
        var key: String
        var secret: String
    }

    func session(_ request: Request) async throws -> Response {
        let principal = try await auth.principal(request)
        return try Reply.json(SessionView(name: principal.name, administrator: principal.isAdministrator, groups: try await visibleGroups(principal)))
    }

    func listGroups(_ request: Request) async throws -> Response {
        try Reply.json(["groups": try await visibleGroups(try await auth.principal(request))])
    }

    private func visibleGroups(_ principal: Principal) async throws -> [GroupView] {
        try await storage { try await store.groups() }.filter { principal.mayAccess(groupId: $0.id) }.map(GroupView.init)
    }

    struct NewGroup: Codable { var name: String }

    func createGroup(_ request: Request) async throws -> Response {
        _ = try await auth.administrator(request)
        let input = try Reply.decode(NewGroup.self, from: try await Reply.body(of: request, limit: 4096))
        let name = input.name.trimmingCharacters(in: .whitespaces)
        guard (1...100).contains(name.count) else { throw ConsoleError(.badRequest, .invalidField, "name must be 1 to 100 characters") }
        let group = GroupRecord(id: Secrets.newID(), name: name, key: Secrets.newGroupKey(), secret: Secrets.newGroupSecret(), createdMs: now())
        try await storage { try await store.createGroup(group) }
        return try Reply.json(Credentials(id: group.id, name: group.name, key: group.key, secret: group.secret), status: .created)
    }

    struct NewToken: Codable {
        var name: String
        /// The group the token is limited to; omitted for another administrator token.
        var group: String?
    }

    func createToken(_ request: Request) async throws -> Response {
        _ = try await auth.administrator(request)
        let input = try Reply.decode(NewToken.self, from: try await Reply.body(of: request, limit: 4096))
        guard (1...100).contains(input.name.count) else { throw ConsoleError(.badRequest, .invalidField, "name must be 1 to 100 characters") }
        if let group = input.group {
            guard try await storage({ try await store.group(id: group) }) != nil else { throw ConsoleError(.notFound, .notFound, "no group \(group)") }
        }
        let token = Secrets.newToken()
        try await storage { try await store.createToken(TokenRecord(hash: Secrets.tokenHash(token), name: input.name, groupId: input.group, createdMs: now())) }
        return try Reply.json(["token": token, "name": input.name], status: .created)
    }

    func showGroup(_ request: Request, _ id: String) async throws -> Response {
        try Reply.json(GroupView(try await auth.group(request, id: id)))
    }

    /// Starts a rotation: a new secret becomes current, the old one stays valid until `finish`,
    /// so agents can be redeployed with the new secret without a moment of refused requests.
    func rotateSecret(_ request: Request, _ id: String) async throws -> Response {
        let group = try await auth.group(request, id: id)
        let secret = Secrets.newGroupSecret()
        try await storage { try await store.setSecrets(groupId: group.id, secret: secret, previousSecret: group.secret) }
        return try Reply.json(Credentials(id: group.id, name: group.name, key: group.key, secret: secret))
    }

    func finishRotation(_ request: Request, _ id: String) async throws -> Response {
        let group = try await auth.group(request, id: id)
        try await storage { try await store.setSecrets(groupId: group.id, secret: group.secret, previousSecret: nil) }
        return try Reply.json(GroupView(GroupRecord(id: group.id, name: group.name, key: group.key, secret: group.secret, createdMs: group.createdMs)))
    }

    // MARK: Policies

    struct PolicyView: Encodable {
        var version: Int64
        var document: JSONTree
        var updatedAt: String?
    }

    func showPolicy(_ request: Request, _ id: String) async throws -> Response {
        let group = try await auth.group(request, id: id)
        guard let revision = try await storage({ try await store.policy(groupId: group.id) }) else {
            return try Reply.json(PolicyView(version: 0, document: try Reply.decode(JSONTree.self, from: Array(PolicyDocument.initial.text.utf8)), updatedAt: nil))
        }
        return try Reply.json(PolicyView(
            version: revision.version, document: try Reply.decode(JSONTree.self, from: Array(revision.document.utf8)),
            updatedAt: RFC3339.format(millisecondsSinceEpoch: revision.createdMs)
        ))
    }

    func savePolicy(_ request: Request, _ id: String) async throws -> Response {
        let group = try await auth.group(request, id: id)
        let document = try PolicyDocument(json: try await Reply.body(of: request, limit: 256 << 10))
        let revision = try await storage { try await store.savePolicy(groupId: group.id, document: document.text, createdMs: now()) }
        return try Reply.json(PolicyView(
            version: revision.version, document: try Reply.decode(JSONTree.self, from: Array(document.text.utf8)),
            updatedAt: RFC3339.format(millisecondsSinceEpoch: revision.createdMs)
        ))
    }

    /// What one function's agent receives; `palisade policy export` prints this for `PALISADE_POLICY`.
    func effectivePolicy(_ request: Request, _ id: String) async throws -> Response {
        let group = try await auth.group(request, id: id)
        let function = request.uri.queryParameters.get("function") ?? "*"
        let effective = try await EffectivePolicy.load(store: store, groupId: group.id, function: function)
        return Reply.rawJSON(effective.text, headers: [.eTag: effective.etag])
    }

    // MARK: Functions, events, stats

    struct FunctionView: Codable {
        var name: String
        var runtime: String?
        var region: String?
        var layerVersion: String?
        var firstSeen: String?
        var lastSeen: String?
        var invocations: Int64
        var protected: Bool

        init(_ record: FunctionRecord) {
            name = record.name
            runtime = record.runtime
            region = record.region
            layerVersion = record.layerVersion
            firstSeen = record.firstSeenMs.map { RFC3339.format(millisecondsSinceEpoch: $0) }
            lastSeen = record.lastSeenMs.map { RFC3339.format(millisecondsSinceEpoch: $0) }
            invocations = record.invocations
            protected = record.protected
        }
    }

    func listFunctions(_ request: Request, _ id: String) async throws -> Response {
        let group = try await auth.group(request, id: id)
        return try Reply.json(["functions": try await storage { try await store.functions(groupId: group.id) }.map(FunctionView.init)])
    }

    struct NewFunction: Codable {
        var name: String
        var runtime: String?
        var region: String?
    }

    func registerFunction(_ request: Request, _ id: String) async throws -> Response {
        let group = try await auth.group(request, id: id)
        let input = try Reply.decode(NewFunction.self, from: try await Reply.body(of: request, limit: 4096))
        guard (1...140).contains(input.name.count) else { throw ConsoleError(.badRequest, .invalidField, "name must be 1 to 140 characters") }
        try await storage { try await store.registerFunction(groupId: group.id, name: input.name, runtime: input.runtime, region: input.region) }
        return Response(status: .noContent)
    }

    func listEvents(_ request: Request, _ id: String) async throws -> Response {
        let group = try await auth.group(request, id: id)
        let parameters = request.uri.queryParameters
        var query = EventQuery(groupId: group.id)
        query.fromMs = try time(parameters.get("from"), "from")
        query.toMs = try time(parameters.get("to"), "to")
        query.function = parameters.get("function").nonEmpty
        query.category = parameters.get("category").nonEmpty
        query.action = parameters.get("action").nonEmpty
        query.kind = parameters.get("kind").nonEmpty
        query.sourceIp = parameters.get("sourceIp").nonEmpty
        query.text = parameters.get("q").nonEmpty
        if let limit = parameters.get("limit") {
            guard let number = Int(limit), (1...500).contains(number) else { throw ConsoleError(.badRequest, .invalidField, "limit must be 1 to 500") }
            query.limit = number
        }
        if let cursor = parameters.get("cursor") {
            guard let position = EventCursor(token: cursor) else { throw ConsoleError(.badRequest, .invalidField, "cursor is not one this API returned") }
            query.before = position
        }
        let page = try await storage { try await store.events(query) }
        return try Reply.json(EventList(events: page.events.map(IngestBatch.Event.init), nextCursor: page.nextCursor?.token))
    }

    struct EventList: Encodable {
        var events: [IngestBatch.Event]
        var nextCursor: String?
    }

    func showEvent(_ request: Request, _ id: String, _ eventId: String) async throws -> Response {
        let group = try await auth.group(request, id: id)
        guard let event = try await storage({ try await store.event(groupId: group.id, id: eventId.lowercased()) }) else {
            throw ConsoleError(.notFound, .notFound, "no event \(eventId)")
        }
        return try Reply.json(IngestBatch.Event(event))
    }

    struct StatsView: Encodable {
        struct Bucket: Encodable {
            var start: String
            var events: Int64
        }

        var from: String
        var to: String
        var deployedFunctions: Int64
        var protectedFunctions: Int64
        var invocations: Int64
        var attacks: Int64
        var blocked: Int64
        var reported: Int64
        var byCategory: [String: Int64]
        var overTime: [Bucket]
    }

    func stats(_ request: Request, _ id: String) async throws -> Response {
        let group = try await auth.group(request, id: id)
        let parameters = request.uri.queryParameters
        let to = try time(parameters.get("to"), "to") ?? now()
        let from = try time(parameters.get("from"), "from") ?? to - 24 * 3_600_000
        guard from < to else { throw ConsoleError(.badRequest, .invalidField, "from must be before to") }
        let bucket = max(60_000, (to - from) / 48 / 60_000 * 60_000)
        let stats = try await storage { try await store.stats(groupId: group.id, fromMs: from, toMs: to, bucketMs: bucket) }
        return try Reply.json(StatsView(
            from: RFC3339.format(millisecondsSinceEpoch: from), to: RFC3339.format(millisecondsSinceEpoch: to),
            deployedFunctions: stats.deployedFunctions, protectedFunctions: stats.protectedFunctions, invocations: stats.invocations,
            attacks: stats.attacks, blocked: stats.blocked, reported: stats.reported, byCategory: stats.byCategory,
            overTime: Self.everyBucket(stats.overTime, from: from, to: to, bucketMs: bucket)
        ))
    }

    /// The chart's buckets with the empty ones filled in, so time runs evenly along the axis.
    private static func everyBucket(_ counted: [(bucketMs: Int64, count: Int64)], from: Int64, to: Int64, bucketMs: Int64) -> [StatsView.Bucket] {
        let counts = Dictionary(counted.map { ($0.bucketMs, $0.count) }, uniquingKeysWith: +)
        return stride(from: from / bucketMs * bucketMs, to: to, by: Int(bucketMs)).map {
            StatsView.Bucket(start: RFC3339.format(millisecondsSinceEpoch: $0), events: counts[$0] ?? 0)
        }
    }

    private func time(_ text: String?, _ name: String) throws(ConsoleError) -> Int64? {
        guard let text, !text.isEmpty else { return nil }
        guard let ms = RFC3339.parse(text) else { throw ConsoleError(.badRequest, .invalidField, "\(name) must be an RFC 3339 time, e.g. 2026-11-23T07:00:00Z") }
        return ms
    }

    private func storage<Value>(_ work: () async throws -> Value) async throws(ConsoleError) -> Value {
        do {
            return try await work()
        } catch let error as StoreError {
            throw .storage(error)
        } catch {
            throw ConsoleError(.serviceUnavailable, .storage, "\(error)")
        }
    }
}

extension Principal {
    var isAdministrator: Bool { if case .administrator = self { true } else { false } }
}

extension Optional where Wrapped == String {
    fileprivate var nonEmpty: String? { self?.isEmpty == false ? self : nil }
}
