/// The parts of a request a CRS rule looks at (`ARGS|REQUEST_COOKIES|!REQUEST_HEADERS:Referer|…`),
/// mapped onto where the event reader found an input.
struct CRSTargets: Sendable {
    var arguments = false
    var argumentNames = false
    var cookies = false
    var cookieNames = false
    var allHeaders = false
    var headerNames = false
    var namedHeaders: [[UInt8]] = []
    var excludedHeaders: [[UInt8]] = []
    var path = false
    var queryString = false
    var body = false
    var files = false

    init(_ text: String) {
        for item in text.split(separator: "|") {
            let excluded = item.hasPrefix("!")
            let name = excluded ? item.dropFirst() : item[...]
            let parts = name.split(separator: ":", maxSplits: 1)
            let variable = parts.first.map(String.init) ?? ""
            let selector = parts.count > 1 ? Array(parts[1].utf8).lowercasedASCII() : nil
            switch variable {
            case "ARGS", "ARGS_GET", "ARGS_POST": arguments = true
            case "QUERY_STRING": queryString = true
            case "FILES", "FILES_NAMES": files = true
            case "ARGS_NAMES", "ARGS_GET_NAMES", "ARGS_POST_NAMES": argumentNames = true
            case "REQUEST_COOKIES": cookies = true
            case "REQUEST_COOKIES_NAMES": cookieNames = true
            case "REQUEST_HEADERS_NAMES": headerNames = true
            case "REQUEST_HEADERS":
                if excluded, let selector { excludedHeaders.append(selector) }
                else if let selector { namedHeaders.append(selector) }
                else { allHeaders = true }
            case "REQUEST_FILENAME", "REQUEST_BASENAME", "REQUEST_URI", "REQUEST_URI_RAW", "REQUEST_LINE": path = true
            case "REQUEST_BODY", "XML": body = true
            default: break
            }
        }
    }

    /// One bit per input source, for `sourceBits`; header values share `headerBit` and are then
    /// checked by name with `covers`.
    static func bit(for source: InputSource) -> UInt16 {
        switch source {
        case .argument: 1 << 0
        case .argumentName: 1 << 1
        case .cookie: 1 << 2
        case .cookieName: 1 << 3
        case .headerName: 1 << 4
        case .path: 1 << 5
        case .queryString: 1 << 6
        case .rawBody: 1 << 7
        case .fileName: 1 << 8
        case .header: headerBit
        }
    }

    static let headerBit: UInt16 = 1 << 9

    /// The sources `covers` accepts, except header values, which depend on the header's name.
    var sourceBits: UInt16 {
        var bits: UInt16 = 0
        if arguments { bits |= 1 << 0 }
        if argumentNames { bits |= 1 << 1 }
        if cookies { bits |= 1 << 2 }
        if cookieNames { bits |= 1 << 3 }
        if headerNames { bits |= 1 << 4 }
        if path { bits |= 1 << 5 }
        if queryString { bits |= 1 << 6 }
        if body || arguments { bits |= 1 << 7 }
        if files || arguments { bits |= 1 << 8 }
        return bits
    }

    func covers(_ input: ScanInput) -> Bool {
        switch input.source {
        case .argument: arguments
        case .argumentName: argumentNames
        case .cookie: cookies
        case .cookieName: cookieNames
        case .headerName: headerNames
        case .path: path
        case .queryString: queryString
        case .rawBody: body || arguments
        case .fileName: files || arguments
        case .header(let name): (allHeaders && !excludedHeaders.contains(name)) || namedHeaders.contains(name)
        }
    }
}

/// The CRS transformations that change an input's shape beyond the decoding every input gets.
struct TransformSet: Sendable, Hashable {
    var bits: UInt16

    static let lowercase: UInt16 = 1 << 0
    static let removeWhitespace: UInt16 = 1 << 1
    static let compressWhitespace: UInt16 = 1 << 2
    static let commandLine: UInt16 = 1 << 3
    static let normalizePath: UInt16 = 1 << 4
    static let replaceComments: UInt16 = 1 << 5
    static let base64Decode: UInt16 = 1 << 6

