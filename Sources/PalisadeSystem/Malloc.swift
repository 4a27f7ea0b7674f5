/// glibc's allocator controls, which Swift's Glibc module leaves out (they live in malloc.h).
public enum Malloc {
    /// Returns freed pages of every arena to the system.
    public static func trim() {
        _ = glibcMallocTrim(0)
    }

    /// Caps the number of arenas: each thread that allocates otherwise gets one, and keeps what it
    /// freed resident.
    public static func limitArenas(to count: Int32) {
        _ = glibcMallopt(mArenaMax, count)
    }

    /// `M_ARENA_MAX` in malloc.h.
    static let mArenaMax: Int32 = -8
}

@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32

@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
