import Foundation

/// Paths of the bundled fixture files and scratch directories for tests.
enum Fixtures {
    static let root: String = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.path

    static func ucr(_ name: String, _ split: String, _ ext: String = "ts") -> String {
        "\(root)/ucr/\(name)/\(name)_\(split).\(ext)"
    }

    static func malformed(_ file: String) -> String { "\(root)/malformed/\(file)" }

    /// A fresh empty directory under the system temporary directory.
    static func scratchDirectory() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("serieslens-datasets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }
}