    init(_ names: [String]) {
        var bits: UInt16 = 0
        for name in names {
            switch name {
            case "lowercase": bits |= Self.lowercase
            case "removeWhitespace": bits |= Self.removeWhitespace
            case "compressWhitespace": bits |= Self.compressWhitespace
            case "cmdLine": bits |= Self.commandLine
            case "normalizePath", "normalizePathWin": bits |= Self.normalizePath
            case "replaceComments", "removeCommentsChar", "removeComments": bits |= Self.replaceComments
            case "base64Decode": bits |= Self.base64Decode
            default: break
            }
        }
        self.bits = bits
    }

    /// The transformations that would change this input; the rest are dropped so that most inputs
    /// share one variant (and one automaton pass).
    func effective(for input: ScanInput) -> TransformSet {
        let traits = input.transformTraits
        var bits = self.bits & ~Self.lowercase & ~traits.unchanging
        // `cmdLine` that would only lowercase the input gives the input's lowercase copy, shared with other sets.
        var lowercase = self.bits & Self.lowercase
        if bits & Self.commandLine != 0, bits & Self.base64Decode == 0, traits.commandLineOnlyLowercases {
            bits &= ~Self.commandLine
            lowercase = Self.lowercase
        }
        // The input's whitespace traits do not hold after `replaceComments` puts a space where a comment was.
        if bits & Self.replaceComments != 0 { bits |= self.bits & (Self.removeWhitespace | Self.compressWhitespace) }
        // A name such as `12.99` or `a.b/c` is already normal; only the input itself can be judged, so
        // not when an earlier transformation changes it first (but for `cmdLine` on inputs it cannot make abnormal).
        if bits & (Self.normalizePath | Self.replaceComments) == Self.normalizePath, traits.pathIsNormal,
           bits & Self.commandLine == 0 || Self.commandLineKeepsSegments(input.bytes, present: input.present) {
            bits &= ~Self.normalizePath
        }
        return TransformSet(bits: bits | lowercase)
    }

    /// What `effective(for:)` needs to know of an input, worked out once when the input is decoded
    /// rather than for each of the pack's transformation sets.
    struct InputTraits {
        /// The transformations that cannot change the input.
        let unchanging: UInt16
        /// `normalizePath` would leave the input itself as it is.
        let pathIsNormal: Bool
        /// `cmdLine` would only lowercase the input: none of the bytes it drops or turns into a space,
        /// and spaces only one at a time and not before `/` or `(`.
        let commandLineOnlyLowercases: Bool
        /// Transformations that leave the input's lowercase copy as it is: a set of only these has
        /// the plain automaton text (`effective(for:)` then drops all but `lowercase`).
        let lowercaseOnly: UInt16

        /// `bytes` is borrowed: an initializer otherwise takes its arguments owned, a retain and release per input.
        init(_ bytes: borrowing [UInt8], present: ByteSet) {
            var bits: UInt16 = 0
            let spaced = present.intersects(TransformSet.spaceBytes)
            // Whether the only whitespace is single spaces, and whether one comes before `/` or `(`
            // (not judged with a `*`: `replaceComments`, which runs first, turns a comment into a space).
            var singleSpaces = !spaced
            var spaceBeforeSlashOrParen = false
            if spaced, !present.intersects(TransformSet.otherSpaceBytes), !present.contains(UInt8(ascii: "*")) {
                singleSpaces = true
                var previous: UInt8 = 0
                bytes.withUnsafeBufferPointer { bytes in
                    for byte in bytes {
                        if previous == 0x20 {
                            if byte == 0x20 { singleSpaces = false; break }
                            if byte == UInt8(ascii: "/") || byte == UInt8(ascii: "(") { spaceBeforeSlashOrParen = true }
                        }
                        previous = byte
                    }
                }
            }
            if !spaced { bits |= TransformSet.removeWhitespace }
            if singleSpaces { bits |= TransformSet.compressWhitespace }
            commandLineOnlyLowercases = !present.intersects(TransformSet.commandLineDropBytes) && singleSpaces && !spaceBeforeSlashOrParen
            if commandLineOnlyLowercases && !present.hasUppercase { bits |= TransformSet.commandLine }
            if !present.contains(UInt8(ascii: "*")) { bits |= TransformSet.replaceComments }
            if !present.contains(UInt8(ascii: ".")) && !present.contains(UInt8(ascii: "\\")) && !(present.contains(UInt8(ascii: "/")) && bytes.count > 1) { bits |= TransformSet.normalizePath }
            // Without a separator, what `cmdLine` and `replaceComments` leave is one segment, never `.` or
            // `..` while a byte other than those `cmdLine` drops stays (`12 Rue de l'Église, Apt. #4`).
            if !present.intersects(TransformSet.pathSeparatorBytes) && !present.isSubset(of: TransformSet.dotAndQuoteBytes) { bits |= TransformSet.normalizePath }
            // `Base64.decode` fails on any other byte, and the variant is then the input itself. It fails
            // too when, without whitespace or `=` to skip, the length leaves six bits over (`unitPrice`).
            if bytes.count < 8 || !present.isSubset(of: TransformSet.base64Bytes)
                || (bytes.count & 3 == 1 && !spaced && !present.contains(UInt8(ascii: "="))) { bits |= TransformSet.base64Decode }
            unchanging = bits
            // Without a separator the input is one segment, which only `.` and `..` change (the
            // common dotted inputs, `12.99` or `a.b@c.d`, are answered without a pass).
            if bits & TransformSet.normalizePath != 0 {
                pathIsNormal = true
            } else if present.intersects(TransformSet.pathSeparatorBytes) {
                pathIsNormal = !TransformSet.normalizePathChanges(bytes)
            } else {
                pathIsNormal = bytes.count > 2 || bytes.contains { $0 != UInt8(ascii: ".") }
            }
            lowercaseOnly = bits | TransformSet.lowercase | (commandLineOnlyLowercases ? TransformSet.commandLine : 0)
                | (pathIsNormal ? TransformSet.normalizePath : 0)
        }
    }

