/// A shell-style pattern: `*` matches any run of bytes (dots and slashes included), `?` one byte;
/// everything else matches itself. Used for function names, input locations, evidence and paths.
public struct Glob: Sendable, Equatable, CustomStringConvertible {
    public let pattern: String
    let bytes: [UInt8]

    public init(_ pattern: String) {
        self.pattern = pattern
        self.bytes = Array(pattern.utf8)
    }

    public var description: String { pattern }

    /// Linear two-cursor matching with one backtrack point, so hostile text cannot make it slow.
    public func matches(_ text: some Collection<UInt8>) -> Bool {
        let text = Array(text)
        var patternIndex = 0
        var textIndex = 0
        var starPattern = -1
        var starText = 0
        while textIndex < text.count {
            if patternIndex < bytes.count, bytes[patternIndex] == UInt8(ascii: "*") {
                starPattern = patternIndex
                starText = textIndex
                patternIndex += 1
            } else if patternIndex < bytes.count, bytes[patternIndex] == UInt8(ascii: "?") || bytes[patternIndex] == text[textIndex] {
                patternIndex += 1
                textIndex += 1
            } else if starPattern >= 0 {
                patternIndex = starPattern + 1
                starText += 1
                textIndex = starText
            } else {
                return false
            }
        }
        while patternIndex < bytes.count, bytes[patternIndex] == UInt8(ascii: "*") { patternIndex += 1 }
        return patternIndex == bytes.count
    }

    public func matches(_ text: String) -> Bool { matches(Array(text.utf8)) }
}
