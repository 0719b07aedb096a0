/// The kinds of anomaly the synthetic generator injects. Precise definitions (also in
/// docs/FORMATS.md, "Synthetic data"), for a segment `[start, end)` of an anomalous channel:
/// - `flat`: every value in the segment equals the value at `start` (the signal "freezes");
/// - `zero`: every value in the segment is 0;
/// - `noise`: every value in the segment is replaced by an independent draw from
///   N(0, (noiseSigmaFactor · amplitude)²);
/// - `spike`: 1–3 points (`spikePoints`) starting at `start` are replaced by ±h·amplitude, one sign
///   per series, h ~ U(spikeHeight) per point (default 3..5); the mask covers exactly those points;
/// - `mixed`: one of `mixedKinds` (default flat, zero, noise, spike) drawn uniformly per series.
public enum AnomalyKind: String, Codable, Sendable, CaseIterable {
    case flat, zero, noise, spike, mixed
}

/// The clean signal of one channel, for a series with frequency f and amplitude A over T steps,
/// at t = 0…T−1:
/// - `sine`: A·sin(2π·f·t/T);
/// - `cosine`: A·cos(2π·f·t/T);
/// - `randomWalk` (`random-walk`): x[t] = Σ_{s ≤ t} ε_s with ε_s ~ N(0, (A/√T)²), so x[T−1] has
///   standard deviation A — the same scale as the periodic channels.
public enum ChannelSignal: String, Codable, Sendable, CaseIterable {
    case sine, cosine
    case randomWalk = "random-walk"
}

/// Which channels of an anomalous series receive the anomaly (all at the same segment and kind).
public enum AnomalousChannelPolicy: Sendable, Equatable, Codable, CustomStringConvertible {
    /// One channel drawn uniformly.
    case one
    /// Every channel.
    case all
    /// This many distinct channels drawn uniformly (1 ≤ count ≤ C).
    case count(Int)

    /// Parses `one`, `all` or a positive integer.
    public init?(argument: String) {
        switch argument {
        case "one": self = .one
        case "all": self = .all
        default:
            guard let value = Int(argument), value >= 1 else { return nil }
            self = .count(value)
        }
    }

    public var description: String {
        switch self {
        case .one: "one"
        case .all: "all"
        case .count(let value): String(value)
        }
    }

    /// Encoded as the same string the CLI takes (`"one"`, `"all"`, `"2"`).
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let policy = AnomalousChannelPolicy(argument: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected one, all or a positive count, got \(text)"))
        }
        self = policy
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Every knob of the synthetic generator. The defaults reproduce the original seed's distribution:
/// 5000 univariate sine series of 500 steps, half normal, with a `flat` anomaly in the other half.
///
/// Ranges are sampled as U(lower, upper) (half-open). Location and segment length are fractions of
/// T: start = ⌊U(locationRange)·T⌋ (at most T−1), segment length = max(1, ⌊U(lengthRange)·T⌋),
/// end = min(start + length, T) — a segment running past the end is clipped there.
public struct SyntheticConfiguration: Codable, Sendable, Equatable {
    /// Time steps per series T.
    public var length: Int = 500
    /// Number of series N.
    public var count: Int = 5000
    /// Fraction of normal series; exactly round(N·normalRatio) series are normal.
    public var normalRatio: Double = 0.5
    /// Frequency f, in cycles per series, drawn once per series.
    public var frequencyRange: ClosedRange<Double> = 1...4
    /// Amplitude A, drawn once per series (shared by its channels).
    public var amplitudeRange: ClosedRange<Double> = 1...10
    /// Anomaly start as a fraction of T.
    public var locationRange: ClosedRange<Double> = 0...0.9
    /// Anomaly segment length as a fraction of T (not used by `spike`).
    public var lengthRange: ClosedRange<Double> = 0.1...0.5
    /// The anomaly kind for every anomalous series (`mixed` draws one per series).
    public var kind: AnomalyKind = .flat
    /// The kinds `mixed` draws from, uniformly.
    public var mixedKinds: [AnomalyKind] = [.flat, .zero, .noise, .spike]
    /// The signal of each channel, in channel order; C = channels.count.
    public var channels: [ChannelSignal] = [.sine]
    /// Which channels carry the anomaly.
    public var anomalousChannels: AnomalousChannelPolicy = .one
    /// `noise`: σ = noiseSigmaFactor × amplitude.
    public var noiseSigmaFactor: Double = 0.5
    /// `spike`: number of spiked points, drawn uniformly from this range per series.
    public var spikePoints: ClosedRange<Int> = 1...3
    /// `spike`: height as a multiple of the amplitude, drawn per point.
    public var spikeHeight: ClosedRange<Double> = 3...5
    /// Seed of the `SeededRandom` stream; the same configuration gives the same bytes everywhere.
    public var seed: UInt64 = 0