    /// The text the automaton reads for this variant: the variant lowercased (the input's own
    /// lowercase copy when no other transformation applies, written as no bits at all).
    var automatonText: TransformSet {
        bits & ~Self.lowercase == 0 ? TransformSet(bits: 0) : TransformSet(bits: bits | Self.lowercase)
    }

    // The byte sets below are spelled as words, which the compiler folds, rather than built from
    // strings into lazy globals, which cost every input a `swift_once` in `InputTraits`
    // (`TextPassTests` checks them against the strings).
    /// Bytes `cmdLine` drops or turns into a space (backslash, `"'^,;`, tab, CR, LF; it also folds runs of
    /// whitespace and drops a space before `/` or `(`).
    static var commandLineDropBytes: ByteSet { ByteSet(words: (0x0800_1084_0000_2600, 0x5000_0000, 0, 0)) }
    /// Whitespace as `ByteScan.isSpace` (and so the whitespace transformations) sees it, 0xA0 included.
    static var spaceBytes: ByteSet { ByteSet(words: (0x0000_0001_0000_3E00, 0, 0x0000_0001_0000_0000, 0)) }
    /// Whitespace other than the space (0xA0 too, which `ByteScan.isSpace` counts), for the single-space check.
    static var otherSpaceBytes: ByteSet { ByteSet(words: (0x3E00, 0, 0x0000_0001_0000_0000, 0)) }
    /// `/` and backslash.
    static var pathSeparatorBytes: ByteSet { ByteSet(words: (0x0000_8000_0000_0000, 0x1000_0000, 0, 0)) }
    /// `.` and the bytes `cmdLine` drops but the backslash (`"'^`).
    static var dotAndQuoteBytes: ByteSet { ByteSet(words: (0x0000_4084_0000_0000, 0x4000_0000, 0, 0)) }
    /// `.`, the bytes `cmdLine` drops but the backslash, those it turns into a space, and the other whitespace.
    static var commandLineWeakBytes: ByteSet { ByteSet(words: (0x0800_5085_0000_3E00, 0x4000_0000, 0x0000_0001_0000_0000, 0)) }
    /// The base64 and base64url alphabets, `=` and whitespace.
    static var base64Bytes: ByteSet { ByteSet(words: (0x23FF_A801_0000_2600, 0x07FF_FFFE_87FF_FFFE, 0, 0)) }

