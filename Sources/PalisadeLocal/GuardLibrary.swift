import Foundation

/// The behaviour guard's preload library, compiled from `Guard/palisade-guard.c` with the system C
/// compiler: plain C against libc only (SwiftPM would link the Swift runtime into a product).
public enum GuardLibrary {
    /// The source, relative to the repository.
    public static let sourcePath = "Guard/palisade-guard.c"
    /// The file name beside `palisade` and the path in the layer (`/opt/lib/palisade-guard.so`).
    public static let fileName = "palisade-guard.so"
    public static let layerPath = "lib/" + fileName
    /// Newest glibc symbol version the library may need: Amazon Linux 2023 has glibc 2.34.
    public static let newestGlibc = [2, 34]

    /// The library is loaded into every process the function starts and is present in every fork:
    /// `-z now` binds its libc calls at load (a few µs), not lazily in each forked child that execs;
    /// `-fno-plt` calls them through the bound table directly; `-fno-semantic-interposition` lets its
    /// own wrappers call each other without the symbol table; `-z noseparate-code` maps it as three
    /// segments instead of five (each mapping is copied by every fork and torn down by every exec).
    public static func compileArguments(source: String, output: String) -> [String] {
        ["cc", "-shared", "-fPIC", "-O2", "-fno-plt", "-fno-semantic-interposition", "-Wall",
         "-Wl,-z,now", "-Wl,-z,noseparate-code", "-o", output, source]
    }

    /// Compiles `source` into `output` (through a temporary file, so concurrent builds never see half a library).
    public static func build(source: String, output: String) throws {
        let temporary = output + ".\(getpid()).\(UUID().uuidString.prefix(8)).tmp"
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: output).deletingLastPathComponent().path, withIntermediateDirectories: true)
        try LayerBuilder.run("/usr/bin/env", compileArguments(source: source, output: temporary))
        guard rename(temporary, output) == 0 else {
            throw LayerBuildError(command: "rename \(temporary) \(output)", output: String(cString: strerror(errno)))
        }
    }

    /// `output`, compiled first when it is missing or older than `source`.
    public static func ensureBuilt(source: String, output: String) throws -> String {
        let manager = FileManager.default
        let sourceDate = (try manager.attributesOfItem(atPath: source)[.modificationDate] as? Date) ?? .distantFuture
        let outputDate = (try? manager.attributesOfItem(atPath: output)[.modificationDate] as? Date) ?? .distantPast
        if outputDate < sourceDate { try build(source: source, output: output) }
        return output
    }

    /// glibc symbol versions the library needs that are newer than `newestGlibc`, from `objdump -T`.
    public static func tooNewGlibcVersions(_ library: String) throws -> [String] {
        let table = try LayerBuilder.run("/usr/bin/env", ["objdump", "-T", library])
        var found: Set<String> = []
        for word in table.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "(" || $0 == ")" }) where word.hasPrefix("GLIBC_2.") {
            let numbers = word.dropFirst("GLIBC_".count).split(separator: ".").compactMap { Int($0) }
            if numbers.lexicographicallyPrecedes(newestGlibc) || numbers == newestGlibc { continue }
            found.insert(String(word))
        }
        return found.sorted()
    }
}
