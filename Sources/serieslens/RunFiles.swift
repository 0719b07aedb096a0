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

    static func writeHistory(_ history: [EpochRecord], to directory: URL) throws {
        try writeJSON(history, to: directory.appendingPathComponent("history.json"))
        var csv = "epoch,train_loss,val_loss,seconds,series_per_second\n"
        for record in history {
            csv += "\(record.epoch),\(record.trainLoss),\(record.validationLoss),\(record.seconds),\(record.seriesPerSecond)\n"
        }
        try AtomicFile.write(csv, to: directory.appendingPathComponent("history.csv"))
    }
}