    /// A superset of the bytes of this variant of `input` (`self` as returned by `effective(for:)`),
    /// without building it: transformations mostly drop or fold bytes, and the few they add are added here.
    func presentBytes(of input: ScanInput) -> ByteSet {
        if bits & Self.base64Decode != 0 { return .all }
        var present = input.present
        if bits & (Self.lowercase | Self.commandLine) != 0 { present = present.addingLowercase }
        if bits & (Self.commandLine | Self.compressWhitespace | Self.replaceComments) != 0 { present = present.adding(0x20) }
        if bits & Self.normalizePath != 0 { present = present.adding(UInt8(ascii: "/")) }
        return present
    }

    /// What the gate knows of the bytes `apply` gets from `base64Decode` (before the transformations after it).
    enum DecodedBytes {
        /// `input` is not base64: the variant starts from the input itself.
        case notBase64
        /// Exactly these bytes (canonical decoding leaves them as they are).
        case exactly(ByteSet)
        /// Canonical decoding may turn them into any byte.
        case any
    }

    /// Decodes without building the text (no allocation), so an input whose decoded bytes cannot
    /// meet a base64 rule's byte conditions costs no variant.
    static func base64DecodedBytes(of input: ScanInput) -> DecodedBytes {
        // The set's words stay in a vector register, each byte ORed into its word by a compare and a
        // blend (`ByteSet.adding` per byte jumps through a table on the word, rarely predicted).
        var words = SIMD4<UInt64>()
        let positions = SIMD4<UInt64>(0, 1, 2, 3)
        let decodes = Base64.forEachDecodedByte(of: input.bytes) { byte in
            let bit = SIMD4(repeating: UInt64(1) << UInt64(byte & 63))
            words.replace(with: words | bit, where: positions .== SIMD4(repeating: UInt64(byte >> 6)))
        }
        guard decodes else { return .notBase64 }
        let bytes = ByteSet(words: [words[0], words[1], words[2], words[3]])
        guard bytes.intersects(Canonicalizer.decodable) else { return .exactly(bytes) }
        if bytes.intersects(Canonicalizer.escapeBytes) { return .any }
        // Over-long or full-width leads change nothing without a continuation byte after one
        // (`Canonicalizer.mayFold`); with both kinds of byte, decoded again (rarely) to see.
        guard bytes.intersects(continuationBytes) else { return .exactly(bytes) }
        var previous: UInt8 = 0
        var folds = false
        _ = Base64.forEachDecodedByte(of: input.bytes) { byte in
            if Canonicalizer.mayFold(previous, before: byte) { folds = true }
            previous = byte
        }
        return folds ? .any : .exactly(bytes)
    }

    /// UTF-8 continuation bytes, 0x80-0xBF.
    static var continuationBytes: ByteSet { ByteSet(words: (0, 0, ~0, 0)) }

    /// The automaton's text for this base64 set (`automatonText`), written into `buffer` without
    /// building the variant, when canonical decoding and the transformations after `base64Decode`
    /// leave the decoded text as it is; false (`buffer` unspecified) when the variant must be built.
    func decodedAutomatonText(of input: ScanInput, into buffer: inout [UInt8]) -> Bool {
        buffer.removeAll(keepingCapacity: true)
        guard Base64.forEachDecodedByte(of: input.bytes, { buffer.append($0) }) else { return false }
        let present = ByteSet(buffer)
        guard !Canonicalizer.mayChange(buffer, present: present) else { return false }
        let rest = bits & ~(Self.lowercase | Self.base64Decode)
        guard rest & ~InputTraits(buffer, present: present).unchanging == 0 else { return false }
        for index in buffer.indices where buffer[index] &- UInt8(ascii: "A") < 26 { buffer[index] |= 0x20 }
        return true
    }

    init(bits: UInt16) {
        self.bits = bits
    }

    /// How the automaton reads this `automatonText` straight off the input's lowercase copy, as
    /// `apply` would make it byte by byte; nil when the variant must be built (`TransformCache`).
    /// An automaton pass then costs no array: most inputs a set waits on select none of its rules,
    /// and those that do build the variant for their rules only then.
    var streamKind: Stream.Kind? {
        switch bits {
        case Self.lowercase | Self.removeWhitespace: .removeWhitespace
        case Self.lowercase | Self.compressWhitespace: .compressWhitespace
        case Self.lowercase | Self.commandLine: .commandLine
        default: nil
        }
    }

