import ArgumentParser
import Datasets
import Foundation
import Models
import Training

/// A checkpoint and the data to run it on: a file (`--data`), or synthetic series generated with
/// `--seed`. The checkpoint's class names fix the label mapping and its fitted normalisation is
/// applied unchanged.
struct CheckpointDataOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A model.safetensors written by `serieslens train`.", valueName: "file"))
    var checkpoint: String

    @Option(name: .customLong("data"), help: ArgumentHelp("Data file: .ts, .tsv, .csv or .npy (otherwise synthetic series).", valueName: "file"))
    var dataPath: String?

    @Option(help: ArgumentHelp("CSV with a header row: the label column.", valueName: "name"))
    var labelColumn: String?

    @Option(help: ArgumentHelp("CSV without a header: where the label is.", valueName: "first|last"))
    var labelPosition: String = "first"

    @Option(name: .customLong("labels"), help: ArgumentHelp("Labels for a .npy data file (.npy or one label per line).", valueName: "file"))
    var labelsPath: String?

    @Flag(help: "Fill missing values by linear interpolation instead of rejecting the file.")
    var imputeMissing = false

    @OptionGroup(title: "Synthetic data (without --data)")
    var synthetic: SyntheticOptions

    @Option(help: "Seed of the synthetic data (pick one the model was not trained on).")
    var seed: UInt64 = 1234

    /// Kinds for `--kind mixed` (set by `explain --kinds`).
    var mixedKinds: [AnomalyKind]? = nil

    enum CodingKeys: CodingKey {
        case checkpoint, dataPath, labelColumn, labelPosition, labelsPath, imputeMissing, synthetic, seed
    }

    struct Loaded {
        var model: SequentialClassifier<Float>
        var metadata: CheckpointMetadata
        var dataset: SeriesDataset
        var description: String
    }

    func load() throws -> Loaded {
        let url = URL(fileURLWithPath: checkpoint)
        let (model, metadata) = try Checkpoint.load(from: url)
        var dataset: SeriesDataset
        let description: String
        if let dataPath {
            guard let position = LabelPosition(rawValue: labelPosition) else {
                throw ValidationError("--label-position must be first or last, got '\(labelPosition)'")
            }
            let options = LoadOptions(
                imputeMissing: imputeMissing, resampleLength: nil, labelColumn: labelColumn,
                labelPosition: position, labelsPath: labelsPath, classNames: metadata.classNames)
            dataset = try SeriesDataset.load(path: dataPath, options: options)
            description = dataPath
        } else {
            var configuration = try synthetic.configuration(seed: seed)
            if let mixedKinds { configuration.mixedKinds = mixedKinds }
            dataset = try configuration.generate()
            description = synthetic.summary(configuration)
        }
        let source = dataPath ?? "the synthetic data"
        guard dataset.channels == metadata.inputChannels else {
            throw ValidationError("\(source) has \(dataset.channels) channel(s), the checkpoint \(checkpoint) was trained on \(metadata.inputChannels)")
        }
        guard dataset.classNames == metadata.classNames else {
            throw ValidationError("\(source) has classes \(dataset.classNames), the checkpoint \(checkpoint) knows \(metadata.classNames)")
        }
        do { _ = try model.shapes(time: dataset.length) } catch {
            throw ValidationError("\(source) has series of \(dataset.length) steps, which the checkpoint's model does not accept (\(error))")
        }
        if let normalizer = metadata.normalizer { dataset = try normalizer.apply(to: dataset) }
        return Loaded(model: model, metadata: metadata, dataset: dataset, description: description)
    }
}
