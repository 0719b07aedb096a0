import ArgumentParser
import Foundation
import Models

struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the models (built-in and user definitions) with parameters, FLOPs and what they explain.",
        discussion: """
            Built-in models are the definitions in Plugins/ (embedded in the binary). User definitions
            are every *.json in the --plugins folders and in $\(ModelRegistry.pluginsVariable) (folders
            separated by ':'); see docs/MODELS.md for the format.
            """)

    @Option(help: "Input channels C the parameters and FLOPs are counted for.")
    var channels = 1

    @Option(help: "Series length T the FLOPs are counted for (and ffn's input width).")
    var length = 500

    @Option(help: "Classes K (2 uses one logit; more use K).")
    var classes = 2

    @Option(name: .customLong("plugins"), help: ArgumentHelp("A folder of model definitions (*.json); repeatable.", valueName: "folder"))
    var pluginFolders: [String] = []

    func run() throws {
        do {
            let registry = try ModelRegistry(pluginDirectories: pluginFolders + ModelRegistry.environmentPluginDirectories())
            print("models for C=\(channels), T=\(length), K=\(classes); FLOPs = forward, per series")
            let header = ["model", "parameters", "FLOPs", "importance", "multivariate", "variable length", "description"]
            var rows = [header]
            for source in registry.sources {
                let summary = try registry.summary(of: source, time: length, channels: channels, classCount: classes)
                rows.append([
                    summary.name, "\(summary.parameterCount)", Self.compact(summary.forwardFLOPs), summary.importance.rawValue,
                    summary.multivariate ? "yes" : "no", summary.variableLength ? "yes" : "no (fixed T)",
                    summary.description + (source.builtIn ? "" : " [\(source.file)]"),
                ])
            }
            let widths = (0..<header.count - 1).map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                var line = ""
                for column in 0..<header.count - 1 {
                    let cell = row[column]
                    line += column == 1 || column == 2 ? cell.leftPadded(widths[column]) : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    line += "  "
                }
                print(line + row[header.count - 1])
            }
        } catch {
            throw reportFailure(error)
        }
    }

    /// 1234567 → "1.23M".
    static func compact(_ value: Int) -> String {
        let number = Double(value)
        for (scale, suffix) in [(1e9, "G"), (1e6, "M"), (1e3, "k")] where number >= scale {
            return String(format: "%.2f%@", number / scale, suffix)
        }
        return "\(value)"
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
