import PalisadeJSON

/// Server-side request forgery found by parsing URLs in the input the way HTTP clients do (user info,
/// brackets, ports) and classifying the host after reading every IPv4 spelling `inet_aton` accepts
/// (decimal `2852039166`, hex `0xA9FEA9FE`, octal `0251.0376.0251.0376`, short `127.1`) and IPv6
/// (`[::ffff:169.254.169.254]`, `[fd00:ec2::254]`). Cloud metadata, the Lambda Runtime API,
/// loopback and private ranges, and schemes such as gopher or dict are what count.
struct ServerSideRequestForgeryDetector {
    static let gate = ByteSet(":")
    /// Looked up in place, as whole words: the scheme before every `://` is one lookup, not a loop of compares.
    static let riskySchemes = WordList(["gopher", "dict", "file", "ldap", "ldaps", "tftp", "netdoc", "jar", "sftp", "smb", "telnet"])
    static let webSchemes = WordList(["http", "https", "ftp", "ws", "wss"])
    static let metadataNames: [[UInt8]] = ["metadata.google.internal", "metadata", "instance-data", "instance-data.ec2.internal", "metadata.azure.com"].map { Array($0.utf8) }

    enum HostClass {
        case metadata, runtimeAPI, loopback, privateNetwork

        var rule: String {
            switch self {
            case .metadata: "ssrf.cloud-metadata"
            case .runtimeAPI: "ssrf.runtime-api"
            case .loopback: "ssrf.loopback"
            case .privateNetwork: "ssrf.private-network"
            }
        }

        var message: String {
            switch self {
            case .metadata: "a URL to the cloud metadata or credentials endpoint"
            case .runtimeAPI: "a URL to the Lambda Runtime API"
            case .loopback: "a URL to the function's own host"
            case .privateNetwork: "a URL to a private or link-local network"
            }
        }
    }

    static let schemeSeparator = Array("://".utf8)
    /// Metadata addresses as they are written without a scheme.
    static let metadataLiterals = [Array("169.254.169.254".utf8), Array("169.254.170.2".utf8), Array("fd00:ec2::254".utf8)]
    /// The bytes of each literal: an input that lacks one needs no search for it.
    static let metadataLiteralBytes = metadataLiterals.map { ByteSet($0) }

