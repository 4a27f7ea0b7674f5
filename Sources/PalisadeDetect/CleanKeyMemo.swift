/// Object keys, parameter names and header names found clean in earlier events. A function's
/// events share one schema, so the same few dozen names come back in every invocation; each is
/// judged once, and later events skip its decoding and every detector. A name's verdict depends on
/// its bytes and kind alone (the per-event cache already relies on it); keys that may read
/// `prototype`, whose verdict depends on their parent, are never cached, and values never carried
/// over. Held per event scratch, so a thread never shares one.
struct CleanKeyMemo {
    /// Names held at most (with at most 64 bytes each); a flood of new names empties the memo
    /// rather than letting it grow, and the names that recur come back within an event.
    static let capacity = 4096

    private var keys = ShortInputCache<Void>()

    var count: Int { keys.count }

    /// Whether this key, with its cache digest, was found clean before.
    func contains(_ key: UnsafeBufferPointer<UInt8>, source: InputSource, digest: UInt64) -> Bool {
        if case .found = keys.search(key, isKey: true, source: source, digest: digest) { return true }
        return false
    }

    /// Keeps the keys of the event's short-input cache whose input `isClean` says had no match.
    mutating func remember(from event: ShortInputCache<Int>, isClean: (Int) -> Bool) {
        event.forEachKey { entry, input in
            guard isClean(input) else { return }
            if keys.count >= Self.capacity { keys = ShortInputCache() }
            keys.insert(entry: entry, of: event, verdict: ())
        }
    }
}
