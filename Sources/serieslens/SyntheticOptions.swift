import ArgumentParser
import Datasets

/// The synthetic data options shared by the commands that can work without files (the generator's
/// full set of knobs is on `serieslens generate`).
struct SyntheticOptions: ParsableArguments {
    @Option(help: "Synthetic series to generate (when no data file is given).")
    var samples = 5000

    @Option(help: "Synthetic series length T.")
    var length = 500

    @Option(help: ArgumentHelp("Synthetic anomaly kind (see `serieslens generate --help`).", valueName: "flat|zero|noise|spike|mixed"))
    var kind = "flat"

    @Option(help: ArgumentHelp("Synthetic channels, comma-separated.", valueName: "sine,cosine,random-walk"))
    var channels = "sine"

    /// The generator configuration these options describe, seeded with `seed`.
    func configuration(seed: UInt64) throws -> SyntheticConfiguration {
        var synthetic = SyntheticConfiguration()
        synthetic.count = samples
        synthetic.length = length
        synthetic.seed = seed
        guard let anomalyKind = AnomalyKind(rawValue: kind) else {
            throw ValidationError("--kind must be one of \(AnomalyKind.allCases.map(\.rawValue).joined(separator: ", ")), got '\(kind)'")
        }
        synthetic.kind = anomalyKind
        synthetic.channels = try channels.split(separator: ",").map { name in
            guard let signal = ChannelSignal(rawValue: String(name)) else {
                throw ValidationError("--channels: unknown signal '\(name)' (sine, cosine, random-walk)")
            }
            return signal
        }
        return synthetic
    }

    func summary(_ configuration: SyntheticConfiguration) -> String {
        "synthetic \(configuration.kind.rawValue) anomalies, \(configuration.count) series × T=\(configuration.length) × C=\(configuration.channels.count)"
    }
}
