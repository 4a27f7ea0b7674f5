#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte-level search helpers shared by the detectors; all work on ASCII-lowercased input.
enum ByteScan {
    /// First occurrence of `needle` at or after `start`: libc's memchr finds candidates for the first byte.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int = 0) -> Int? {
        guard !needle.isEmpty, start >= 0, start < haystack.count, haystack.count - start >= needle.count else { return nil }
        return haystack.withUnsafeBufferPointer { hay in
            needle.withUnsafeBufferPointer { pin in
                let base = hay.baseAddress!
                let last = hay.count - pin.count
                var cursor = start
                while cursor <= last {
                    guard let hit = memchr(base + cursor, Int32(pin[0]), last - cursor + 1) else { return nil }
                    let offset = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if memcmp(base + offset, pin.baseAddress!, pin.count) == 0 { return offset }
                    cursor = offset + 1
                }
                return nil
            }
        }
    }

    /// Every start offset of `needle` in `haystack`.
    static func all(_ needle: [UInt8], in haystack: [UInt8]) -> [Int] {
        var offsets: [Int] = []
        var cursor = 0
        while let found = find(needle, in: haystack, from: cursor) {
            offsets.append(found)
            cursor = found + 1
        }
        return offsets
    }

    static func isIdentifier(_ byte: UInt8) -> Bool {
        // Bytes of multi-byte UTF-8 count as letters: "Haßelt" is one word, not "ha" and "elt".
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x5F || byte == 0x24 || byte >= 0x80
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) || byte == 0xA0
    }

    /// Index of the first non-space byte at or after `index`.
    static func skipSpace(_ bytes: [UInt8], from index: Int) -> Int {
        var cursor = index
        while cursor < bytes.count, isSpace(bytes[cursor]) { cursor += 1 }
        return cursor
    }

    /// Whether `word` occurs at `index` with no identifier byte right before it.
    static func startsWord(_ bytes: [UInt8], at index: Int) -> Bool {
        index == 0 || !isIdentifier(bytes[index - 1])
    }

    static func hasPrefix(_ bytes: [UInt8], _ prefix: [UInt8], at index: Int) -> Bool {
        guard index >= 0, index + prefix.count <= bytes.count else { return false }
        for offset in 0..<prefix.count where bytes[index + offset] != prefix[offset] {
            return false
        }
        return true
    }

    static let commentClose = Array("*/".utf8)

    /// After a name at `end`, skips spaces and comments and says whether a `(` follows: a call.
    static func isCall(_ bytes: [UInt8], after end: Int) -> Int? {
        var cursor = skipSpace(bytes, from: end)
        while cursor + 1 < bytes.count, bytes[cursor] == UInt8(ascii: "/"), bytes[cursor + 1] == UInt8(ascii: "*") {
            guard let close = find(commentClose, in: bytes, from: cursor + 2) else { return nil }
            cursor = skipSpace(bytes, from: close + 2)
        }
        return cursor < bytes.count && bytes[cursor] == UInt8(ascii: "(") ? cursor : nil
    }
}

/// Words looked up as whole identifiers in lowercased input without copying the candidate: words of
/// up to seven bytes (nearly all) are packed with their length into one integer and binary-searched,
/// longer ones compared in place.
struct WordTable<Value: Sendable>: Sendable {
    private let packed: [UInt64]
    private let packedValues: [Value]
    private let long: [(word: [UInt8], value: Value)]
    let maxLength: Int

    init(_ entries: [(String, Value)]) {
        var short: [(UInt64, Value)] = []
        var long: [([UInt8], Value)] = []
        for (word, value) in entries {
            let bytes = Array(word.utf8)
            if let key = Self.pack(bytes[...]) { short.append((key, value)) } else { long.append((bytes, value)) }
        }
        short.sort { $0.0 < $1.0 }
        packed = short.map(\.0)
        packedValues = short.map(\.1)
        self.long = long
        maxLength = entries.map(\.0.utf8.count).max() ?? 0
    }

    /// The word's bytes and length in one integer, for words of 1 to 7 bytes.
    @inline(__always)
    private static func pack(_ word: ArraySlice<UInt8>) -> UInt64? {
        guard !word.isEmpty, word.count < 8 else { return nil }
        var key = UInt64(word.count) << 56
        var shift: UInt64 = 0
        for byte in word {
            key |= UInt64(byte) << shift
            shift += 8
        }
        return key
    }

    func value(of word: ArraySlice<UInt8>) -> Value? {
        guard word.count <= maxLength else { return nil }
        guard let key = Self.pack(word) else {
            return long.first { $0.word.count == word.count && $0.word.elementsEqual(word) }?.value
        }
        return value(packedKey: key)
    }

    /// The value of a word of 1 to 7 bytes whose bytes `bytes` holds, first in the low byte, for
    /// callers that pack while they read.
    func value(bytes: UInt64, count: Int) -> Value? {
        value(packedKey: bytes | UInt64(count) << 56)
    }

    private func value(packedKey key: UInt64) -> Value? {
        var low = 0, high = packed.count
        while low < high {
            let middle = (low + high) / 2
            if packed[middle] < key { low = middle + 1 } else { high = middle }
        }
        return low < packed.count && packed[low] == key ? packedValues[low] : nil
    }

    /// The first eight bytes of each word longer than seven, packed without a length: a word read
    /// in place is compared whole only when its first eight bytes are one of these.
    var longPrefixes: [UInt64] {
        long.map { entry in entry.word.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << UInt64(8 * $1.offset) } }
    }

    func contains(_ word: ArraySlice<UInt8>) -> Bool { value(of: word) != nil }
}

/// A list of words matched as whole identifiers in lowercased input.
typealias WordList = WordTable<Bool>

extension WordTable where Value == Bool {
    init(_ words: [String]) {
        self.init(words.map { ($0, true) })
    }
}
