import Foundation
import Layers
import Training

/// The machine-readable files a run leaves, each written atomically.
enum RunFiles {
    static func writeJSON<Value: Encodable>(_ value: Value, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(value), to: url)
    }

    /// history.json (records without a validation loss omit the key) and history.csv, whose
    /// `val_loss` column is left out when the run has no validation set.
    static func writeHistory(_ history: [EpochRecord], to directory: URL) throws {
        try writeJSON(history, to: directory.appendingPathComponent("history.json"))
        let hasValidation = history.contains { $0.validationLoss != nil }
        var csv = "epoch,train_loss," + (hasValidation ? "val_loss," : "") + "seconds,series_per_second,learning_rate\n"
        for record in history {
            let validation = hasValidation ? "\(record.validationLoss.map { "\($0)" } ?? ""),": ""
            csv += "\(record.epoch),\(record.trainLoss),\(validation)\(record.seconds),\(record.seriesPerSecond),\(record.learningRate)\n"
        }
        try AtomicFile.write(csv, to: directory.appendingPathComponent("history.csv"))
    }
}