    /// A variant of a lowercase text (`kind`), or the text itself (`plain`), made as it is read: the
    /// automaton reads it so, and `apply` collects it when a rule runs on the variant.
    struct Stream: AutomatonStream {
        enum Kind {
            case plain, removeWhitespace, compressWhitespace, commandLine
        }

        let bytes: UnsafeBufferPointer<UInt8>
        let kind: Kind
        private var index = 0
        /// `compressWhitespace`: the last byte given was a space. `commandLine`: a space is due
        /// before the next byte unless that is `/` or `(` (`commandLine(_:)` then drops it).
        private var space = false

        init(_ bytes: UnsafeBufferPointer<UInt8>, kind: Kind) {
            self.bytes = bytes
            self.kind = kind
        }

        /// The whole variant of `text`, as an array.
        static func collect(_ text: [UInt8], kind: Kind) -> [UInt8] {
            text.withUnsafeBufferPointer { text in
                var stream = Stream(text, kind: kind)
                var output: [UInt8] = []
                output.reserveCapacity(text.count + 1)
                while let byte = stream.next() { output.append(byte) }
                return output
            }
        }

        @inline(__always)
        mutating func next() -> UInt8? {
            switch kind {
            case .plain:
                guard index < bytes.count else { return nil }
                index &+= 1
                return bytes[index &- 1]
            case .removeWhitespace:
                while index < bytes.count {
                    let byte = bytes[index]
                    index &+= 1
                    if !ByteScan.isSpace(byte) { return byte }
                }
                return nil
            case .compressWhitespace:
                while index < bytes.count {
                    let byte = bytes[index]
                    index &+= 1
                    guard ByteScan.isSpace(byte) else {
                        space = false
                        return byte
                    }
                    if !space {
                        space = true
                        return 0x20
                    }
                }
                return nil
            case .commandLine:
                while index < bytes.count {
                    let byte = bytes[index]
                    switch byte {
                    case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "^"):
                        index &+= 1
                    case UInt8(ascii: "/"), UInt8(ascii: "("):
                        index &+= 1
                        space = false
                        return byte
                    case UInt8(ascii: ","), UInt8(ascii: ";"), 0x09, 0x0A, 0x0D, 0x20:
                        index &+= 1
                        space = true
                    default:
                        // The due space goes first; the byte is read again on the next call.
                        if space {
                            space = false
                            return 0x20
                        }
                        index &+= 1
                        return byte
                    }
                }
                if space {
                    space = false
                    return 0x20
                }
                return nil
            }
        }
    }

    func apply(to input: [UInt8]) -> [UInt8] {
        var value = input
        if bits & Self.base64Decode != 0, let decoded = Base64.decode(value) { value = Canonicalizer.canonical(decoded) }
        if bits & Self.lowercase != 0 { value = value.lowercasedASCII() }
        if bits & Self.commandLine != 0 { value = Self.commandLine(value) }
        if bits & Self.replaceComments != 0 { value = Self.replaceComments(value) }
        if bits & Self.normalizePath != 0 { value = Self.normalizePath(value) }
        if bits & Self.compressWhitespace != 0 { value = Self.compressSpaces(value) }
        if bits & Self.removeWhitespace != 0 { value = Stream.collect(value, kind: .removeWhitespace) }
        return value
    }

    /// ModSecurity's `cmdLine`: drop `\ " ' ^`, spaces before `/` and `(`, turn `,` `;` into spaces, lowercase.
    static func commandLine(_ input: [UInt8]) -> [UInt8] {
        Stream.collect(input.lowercasedASCII(), kind: .commandLine)
    }

    static func replaceComments(_ input: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "/"), index + 1 < input.count, input[index + 1] == UInt8(ascii: "*") {
                let close = ByteScan.find(Array("*/".utf8), in: input, from: index + 2)
                output.append(0x20)
                index = close.map { $0 + 2 } ?? input.count
                continue
            }
            output.append(input[index])
            index += 1
        }
        return output
    }

    /// Resolves `.` and `..` segments, folds `\\` to `/` and drops empty segments, in one pass: each
    /// kept segment's start is remembered so a `..` can cut back to it.
    static func normalizePath(_ input: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        func isSlash(_ byte: UInt8) -> Bool { byte == UInt8(ascii: "/") || byte == UInt8(ascii: "\\") }
        let absolute = input.first.map(isSlash) ?? false
        if absolute { output.append(UInt8(ascii: "/")) }
        // For each kept segment: where its separator (or, for the first, the segment) starts, and whether it is `..`.
        var kept: [(start: Int, isParent: Bool)] = []
        var index = 0
        while index < input.count {
            guard !isSlash(input[index]) else { index += 1; continue }
            var end = index
            while end < input.count, !isSlash(input[end]) { end += 1 }
            let length = end - index
            let isDot = length == 1 && input[index] == UInt8(ascii: ".")
            let isParent = length == 2 && input[index] == UInt8(ascii: ".") && input[index + 1] == UInt8(ascii: ".")
            if isParent, let last = kept.last, !last.isParent {
                output.removeSubrange(last.start...)
                kept.removeLast()
            } else if !isDot {
                let start = output.count
                if !kept.isEmpty { output.append(UInt8(ascii: "/")) }
                output.append(contentsOf: input[index..<end])
                kept.append((start, isParent))
            }
            index = end
        }
        if let last = input.last, isSlash(last), output.last != UInt8(ascii: "/") { output.append(UInt8(ascii: "/")) }
        return output
    }

    /// Whether `normalizePath` would change `input`: a `\\`, an empty segment inside it, or a `.` or `..` segment.
    static func normalizePathChanges(_ input: [UInt8]) -> Bool {
        var segmentStart = 0
        for index in 0...input.count {
            guard index == input.count || input[index] == UInt8(ascii: "/") || input[index] == UInt8(ascii: "\\") else { continue }
            if index < input.count, input[index] == UInt8(ascii: "\\") { return true }
            let length = index - segmentStart
            // Empty segments are kept only first (a leading `/`) and last (a trailing `/`).
            if length == 0, segmentStart != 0, index != input.count { return true }
            if length == 1, input[segmentStart] == UInt8(ascii: ".") { return true }
            if length == 2, input[segmentStart] == UInt8(ascii: "."), input[segmentStart + 1] == UInt8(ascii: ".") { return true }
            segmentStart = index + 1
        }
        return false
    }

    /// Whether `cmdLine` leaves the segments of `input` (normal, split at `/`) as segments: without a
    /// backslash (which it drops), each segment that is not empty keeps a byte it neither drops nor
    /// turns into a space, and that is not `.`, so none becomes empty, `.` or `..` (`web; Safari 18.1 / macOS 14.6`).
    static func commandLineKeepsSegments(_ input: [UInt8], present: ByteSet) -> Bool {
        guard !present.contains(UInt8(ascii: "\\")) else { return false }
        let weak = commandLineWeakBytes
        var empty = true, solid = false
        for byte in input {
            if byte == UInt8(ascii: "/") {
                guard empty || solid else { return false }
                empty = true
                solid = false
            } else {
                empty = false
                if !weak.contains(byte) { solid = true }
            }
        }
        return empty || solid
    }

    static func compressSpaces(_ input: [UInt8]) -> [UInt8] {
        Stream.collect(input, kind: .compressWhitespace)
    }
}

