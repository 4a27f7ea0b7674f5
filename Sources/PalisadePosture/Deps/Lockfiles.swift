import Foundation

/// The package ecosystems `palisade deps` knows, named as OSV names them.
public enum Ecosystem: String, Sendable, Codable, CaseIterable {
    case pypi = "PyPI"
    case npm

    /// Names as the registry compares them (PEP 503 normalisation for PyPI).
    public func normalise(_ name: String) -> String {
        switch self {
        case .pypi:
            var result = ""
            var lastWasSeparator = false
            for character in name.lowercased() {
                if character == "-" || character == "_" || character == "." {
                    if !lastWasSeparator { result.append("-") }
                    lastWasSeparator = true
                } else {
                    result.append(character)
                    lastWasSeparator = false
                }
            }
            return result
        case .npm:
            return name
        }
    }
}

/// One installed package version, and where the lock file pins it.
public struct LockedPackage: Sendable, Equatable {
    public var ecosystem: Ecosystem
    public var name: String
    public var version: String
    public var file: String
    public var line: Int
}

/// Readers for the lock files `palisade deps` understands. Each returns the pinned packages; a file
/// it cannot parse is an error naming the file and, where known, the line.
public enum Lockfiles {
    public static let names: Set<String> = ["requirements.txt", "poetry.lock", "Pipfile.lock", "package-lock.json", "yarn.lock"]

    public static func read(_ file: String) throws(PostureError) -> [LockedPackage] {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw PostureError(.unreadableFile, file: file, "cannot read the file as UTF-8 text")
        }
        let name = (file as NSString).lastPathComponent
        switch name {
        case "poetry.lock": return poetry(text, file: file)
        case "Pipfile.lock": return try pipfile(text, file: file)
        case "package-lock.json": return try packageLock(text, file: file)
        case "yarn.lock": return yarn(text, file: file)
        default: return requirements(text, file: file)
        }
    }

    /// `name==version` lines; ranges (`>=`) pin nothing and are skipped.
    static func requirements(_ text: String, file: String) -> [LockedPackage] {
        var packages: [LockedPackage] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            if let marker = line.firstIndex(of: ";") { line = String(line[..<marker]) }
            line = line.components(separatedBy: " --hash").first ?? line
            let parts = line.components(separatedBy: "==")
            guard parts.count == 2, !line.hasPrefix("-") else { continue }
            var name = parts[0].trimmingCharacters(in: .whitespaces)
            if let bracket = name.firstIndex(of: "[") { name = String(name[..<bracket]) }
            let version = parts[1].trimmingCharacters(in: CharacterSet.whitespaces.union(CharacterSet(charactersIn: "\\")))
            guard !name.isEmpty, !version.isEmpty else { continue }
            packages.append(LockedPackage(ecosystem: .pypi, name: name, version: version, file: file, line: index + 1))
        }
        return packages
    }

    /// `[[package]]` tables with `name = "…"` and `version = "…"`.
    static func poetry(_ text: String, file: String) -> [LockedPackage] {
        var packages: [LockedPackage] = []
        var inPackage = false
        var name: (String, Int)?
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("[") {
                inPackage = trimmed == "[[package]]"
                name = nil
                continue
            }
            guard inPackage, let equals = trimmed.firstIndex(of: "=") else { continue }
            let key = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            let value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: CharacterSet.whitespaces.union(CharacterSet(charactersIn: "\"'")))
            if key == "name" { name = (value, index + 1) }
            if key == "version", let (packageName, line) = name {
                packages.append(LockedPackage(ecosystem: .pypi, name: packageName, version: value, file: file, line: line))
                name = nil
            }
        }
        return packages
    }

    static func pipfile(_ text: String, file: String) throws(PostureError) -> [LockedPackage] {
        let root = try json(text, file: file)
        let lines = keyLines(text)
        var packages: [LockedPackage] = []
        for section in ["default", "develop"] {
            for (name, entry) in (root[section] as? [String: Any] ?? [:]).sorted(by: { $0.key < $1.key }) {
                guard let pinned = (entry as? [String: Any])?["version"] as? String, pinned.hasPrefix("==") else { continue }
                packages.append(LockedPackage(ecosystem: .pypi, name: name, version: String(pinned.dropFirst(2)), file: file,
                                              line: lines[name] ?? 1))
            }
        }
        return packages
    }

    /// v1 nests `dependencies`; v2 and v3 list `packages` by `node_modules/…` path.
    static func packageLock(_ text: String, file: String) throws(PostureError) -> [LockedPackage] {
        let root = try json(text, file: file)
        let lines = keyLines(text)
        var packages: [LockedPackage] = []
        if let installed = root["packages"] as? [String: Any] {
            for (path, entry) in installed.sorted(by: { $0.key < $1.key }) where !path.isEmpty {
                guard let range = path.range(of: "node_modules/", options: .backwards),
                      let version = (entry as? [String: Any])?["version"] as? String else { continue }
                let name = String(path[range.upperBound...])
                packages.append(LockedPackage(ecosystem: .npm, name: name, version: version, file: file, line: lines[path] ?? 1))
            }
            return packages
        }
        func walk(_ dependencies: [String: Any]) {
            for (name, entry) in dependencies.sorted(by: { $0.key < $1.key }) {
                guard let entry = entry as? [String: Any] else { continue }
                if let version = entry["version"] as? String {
                    packages.append(LockedPackage(ecosystem: .npm, name: name, version: version, file: file, line: lines[name] ?? 1))
                }
                walk(entry["dependencies"] as? [String: Any] ?? [:])
            }
        }
        walk(root["dependencies"] as? [String: Any] ?? [:])
        return packages
    }

    /// Classic (`"a@^1":` then `version "1.2.3"`) and Berry (`"a@npm:^1":` then `version: 1.2.3`) entries.
    static func yarn(_ text: String, file: String) -> [LockedPackage] {
        var packages: [LockedPackage] = []
        var current: (name: String, line: Int)?
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if !line.hasPrefix(" "), line.hasSuffix(":"), !line.hasPrefix("#") {
                let first = line.dropLast().split(separator: ",").first?.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")) ?? ""
                let at = first.dropFirst().firstIndex(of: "@")
                current = at.map { (String(first[..<$0]), index + 1) }
                if current?.name == "__metadata" { current = nil }
                continue
            }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard let entry = current, trimmed.hasPrefix("version") else { continue }
            let version = trimmed.dropFirst("version".count).trimmingCharacters(in: CharacterSet(charactersIn: ":\" "))
            packages.append(LockedPackage(ecosystem: .npm, name: entry.name, version: version, file: file, line: entry.line))
            current = nil
        }
        return packages
    }

    private static func json(_ text: String, file: String) throws(PostureError) -> [String: Any] {
        do {
            guard let root = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                throw PostureError(.invalidLockfile, file: file, line: 1, "the top level must be a JSON object")
            }
            return root
        } catch let error as PostureError {
            throw error
        } catch {
            throw PostureError(.invalidLockfile, file: file, "invalid JSON: \(error.localizedDescription)")
        }
    }

    /// The line of the first `"key": {` for each key, found in one pass so large lock files stay fast.
    static func keyLines(_ text: String) -> [String: Int] {
        var lines: [String: Int] = [:]
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            guard trimmed.hasPrefix("\""), trimmed.hasSuffix("{"), let end = trimmed.dropFirst().firstIndex(of: "\"") else { continue }
            let key = String(trimmed[trimmed.index(after: trimmed.startIndex)..<end])
            if lines[key] == nil { lines[key] = index + 1 }
        }
        return lines
    }
}
