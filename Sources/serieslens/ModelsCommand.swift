import ArgumentParser
import Models

struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the built-in models with their parameter counts.")

    @Option(help: "Input channels C used to count parameters.")
    var channels = 1

    func run() throws {
        for entry in ModelCatalog.entries {
            let model: SequentialClassifier<Float>
            do { model = try ModelCatalog.make(entry.name, inputChannels: channels) } catch { throw reportFailure(error) }
            print("\(entry.name.padding(toLength: 18, withPad: " ", startingAt: 0)) \(String(model.parameters.count).leftPadded(7)) parameters  \(entry.summary)")
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
