import PalisadeDetect
import PalisadeJSON

/// The `behaviour` section: processes, files and network (schema in docs/behaviour-guard.md).
extension PolicyReader {
    mutating func behaviour(_ value: JSONValue, at path: String) -> BehaviourSettings {
        var settings = BehaviourSettings()
        guard expect(value, .object, at: path) else { return settings }
        for (key, member) in value.members {
            let name = key.string ?? ""
            let memberPath = "\(path).\(name)"
            switch name {
            case "processes": settings.processes = processes(member, at: memberPath)
            case "files": settings.files = files(member, at: memberPath)
            case "network": settings.network = network(member, at: memberPath)
            default: note(.unknownKey, memberPath, "not a behaviour key (known: files, network, processes)")
            }
        }
        return settings
    }

    mutating func processes(_ value: JSONValue, at path: String) -> ProcessRules {
        var rules = ProcessRules()
        guard expect(value, .object, at: path) else { return rules }
        for (key, member) in value.members {
            let name = key.string ?? ""
            switch name {
            case "mode": rules.mode = mode(member, at: "\(path).mode")
            case "allow":
                var patterns: [String] = []
                guard expect(member, .array, at: "\(path).allow") else { continue }
                for (index, element) in member.elements.enumerated() where expect(element, .string, at: "\(path).allow[\(index)]") {
                    let pattern = element.string ?? ""
                    if let problem = CompiledRegex.problem(in: pattern) {
                        note(.invalidRegex, "\(path).allow[\(index)]", "PCRE2 rejects the pattern: \(problem)")
                    } else if pattern.isEmpty {
                        note(.emptyPattern, "\(path).allow[\(index)]", "an empty pattern matches every command; use \".*\" to allow all")
                    } else {
                        patterns.append(pattern)
                    }
                }
                rules.allow = patterns
            default: note(.unknownKey, "\(path).\(name)", "not a processes key (known: allow, mode)")
            }
        }
        return rules
    }

    mutating func files(_ value: JSONValue, at path: String) -> FileRules {
        var rules = FileRules()
        guard expect(value, .object, at: path) else { return rules }
        for (key, member) in value.members {
            let name = key.string ?? ""
            let memberPath = "\(path).\(name)"
            switch name {
            case "mode": rules.mode = mode(member, at: memberPath)
            case "readDeny": rules.readDeny = globs(member, at: memberPath)
            case "writeProtect": rules.writeProtect = globs(member, at: memberPath)
            case "rules":
                guard expect(member, .array, at: memberPath) else { continue }
                var fileRules: [FileRule] = []
                for (index, element) in member.elements.enumerated() {
                    if let rule = fileRule(element, at: "\(memberPath)[\(index)]") { fileRules.append(rule) }
                }
                rules.rules = fileRules
            default: note(.unknownKey, memberPath, "not a files key (known: mode, readDeny, rules, writeProtect)")
            }
        }
        return rules
    }

    mutating func fileRule(_ value: JSONValue, at path: String) -> FileRule? {
        guard expect(value, .object, at: path) else { return nil }
        guard value.count == 1, let (key, member) = value.members.first(where: { _ in true }),
              let name = key.string, name == "allow" || name == "deny" else {
            note(.wrongType, path, "a file rule is {\"allow\": \"pattern\"} or {\"deny\": \"pattern\"}")
            return nil
        }
        guard let glob = pattern(member, at: "\(path).\(name)") else { return nil }
        return FileRule(allows: name == "allow", pattern: glob)
    }

    mutating func network(_ value: JSONValue, at path: String) -> NetworkRules {
        var rules = NetworkRules()
        guard expect(value, .object, at: path) else { return rules }
        for (key, member) in value.members {
            let name = key.string ?? ""
            let memberPath = "\(path).\(name)"
            switch name {
            case "mode": rules.mode = mode(member, at: memberPath)
            case "allow", "deny":
                guard expect(member, .array, at: memberPath) else { continue }
                var destinations: [NetworkRule] = []
                for (index, element) in member.elements.enumerated() {
                    if let rule = networkRule(element, at: "\(memberPath)[\(index)]") { destinations.append(rule) }
                }
                if name == "allow" { rules.allow = destinations } else { rules.deny = destinations }
            default: note(.unknownKey, memberPath, "not a network key (known: allow, deny, mode)")
            }
        }
        return rules
    }

    mutating func networkRule(_ value: JSONValue, at path: String) -> NetworkRule? {
        guard expect(value, .object, at: path) else { return nil }
        var rule = NetworkRule()
        var valid = true
        for (key, member) in value.members {
            let name = key.string ?? ""
            switch name {
            case "host":
                rule.host = pattern(member, at: "\(path).host")
                valid = valid && rule.host != nil
            case "cidr":
                guard expect(member, .string, at: "\(path).cidr") else { valid = false; continue }
                rule.cidr = CIDR(member.string ?? "")
                if rule.cidr == nil {
                    note(.invalidCIDR, "\(path).cidr", "expected an address or range such as 10.0.0.0/8 or fd00::/8")
                    valid = false
                }
            case "port":
                let text = String(decoding: member.stringBytes, as: UTF8.self)
                guard member.kind == .number, let port = Int(text), (1...65535).contains(port) else {
                    note(.invalidPort, "\(path).port", "expected a port number from 1 to 65535")
                    valid = false
                    continue
                }
                rule.port = port
            default:
                note(.unknownKey, "\(path).\(name)", "not a destination key (known: cidr, host, port)")
                valid = false
            }
        }
        guard rule.host != nil || rule.cidr != nil || !valid else {
            note(.missingKey, path, "a destination needs a host or a cidr")
            return nil
        }
        return valid ? rule : nil
    }

    mutating func globs(_ value: JSONValue, at path: String) -> [Glob] {
        guard expect(value, .array, at: path) else { return [] }
        var result: [Glob] = []
        for (index, element) in value.elements.enumerated() {
            if let glob = pattern(element, at: "\(path)[\(index)]") { result.append(glob) }
        }
        return result
    }
}
