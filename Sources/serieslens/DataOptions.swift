import ArgumentParser
import Datasets
import Foundation

/// Options for reading training and test data from files, shared by the commands that train,
/// evaluate and explain. Formats, the missing-value and unequal-length policies and normalisation
/// are defined in docs/FORMATS.md.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("train"), help: ArgumentHelp("Training data: .ts, .tsv, .csv or .npy.", valueName: "file"))
    var trainPath: String?

    @Option(name: .customLong("test"), help: ArgumentHelp("Test data in any supported format; it takes the training data's class names.", valueName: "file"))
    var testPath: String?

    @Option(help: ArgumentHelp("CSV with a header row: the column holding the class label (files written by SeriesLens use 'label').", valueName: "name"))
    var labelColumn: String?

    @Option(help: ArgumentHelp("CSV without a header: where the label is, first or last.", valueName: "first|last"))
    var labelPosition: String = "first"

    @Option(name: .customLong("labels"), help: ArgumentHelp("Labels for an --train .npy file (.npy or one label per line); default NAME.labels.npy beside it.", valueName: "file"))
    var labelsPath: String?

    @Option(name: .customLong("test-labels"), help: ArgumentHelp("Labels for an --test .npy file; default NAME.labels.npy beside it.", valueName: "file"))
    var testLabelsPath: String?

    @Option(help: ArgumentHelp("Normalisation: none (values as they are), series (z-score each series and channel), channel (z-score each channel with training statistics).", valueName: "none|series|channel"))
    var normalize: String = "none"

    @Flag(help: "Fill missing values ('?', NaN, Inf, empty fields) by linear interpolation within the series instead of rejecting the file.")
    var imputeMissing = false

    @Option(help: ArgumentHelp("Resample every series linearly to this length (otherwise unequal lengths are zero-padded at the end).", valueName: "n"))
    var resampleLength: Int?

    /// The parsed normalisation method, or a one-line error.
    func normalizationMethod() throws -> NormalizationMethod {
        guard let method = NormalizationMethod(rawValue: normalize) else {
            throw DatasetError(message: "--normalize must be none, series or channel, got '\(normalize)'")
        }
        return method
    }

    /// Reader options for one file; `labels` and `classNames` differ between train and test.
    func loadOptions(labels: String?, classNames: [String]?) throws -> LoadOptions {
        guard let position = LabelPosition(rawValue: labelPosition) else {
            throw DatasetError(message: "--label-position must be first or last, got '\(labelPosition)'")
        }
        if let resampleLength, resampleLength < 1 {
            throw DatasetError(message: "--resample-length must be at least 1, got \(resampleLength)")
        }
        return LoadOptions(
            imputeMissing: imputeMissing, resampleLength: resampleLength, labelColumn: labelColumn,
            labelPosition: position, labelsPath: labels, classNames: classNames)
    }

    /// The files as read: the training set, and the test set (with the training set's class names
    /// and the same length and channel count) when `--test` is given. Not normalised.
    func loadFiles() throws -> (train: SeriesDataset, test: SeriesDataset?) {
        guard let trainPath else { throw DatasetError(message: "no training data: pass --train FILE") }
        let train = try SeriesDataset.load(path: trainPath, options: loadOptions(labels: labelsPath, classNames: nil))
        guard let testPath else { return (train, nil) }
        var test = try SeriesDataset.load(path: testPath, options: loadOptions(labels: testLabelsPath, classNames: train.classNames))
        if test.channels != train.channels {
            throw DatasetError(file: testPath, message: "has \(test.channels) channels, the training data \(train.channels)")
        }
        if test.length != train.length {
            guard test.length < train.length else {
                throw DatasetError(file: testPath, message: "series of \(test.length) steps are longer than the training data's \(train.length); pass --resample-length")
            }
            test = test.padded(toLength: train.length)
        }
        return (train, test)
    }

    /// Train, validation and test sets ready for training (see `trainingSplits`). The normaliser is
    /// fitted on the training part only and applied to all parts; store it in the checkpoint so
    /// evaluation applies the same statistics.
    func loadSplits(validationFraction: Double = 0.15, seed: UInt64) throws
        -> (train: SeriesDataset, validation: SeriesDataset?, test: SeriesDataset, normalizer: Normalizer)
    {
        let files = try loadFiles()
        let (train, validation, test) = try trainingSplits(files.train, test: files.test, validationFraction: validationFraction, seed: seed)
        let normalizer = Normalizer.fit(try normalizationMethod(), on: train)
        return (try normalizer.apply(to: train), try validation.map { try normalizer.apply(to: $0) }, try normalizer.apply(to: test), normalizer)
    }
}

/// The share of the data that becomes the test set when there is no separate test file.
let heldOutTestFraction = 0.15

/// Splits `data` for training. With a separate `test` set, a stratified validation set of
/// `validationFraction` is carved from `data` (`carvingValidation`); without one, `data` is split
/// stratified into train / validation (`validationFraction`) / test (0.15), so the default 0.15
/// gives 0.70/0.15/0.15. A fraction of 0 means no validation set (nil). A fraction outside [0, 1)
/// (below 0.85 without a test file), or one that rounds to no validation series, is a one-line error.
func trainingSplits(_ data: SeriesDataset, test: SeriesDataset?, validationFraction: Double, seed: UInt64) throws
    -> (train: SeriesDataset, validation: SeriesDataset?, test: SeriesDataset)
{
    let fraction = validationFraction
    guard fraction >= 0, fraction < 1 else {
        throw ValidationError("--validation-fraction must be at least 0 and below 1, got \(fraction)")
    }
    let train: SeriesDataset, validation: SeriesDataset
    if let test {
        if fraction == 0 { return (data, nil, test) }
        (train, validation) = try data.carvingValidation(fraction: fraction, seed: seed)
        if validation.count == 0 {
            throw ValidationError("--validation-fraction \(fraction) leaves no validation series (\(data.count) training series in \(data.classCount) classes); pass a larger fraction, or 0 to train without validation")
        }
        return (train, validation, test)
    }
    guard fraction + heldOutTestFraction < 1 else {
        throw ValidationError("--validation-fraction must be below \(1 - heldOutTestFraction) when \(heldOutTestFraction) of the data is also held out as the test set (no --test file), got \(fraction)")
    }
    let split = try data.stratifiedSplit(
        SplitFractions(train: 1 - fraction - heldOutTestFraction, validation: fraction, test: heldOutTestFraction), seed: seed)
    if fraction > 0 && split.validation.count == 0 {
        throw ValidationError("--validation-fraction \(fraction) leaves no validation series (\(data.count) series in \(data.classCount) classes); pass a larger fraction, or 0 to train without validation")
    }
    return (split.train, fraction == 0 ? nil : split.validation, split.test)
}

/// Prints `error` as one line on standard error and returns the exit code to throw. Every command
/// ends a failure this way, so users see `FILE:LINE: reason` and scripts see status 1.
func reportFailure(_ error: any Error) -> ExitCode {
    let line = String(describing: error).replacingOccurrences(of: "\n", with: " ")
    FileHandle.standardError.write(Data("error: \(line)\n".utf8))
    return ExitCode(1)
}