    func scan(_ input: ScanInput, into matches: inout [Match]) {
        guard input.present.intersects(Self.gate) else { return }
        let text = input.lower
        var cursor = 0
        while let offset = ByteScan.find(Self.schemeSeparator, in: text, from: cursor) {
            cursor = offset + 1
            var schemeStart = offset
            while schemeStart > 0, ByteScan.isIdentifier(text[schemeStart - 1]) || text[schemeStart - 1] == UInt8(ascii: "+") || text[schemeStart - 1] == UInt8(ascii: "-") { schemeStart -= 1 }
            let scheme = text[schemeStart..<offset]
            let authorityStart = offset + 3
            let authorityLimit = min(text.count, authorityStart + 256)
            let authorityEnd = text[authorityStart..<authorityLimit].firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") || ByteScan.isSpace($0) || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") }) ?? authorityLimit
            let evidence = schemeStart..<min(text.count, authorityEnd + 40)
            if Self.riskySchemes.contains(scheme) {
                matches.append(Match(category: .ssrf, rule: "ssrf.dangerous-scheme", message: "a \(String(decoding: scheme, as: UTF8.self)):// URL that reaches beyond HTTP", evidence: evidence))
                return
            }
            guard Self.webSchemes.contains(scheme) else { continue }
            var authority = Array(text[authorityStart..<authorityEnd])
            if let at = authority.lastIndex(of: UInt8(ascii: "@")) { authority.removeSubrange(...at) }
            let (host, port) = Self.splitHostPort(authority)
            if let kind = Self.classify(host: host, port: port) {
                matches.append(Match(category: .ssrf, rule: kind.rule, message: kind.message, evidence: evidence))
                return
            }
        }
        // The metadata address without a scheme, e.g. a host field or `169.254.169.254/latest/meta-data`.
        let lowered = input.present.addingLowercase
        for (literal, bytes) in zip(Self.metadataLiterals, Self.metadataLiteralBytes) where bytes.isSubset(of: lowered) {
            if let offset = ByteScan.find(literal, in: text), offset == 0 || !ByteScan.isIdentifier(text[offset - 1]) && text[offset - 1] != UInt8(ascii: ".") {
                matches.append(Match(category: .ssrf, rule: HostClass.metadata.rule, message: HostClass.metadata.message, evidence: offset..<min(text.count, offset + 60)))
                return
            }
        }
    }

    static func splitHostPort(_ authority: [UInt8]) -> (host: [UInt8], port: Int?) {
        if authority.first == UInt8(ascii: "["), let close = authority.firstIndex(of: UInt8(ascii: "]")) {
            let host = Array(authority[1..<close])
            let rest = authority[(close + 1)...]
            return (host, rest.first == UInt8(ascii: ":") ? parsePort(rest.dropFirst()) : nil)
        }
        if let colon = authority.lastIndex(of: UInt8(ascii: ":")), authority.firstIndex(of: UInt8(ascii: ":")) == colon {
            return (Array(authority[..<colon]), parsePort(authority[(colon + 1)...]))
        }
        return (authority, nil)
    }

    static func parsePort(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    static let localhost = Array("localhost".utf8)
    static let dotLocalhost = Array(".localhost".utf8)
    static let localtestMe = Array(".localtest.me".utf8)
    static let wildcardDNSSuffixes = [Array(".nip.io".utf8), Array(".sslip.io".utf8), Array(".xip.io".utf8), localtestMe]

    /// What the input needs for a finding: `://`, or the bytes of a metadata address written bare.
    static let gateSets = [ByteSet("://")] + metadataLiterals.map { ByteSet($0).adding(UInt8(ascii: ":")) }

    static func classify(host rawHost: [UInt8], port: Int?) -> HostClass? {
        var host = rawHost
        while host.last == UInt8(ascii: ".") { host.removeLast() }
        if host.isEmpty { return nil }
        if metadataNames.contains(host) { return .metadata }
        if host == localhost || host.hasSuffix(dotLocalhost) { return port == 9001 ? .runtimeAPI : .loopback }
        if let address = IPv4.parse(host) { return classify(ipv4: address, port: port) }
        if host.contains(UInt8(ascii: ":")), let address = IPv6.parse(host) {
            if let mapped = address.mappedIPv4 { return classify(ipv4: mapped, port: port) }
            return address.classify(port: port)
        }
        // Wildcard DNS services that resolve a name to the address written inside it.
        for suffix in wildcardDNSSuffixes where host.hasSuffix(suffix) {
            let inner = Array(host.dropLast(suffix.count))
            let candidate = inner.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).suffix(4).joined(separator: [UInt8(ascii: ".")])
            if let address = IPv4.parse(Array(candidate)) { return classify(ipv4: address, port: port) }
            if suffix == localtestMe { return .loopback }
        }
        return nil
    }

    static func classify(ipv4 address: UInt32, port: Int?) -> HostClass? {
        let octets = (address >> 24, address >> 16 & 0xFF, address >> 8 & 0xFF, address & 0xFF)
        if address == 0xA9FE_A9FE || address == 0xA9FE_AA02 || address == 0xA9FE_A97B { return .metadata }
        if octets.0 == 127 || address == 0 { return port == 9001 ? .runtimeAPI : .loopback }
        if octets.0 == 10 || (octets.0 == 172 && (16...31).contains(octets.1)) || (octets.0 == 192 && octets.1 == 168)
            || (octets.0 == 169 && octets.1 == 254) || (octets.0 == 100 && (64...127).contains(octets.1)) {
            return .privateNetwork
        }
        return nil
    }
}

/// IPv4 in every form `inet_aton` accepts: 1 to 4 parts, each decimal, `0x` hex or `0` octal.
public enum IPv4 {
    /// Reads the parts in place, without arrays: it runs on the host of every web URL an input holds.
    public static func parse(_ text: [UInt8]) -> UInt32? {
        var address: UInt64 = 0
        var partCount = 0
        var start = text.startIndex
        while true {
            let end = text[start...].firstIndex(of: UInt8(ascii: ".")) ?? text.endIndex
            partCount += 1
            guard partCount <= 4, let value = number(text[start..<end]) else { return nil }
            if end == text.endIndex {
                // The last part fills the bits the parts before it left.
                guard value < (1 << UInt64(8 * (5 - partCount))) else { return nil }
                return UInt32(address | value)
            }
            guard value <= 255 else { return nil }
            address |= value << UInt64(32 - 8 * partCount)
            start = end + 1
        }
    }

