import ArgumentParser
import Datasets
import Foundation

/// `serieslens generate`: writes a synthetic labelled dataset with ground-truth anomaly masks.
/// Every generator knob is an option; defaults reproduce the original seed's distribution.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate synthetic time series with injected anomalies and their ground-truth mask.",
        discussion: """
            Each series has a frequency f ~ U(frequency) and amplitude A ~ U(amplitude). Channels: \
            sine = A·sin(2π·f·t/T), cosine = A·cos(2π·f·t/T), random-walk = cumulative sum of \
            N(0, (A/√T)²) steps, for t = 0…T−1. Exactly round(N·normal-ratio) series are normal \
            (label 0 "normal"); the others (label 1 "anomalous") get one segment starting at \
            ⌊U(location)·T⌋, of max(1, ⌊U(anomaly-length)·T⌋) steps, clipped at the series end, in \
            the channels chosen by --anomalous-channels. Ranges are LOW..HIGH, sampled uniformly.

            Anomaly kinds, inside the segment of each anomalous channel:
              flat   every value equals the value at the segment start
                     (the signal freezes).
              zero   every value is 0.
              noise  every value is replaced by an independent draw from
                     N(0, σ²), σ = noise-sigma × A.
              spike  p ~ U(spike-points) points from the segment start are
                     replaced by ±h·A, one sign per series, h ~ U(spike-height)
                     per point; the mask covers exactly those points
                     (--anomaly-length is not used).
              mixed  one of --mixed-kinds, drawn uniformly per series.

            The mask (N, T, C) is 1 exactly where the anomaly was placed. The same options and seed \
            give the same bytes on every machine. Output by extension of --out: .npy writes \
            NAME.npy (float32 N×T×C), NAME.labels.npy (int64), NAME.mask.npy (uint8), \
            NAME.classes.txt; .ts writes the aeon/sktime format; .csv (one channel only) writes \
            label,t0,t1,… rows. See docs/FORMATS.md.
            """)

    @Option(name: .customLong("out"), help: ArgumentHelp("Output file; its extension (.npy, .ts, .csv) picks the format.", valueName: "file"))
    var outputPath: String

    @Option(help: ArgumentHelp("Output format, overriding the extension of --out.", valueName: "ts|tsv|csv|npy"))
    var format: String?

    @Option(help: ArgumentHelp("Number of series N.", valueName: "n"))
    var samples: Int = 5000

    @Option(help: ArgumentHelp("Steps per series T.", valueName: "t"))
    var length: Int = 500

    @Option(help: ArgumentHelp("Fraction of normal series.", valueName: "ratio"))
    var normalRatio: Double = 0.5

    @Option(help: ArgumentHelp("Seed of the generator.", valueName: "n"))
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Anomaly kind (defined below).", valueName: "flat|zero|noise|spike|mixed"))
    var kind: String = "flat"

    @Option(help: ArgumentHelp("Kinds that --kind mixed draws from, comma-separated.", valueName: "kinds"))
    var mixedKinds: String = "flat,zero,noise,spike"

    @Option(help: ArgumentHelp("Channel signals in order, comma-separated; C is their count.", valueName: "sine,cosine,random-walk"))
    var channels: String = "sine"

    @Option(help: ArgumentHelp("Channels that carry the anomaly: one (drawn at random), all, or a count.", valueName: "one|all|k"))
    var anomalousChannels: String = "one"

    @Option(help: ArgumentHelp("Frequency range f, cycles per series.", valueName: "low..high"))
    var frequency: String = "1..4"

    @Option(help: ArgumentHelp("Amplitude range A.", valueName: "low..high"))
    var amplitude: String = "1..10"

    @Option(help: ArgumentHelp("Anomaly start as a fraction of T.", valueName: "low..high"))
    var location: String = "0..0.9"

    @Option(help: ArgumentHelp("Anomaly length as a fraction of T.", valueName: "low..high"))
    var anomalyLength: String = "0.1..0.5"

    @Option(help: ArgumentHelp("noise: σ as a multiple of the amplitude.", valueName: "factor"))
    var noiseSigma: Double = 0.5

    @Option(help: ArgumentHelp("spike: number of spiked points.", valueName: "low..high"))
    var spikePoints: String = "1..3"

    @Option(help: ArgumentHelp("spike: height as a multiple of the amplitude.", valueName: "low..high"))
    var spikeHeight: String = "3..5"

    /// The generator configuration these options describe, or a one-line error naming the option.
    func synthesisConfiguration() throws -> SyntheticConfiguration {
        func range(_ text: String, _ option: String) throws -> ClosedRange<Double> {
            let parts = text.components(separatedBy: "..")
            guard parts.count == 2, let low = Double(parts[0]), let high = Double(parts[1]), low <= high else {
                throw DatasetError(message: "--\(option) must be LOW..HIGH with LOW ≤ HIGH, got '\(text)'")
            }
            return low...high
        }
        func anomalyKind(_ text: String, _ option: String) throws -> AnomalyKind {
            guard let kind = AnomalyKind(rawValue: text) else {
                throw DatasetError(message: "--\(option): unknown anomaly kind '\(text)' (flat, zero, noise, spike, mixed)")
            }
            return kind
        }
        var configuration = SyntheticConfiguration()
        configuration.count = samples
        configuration.length = length
        configuration.normalRatio = normalRatio
        configuration.seed = seed
        configuration.kind = try anomalyKind(kind, "kind")
        configuration.mixedKinds = try mixedKinds.split(separator: ",").map { try anomalyKind(String($0), "mixed-kinds") }
        configuration.channels = try channels.split(separator: ",").map { name in
            guard let signal = ChannelSignal(rawValue: String(name)) else {
                throw DatasetError(message: "--channels: unknown signal '\(name)' (sine, cosine, random-walk)")
            }
            return signal
        }
        guard let policy = AnomalousChannelPolicy(argument: anomalousChannels) else {
            throw DatasetError(message: "--anomalous-channels must be one, all or a positive count, got '\(anomalousChannels)'")
        }
        configuration.anomalousChannels = policy
        configuration.frequencyRange = try range(frequency, "frequency")
        configuration.amplitudeRange = try range(amplitude, "amplitude")
        configuration.locationRange = try range(location, "location")
        configuration.lengthRange = try range(anomalyLength, "anomaly-length")
        configuration.noiseSigmaFactor = noiseSigma
        let points = try range(spikePoints, "spike-points")
        guard points.lowerBound == points.lowerBound.rounded(), points.upperBound == points.upperBound.rounded() else {
            throw DatasetError(message: "--spike-points must be whole numbers, got '\(spikePoints)'")
        }
        configuration.spikePoints = Int(points.lowerBound)...Int(points.upperBound)
        configuration.spikeHeight = try range(spikeHeight, "spike-height")
        try configuration.validate()
        return configuration
    }

    func run() throws {
        do {
            let started = Date()
            let configuration = try synthesisConfiguration()
            let outputFormat: DatasetFormat
            if let format {
                guard let chosen = DatasetFormat(rawValue: format) else {
                    throw DatasetError(message: "--format must be ts, tsv, csv or npy, got '\(format)'")
                }
                outputFormat = chosen
            } else {
                outputFormat = try DatasetFormat(path: outputPath)
            }
            if (outputFormat == .csv || outputFormat == .tsv) && configuration.channels.count > 1 {
                throw DatasetError(file: outputPath, message: ".\(outputFormat.rawValue) holds univariate series only and --channels gives \(configuration.channels.count); write .ts or .npy instead")
            }
            let dataset = try configuration.generate()
            try dataset.write(to: outputPath, format: outputFormat)
            let anomalous = dataset.labels.filter { $0 == 1 }.count
            let seconds = Date().timeIntervalSince(started)
            print("wrote \(dataset.count) series (T=\(dataset.length), C=\(dataset.channels); \(dataset.count - anomalous) normal, \(anomalous) anomalous, kind \(configuration.kind.rawValue), seed \(configuration.seed)) to \(outputPath) as .\(outputFormat.rawValue) in \(String(format: "%.2f", seconds)) s")
        } catch {
            throw reportFailure(error)
        }
    }
}
