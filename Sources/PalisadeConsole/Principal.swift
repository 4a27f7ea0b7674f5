import Hummingbird
import PalisadeStore

/// Who is calling the management API, from `Authorization: Bearer TOKEN`.
enum Principal: Sendable {
    /// Sees and manages every group, creates groups and tokens.
    case administrator(name: String)
    /// Sees and manages one group only.
    case member(name: String, groupId: String)

    var name: String {
        switch self {
        case .administrator(let name), .member(let name, _): name
        }
    }

    func mayAccess(groupId: String) -> Bool {
        switch self {
        case .administrator: true
        case .member(_, let own): own == groupId
        }
    }
}

struct TokenAuthenticator: Sendable {
    let store: any ConsoleStore

    func principal(_ request: Request) async throws(ConsoleError) -> Principal {
        guard let header = request.headers[.authorization] else {
            throw ConsoleError(.unauthorized, .missingToken, "send the API token as Authorization: Bearer TOKEN")
        }
        guard header.hasPrefix("Bearer ") else { throw ConsoleError(.unauthorized, .badToken, "the Authorization header must be Bearer TOKEN") }
        let token = String(header.dropFirst("Bearer ".count))
        let record: TokenRecord?
        do { record = try await store.token(hash: Secrets.tokenHash(token)) } catch { throw .storage(error) }
        guard let record else { throw ConsoleError(.unauthorized, .badToken, "the API token is not valid") }
        return record.groupId.map { .member(name: record.name, groupId: $0) } ?? .administrator(name: record.name)
    }

    func administrator(_ request: Request) async throws(ConsoleError) -> Principal {
        let principal = try await principal(request)
        guard case .administrator = principal else { throw ConsoleError(.forbidden, .forbidden, "only an administrator token may do this") }
        return principal
    }

    /// The group named in the path, if the caller may see it. A group the caller may not see is
    /// reported as missing, so a token cannot probe which group ids exist.
    func group(_ request: Request, id: String) async throws(ConsoleError) -> GroupRecord {
        let principal = try await principal(request)
        let group: GroupRecord?
        do { group = principal.mayAccess(groupId: id) ? try await store.group(id: id) : nil } catch { throw .storage(error) }
        guard let group else { throw ConsoleError(.notFound, .notFound, "no group \(id)") }
        return group
    }
}