    static func number(_ part: ArraySlice<UInt8>) -> UInt64? {
        guard !part.isEmpty, part.count <= 12 else { return nil }
        var digits = part
        var radix: UInt64 = 10
        if digits.count > 2, digits.first == UInt8(ascii: "0"), digits.dropFirst().first == UInt8(ascii: "x") {
            radix = 16
            digits = digits.dropFirst(2)
        } else if digits.count > 1, digits.first == UInt8(ascii: "0") {
            radix = 8
            digits = digits.dropFirst()
        }
        var value: UInt64 = 0
        for byte in digits {
            guard let digit = JSONEscapes.hexValue(byte), UInt64(digit) < radix else { return nil }
            value = value * radix + UInt64(digit)
        }
        return value
    }
}

/// IPv6 addresses with `::` compression and an optional embedded IPv4 tail.
public struct IPv6: Sendable {
    public var groups: [UInt16]

    public static func parse(_ text: [UInt8]) -> IPv6? {
        var text = text
        if let zone = text.firstIndex(of: UInt8(ascii: "%")) { text.removeSubrange(zone...) }
        let halves = splitDoubleColon(text)
        guard let halves else { return nil }
        guard let head = groups(halves.head), let tail = groups(halves.tail) else { return nil }
        let missing = 8 - head.count - tail.count
        if halves.compressed {
            guard missing >= 1 else { return nil }
            return IPv6(groups: head + Array(repeating: 0, count: missing) + tail)
        }
        return missing == 0 ? IPv6(groups: head + tail) : nil
    }

    private static func splitDoubleColon(_ text: [UInt8]) -> (head: ArraySlice<UInt8>, tail: ArraySlice<UInt8>, compressed: Bool)? {
        for index in 0..<max(0, text.count - 1) where text[index] == UInt8(ascii: ":") && text[index + 1] == UInt8(ascii: ":") {
            return (text[..<index], text[(index + 2)...], true)
        }
        return (text[...], text[text.endIndex...], false)
    }

    private static func groups(_ text: ArraySlice<UInt8>) -> [UInt16]? {
        guard !text.isEmpty else { return [] }
        var result: [UInt16] = []
        let parts = text.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        for (index, part) in parts.enumerated() {
            if index == parts.count - 1, part.contains(UInt8(ascii: ".")), let v4 = IPv4.parse(Array(part)) {
                result.append(UInt16(v4 >> 16))
                result.append(UInt16(v4 & 0xFFFF))
                continue
            }
            guard (1...4).contains(part.count) else { return nil }
            var value: UInt16 = 0
            for byte in part {
                guard let digit = JSONEscapes.hexValue(byte) else { return nil }
                value = value << 4 | UInt16(digit)
            }
            result.append(value)
        }
        return result
    }

    /// `::ffff:a.b.c.d` and the deprecated `::a.b.c.d` carry an IPv4 address.
    public var mappedIPv4: UInt32? {
        guard groups[0..<5].allSatisfy({ $0 == 0 }), groups[5] == 0xFFFF || (groups[5] == 0 && groups[6] != 0) else { return nil }
        return UInt32(groups[6]) << 16 | UInt32(groups[7])
    }

    func classify(port: Int?) -> ServerSideRequestForgeryDetector.HostClass? {
        if groups == [0xFD00, 0x0EC2, 0, 0, 0, 0, 0, 0x0254] { return .metadata }
        if groups == [0, 0, 0, 0, 0, 0, 0, 1] || groups.allSatisfy({ $0 == 0 }) { return port == 9001 ? .runtimeAPI : .loopback }
        if groups[0] & 0xFE00 == 0xFC00 || groups[0] & 0xFFC0 == 0xFE80 { return .privateNetwork }
        return nil
    }
}