/// Transformed variants of one input, computed once per distinct transformation set. The input is
/// passed to each call rather than kept: a stored copy cost each scanned input a round of reference
/// counting on its arrays.
struct TransformCache {
    var variants: [(TransformSet, [UInt8])] = []

    mutating func value(for transforms: TransformSet, of input: ScanInput) -> [UInt8] {
        // `cmdLine` lowercases itself: with or without `lowercase` before it the variant is the same,
        // so a rule's variant and the automaton's lowercase text of the same set are built once.
        var transforms = transforms
        if transforms.bits & TransformSet.commandLine != 0 { transforms.bits |= TransformSet.lowercase }
        if transforms.bits == 0 { return input.bytes }
        if transforms.bits == TransformSet.lowercase { return input.lower }
        if let cached = variants.first(where: { $0.0 == transforms }) { return cached.1 }
        // Lowercasing comes first after base64: without base64 the rest can start from the input's lowercase copy.
        let startsLowercase = transforms.bits & (TransformSet.lowercase | TransformSet.base64Decode) == TransformSet.lowercase
        let value = startsLowercase ? TransformSet(bits: transforms.bits & ~TransformSet.lowercase).apply(to: input.lower) : transforms.apply(to: input.bytes)
        variants.append((transforms, value))
        return value
    }
}
