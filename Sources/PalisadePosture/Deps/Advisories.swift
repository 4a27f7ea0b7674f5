import Foundation

/// An OSV advisory reduced to what matching needs, for one package.
public struct Advisory: Codable, Sendable, Equatable {
    public struct Range: Codable, Sendable, Equatable {
        public var type: String
        public var events: [Event]
    }

    public struct Event: Codable, Sendable, Equatable {
        public var introduced: String?
        public var fixed: String?
        public var last_affected: String?
    }

    public var id: String
    public var aliases: [String]
    public var summary: String
    public var severity: String
    public var ranges: [Range]
    public var versions: [String]
}

/// A local copy of OSV advisories for PyPI and npm: one index file per ecosystem, keyed by package.
public struct AdvisoryDatabase: Sendable {
    public var advisories: [Ecosystem: [String: [Advisory]]] = [:]

    public init() {}

    public static func indexFile(in directory: URL, for ecosystem: Ecosystem) -> URL {
        directory.appendingPathComponent("\(ecosystem.rawValue).index.json")
    }

    /// Loads the indexes `palisade deps update` wrote.
    public static func load(from directory: URL) throws(PostureError) -> AdvisoryDatabase {
        var database = AdvisoryDatabase()
        for ecosystem in Ecosystem.allCases {
            let file = indexFile(in: directory, for: ecosystem)
            guard FileManager.default.fileExists(atPath: file.path) else { continue }
            do {
                database.advisories[ecosystem] = try JSONDecoder().decode([String: [Advisory]].self, from: Data(contentsOf: file))
            } catch {
                throw PostureError(.invalidLockfile, file: file.path, "unreadable advisory index (run `palisade deps update`): \(error)")
            }
        }
        guard !database.advisories.isEmpty else {
            throw PostureError(.unreadableFile, file: directory.path, "no advisory database here; run `palisade deps update` first")
        }
        return database
    }

    public func save(to directory: URL) throws(PostureError) {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for (ecosystem, index) in advisories {
                try JSONEncoder().encode(index).write(to: Self.indexFile(in: directory, for: ecosystem), options: .atomic)
            }
        } catch {
            throw PostureError(.unreadableFile, file: directory.path, "cannot write the advisory database: \(error.localizedDescription)")
        }
    }

    /// Adds one OSV record (the JSON of one advisory file) for every affected package it names.
    public mutating func add(osv data: Data, file: String) throws(PostureError) {
        guard let record = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], let id = record["id"] as? String else {
            throw PostureError(.invalidLockfile, file: file, "not an OSV record")
        }
        if record["withdrawn"] != nil { return }
        let severity = ((record["database_specific"] as? [String: Any])?["severity"] as? String)?.lowercased() ?? "unknown"
        for affected in record["affected"] as? [[String: Any]] ?? [] {
            guard let package = affected["package"] as? [String: Any], let name = package["name"] as? String,
                  let ecosystem = (package["ecosystem"] as? String).flatMap(Ecosystem.init(rawValue:)) else { continue }
            let ranges = (affected["ranges"] as? [[String: Any]] ?? []).compactMap { range -> Advisory.Range? in
                guard let type = range["type"] as? String, type != "GIT" else { return nil }
                let events = (range["events"] as? [[String: String]] ?? []).map {
                    Advisory.Event(introduced: $0["introduced"], fixed: $0["fixed"], last_affected: $0["last_affected"])
                }
                return Advisory.Range(type: type, events: events)
            }
            let advisory = Advisory(id: id, aliases: record["aliases"] as? [String] ?? [], summary: record["summary"] as? String ?? "",
                                    severity: severity, ranges: ranges, versions: affected["versions"] as? [String] ?? [])
            advisories[ecosystem, default: [:]][ecosystem.normalise(name), default: []].append(advisory)
        }
    }

    public func advisories(for package: LockedPackage) -> [Advisory] {
        (advisories[package.ecosystem]?[package.ecosystem.normalise(package.name)] ?? []).filter { $0.affects(package.version, in: package.ecosystem) }
    }
}

extension Advisory {
    /// OSV's rule: a version is affected when it is listed, or when within a range the last event at
    /// or below it is an `introduced` (with `last_affected` counting the version itself as affected).
    func affects(_ version: String, in ecosystem: Ecosystem) -> Bool {
        if versions.contains(version) { return true }
        let compare = VersionOrder(ecosystem)
        guard compare.isValid(version) else { return false }
        for range in ranges {
            var affected = false
            let ordered = range.events.sorted { compare.less($0.version, $1.version) }
            for event in ordered {
                if let introduced = event.introduced, introduced == "0" || !compare.less(version, introduced) { affected = true }
                if let fixed = event.fixed, !compare.less(version, fixed) { affected = false }
                if let last = event.last_affected, compare.less(last, version) { affected = false }
            }
            if affected { return true }
        }
        return false
    }

    /// The lowest fixed version above the given one, to tell people what to upgrade to.
    func fixedVersion(above version: String, in ecosystem: Ecosystem) -> String? {
        let compare = VersionOrder(ecosystem)
        return ranges.flatMap(\.events).compactMap(\.fixed).filter { compare.less(version, $0) }.min { compare.less($0, $1) }
    }
}

extension Advisory.Event {
    var version: String { introduced ?? fixed ?? last_affected ?? "0" }
}

/// Compares version strings by the ecosystem's rules; "0" is below everything.
struct VersionOrder {
    let ecosystem: Ecosystem

    init(_ ecosystem: Ecosystem) {
        self.ecosystem = ecosystem
    }

    func isValid(_ version: String) -> Bool {
        switch ecosystem {
        case .pypi: return PEP440Version(version) != nil
        case .npm: return SemanticVersion(version) != nil
        }
    }

    func less(_ lhs: String, _ rhs: String) -> Bool {
        if lhs == "0" { return rhs != "0" }
        if rhs == "0" { return false }
        switch ecosystem {
        case .pypi:
            guard let left = PEP440Version(lhs), let right = PEP440Version(rhs) else { return lhs < rhs }
            return left < right
        case .npm:
            guard let left = SemanticVersion(lhs), let right = SemanticVersion(rhs) else { return lhs < rhs }
            return left < right
        }
    }
}