    public init() {}

    /// Decodes a configuration in which any field may be omitted (it then takes its default), so
    /// a hand-written JSON file can name only what it changes.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = SyntheticConfiguration()
        length = try container.decodeIfPresent(Int.self, forKey: .length) ?? defaults.length
        count = try container.decodeIfPresent(Int.self, forKey: .count) ?? defaults.count
        normalRatio = try container.decodeIfPresent(Double.self, forKey: .normalRatio) ?? defaults.normalRatio
        frequencyRange = try container.decodeIfPresent(ClosedRange<Double>.self, forKey: .frequencyRange) ?? defaults.frequencyRange
        amplitudeRange = try container.decodeIfPresent(ClosedRange<Double>.self, forKey: .amplitudeRange) ?? defaults.amplitudeRange
        locationRange = try container.decodeIfPresent(ClosedRange<Double>.self, forKey: .locationRange) ?? defaults.locationRange
        lengthRange = try container.decodeIfPresent(ClosedRange<Double>.self, forKey: .lengthRange) ?? defaults.lengthRange
        kind = try container.decodeIfPresent(AnomalyKind.self, forKey: .kind) ?? defaults.kind
        mixedKinds = try container.decodeIfPresent([AnomalyKind].self, forKey: .mixedKinds) ?? defaults.mixedKinds
        channels = try container.decodeIfPresent([ChannelSignal].self, forKey: .channels) ?? defaults.channels
        anomalousChannels = try container.decodeIfPresent(AnomalousChannelPolicy.self, forKey: .anomalousChannels) ?? defaults.anomalousChannels
        noiseSigmaFactor = try container.decodeIfPresent(Double.self, forKey: .noiseSigmaFactor) ?? defaults.noiseSigmaFactor
        spikePoints = try container.decodeIfPresent(ClosedRange<Int>.self, forKey: .spikePoints) ?? defaults.spikePoints
        spikeHeight = try container.decodeIfPresent(ClosedRange<Double>.self, forKey: .spikeHeight) ?? defaults.spikeHeight
        seed = try container.decodeIfPresent(UInt64.self, forKey: .seed) ?? defaults.seed
    }

    /// Checks every field, naming the first that is out of range.
    public func validate() throws {
        func check(_ condition: Bool, _ message: String) throws {
            if !condition { throw DatasetError(message: "invalid synthetic configuration: \(message)") }
        }
        try check(length >= 2, "length must be at least 2, got \(length)")
        try check(count >= 1, "count must be at least 1, got \(count)")
        try check(normalRatio >= 0 && normalRatio <= 1, "normal ratio must be in [0, 1], got \(normalRatio)")
        try check(frequencyRange.lowerBound >= 0 && frequencyRange.upperBound.isFinite, "frequency range must be non-negative and finite")
        try check(amplitudeRange.lowerBound > 0 && amplitudeRange.upperBound.isFinite, "amplitude range must be positive and finite")
        try check(locationRange.lowerBound >= 0 && locationRange.upperBound <= 1, "location range must lie in [0, 1]")
        try check(lengthRange.lowerBound >= 0 && lengthRange.upperBound <= 1, "length range must lie in [0, 1]")
        try check(!channels.isEmpty, "at least one channel is needed")
        try check(!mixedKinds.isEmpty && !mixedKinds.contains(.mixed), "mixed kinds must be a non-empty list without 'mixed'")
        if case .count(let value) = anomalousChannels {
            try check(value >= 1 && value <= channels.count, "anomalous channel count must be in 1...\(channels.count), got \(value)")
        }
        try check(noiseSigmaFactor >= 0 && noiseSigmaFactor.isFinite, "noise sigma factor must be non-negative")
        try check(spikePoints.lowerBound >= 1, "spike points must be at least 1")
        try check(spikeHeight.lowerBound > 0 && spikeHeight.upperBound.isFinite, "spike height must be positive")
    }
}
