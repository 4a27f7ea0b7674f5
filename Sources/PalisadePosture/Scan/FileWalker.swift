import Foundation

/// The files under the given paths that a tool wants: paths to files are taken as given, directories
/// are walked (sorted, skipping build output and dependencies), and missing paths become errors.
enum FileWalker {
    static let skippedDirectories: Set<String> = [".git", "node_modules", ".serverless", ".aws-sam", "cdk.out", "__pycache__", ".venv"]

    static func files(under paths: [String], errors: inout [PostureError], accept: (String) -> Bool) -> [String] {
        var files: [String] = []
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                errors.append(PostureError(.unreadableFile, file: path, "no such file or directory"))
                continue
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            guard let walker = manager.enumerator(atPath: path) else { continue }
            var found: [String] = []
            while let relative = walker.nextObject() as? String {
                let name = (relative as NSString).lastPathComponent
                if skippedDirectories.contains(name) || name.hasPrefix(".build") {
                    walker.skipDescendants()
                } else if accept(name) {
                    found.append((path as NSString).appendingPathComponent(relative))
                }
            }
            files += found.sorted()
        }
        return files
    }
}
