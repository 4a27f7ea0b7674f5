import PalisadeStore

/// The first administrator token (and, if asked, a first group) for a new console.
public enum ConsoleBootstrap {
    public struct Result: Sendable {
        public var token: String
        public var group: (id: String, key: String, secret: String)?
    }

    /// Refused once any token exists: later tokens are made through the API by an administrator.
    public static func run(store: any ConsoleStore, groupName: String?, nowMs: Int64) async throws(ConsoleConfigurationError) -> Result {
        do {
            guard try await store.tokenCount() == 0 else {
                throw ConsoleConfigurationError(code: "bootstrap.done", message: "this console already has API tokens; create more with POST /api/v1/tokens")
            }
            let token = Secrets.newToken()
            try await store.createToken(TokenRecord(hash: Secrets.tokenHash(token), name: "bootstrap administrator", groupId: nil, createdMs: nowMs))
            guard let groupName else { return Result(token: token, group: nil) }
            let group = GroupRecord(id: Secrets.newID(), name: groupName, key: Secrets.newGroupKey(), secret: Secrets.newGroupSecret(), createdMs: nowMs)
            try await store.createGroup(group)
            return Result(token: token, group: (group.id, group.key, group.secret))
        } catch let error as StoreError {
            throw ConsoleConfigurationError(code: error.code.rawValue, message: error.message)
        } catch let error as ConsoleConfigurationError {
            throw error
        } catch {
            throw ConsoleConfigurationError(code: "bootstrap.failed", message: "\(error)")
        }
    }
}
