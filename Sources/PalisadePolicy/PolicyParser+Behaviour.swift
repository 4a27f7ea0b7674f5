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
                rules.allow = elements(member, at: "\(path).allow") { reader, element, elementPath in
                    guard reader.expect(element, .string, at: elementPath) else { return nil }
                    let pattern = element.string ?? ""
                    if let problem = CompiledRegex.problem(in: pattern) {
                        reader.note(.invalidRegex, elementPath, "PCRE2 rejects the pattern: \(problem)")
                    } else if pattern.isEmpty {
                        reader.note(.emptyPattern, elementPath, "an empty pattern matches every command; use \".*\" to allow all")
                    } else {
                        return pattern
                    }
                    return nil
                }
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
                rules.rules = elements(member, at: memberPath) { $0.fileRule($1, at: $2) }
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
                let destinations = elements(member, at: memberPath) { $0.networkRule($1, at: $2) }
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
        elements(value, at: path) { $0.pattern($1, at: $2) } ?? []
    }
}
