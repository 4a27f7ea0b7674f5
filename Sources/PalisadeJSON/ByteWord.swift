/// Eight bytes tested at once (SWAR), for the scans that skip long runs of ordinary bytes: string
/// bodies, unescaping and the decoders of PalisadeDetect. A flag set has the top bit of each
/// flagged byte set, exactly (no borrow crosses bytes). Inlinable, with literal constants: a call
/// or a lazy global per word would cost more than the byte loop it replaces. Public rather than
/// `package`: this toolchain leaves the bodies of `package` inlinable code out of the module, so
/// PalisadeDetect called every one of these.
public enum ByteWord {
    @inlinable public static var ones: UInt64 { 0x0101_0101_0101_0101 }
    @inlinable public static var highs: UInt64 { 0x8080_8080_8080_8080 }
    @inlinable static var lows: UInt64 { 0x7F7F_7F7F_7F7F_7F7F }

    /// The eight bytes at `pointer`, the first in the lowest byte on any host.
    @inlinable @inline(__always)
    public static func load(_ pointer: UnsafeRawPointer) -> UInt64 {
        UInt64(littleEndian: pointer.loadUnaligned(as: UInt64.self))
    }

    /// Writes `word` back as `load` read it.
    @inlinable @inline(__always)
    public static func store(_ word: UInt64, to pointer: UnsafeMutableRawPointer) {
        pointer.storeBytes(of: word.littleEndian, as: UInt64.self)
    }

    /// Flags the zero bytes of `word`.
    @inlinable @inline(__always)
    public static func zero(_ word: UInt64) -> UInt64 {
        ~(((word & lows) &+ lows) | word) & highs
    }

    /// Flags the bytes of `word` equal to `byte`.
    @inlinable @inline(__always)
    public static func equal(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        zero(word ^ (ones &* UInt64(byte)))
    }

    /// Flags the bytes of `word` below `bound` (at most 0x80).
    @inlinable @inline(__always)
    public static func less(_ word: UInt64, than bound: UInt8) -> UInt64 {
        ~(((word & lows) &+ ones &* UInt64(0x80 - bound)) | word) & highs
    }
}
