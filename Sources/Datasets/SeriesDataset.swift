/// A labelled set of time series held as one contiguous (N, T, C) Float buffer, row-major:
/// `values[(n * length + t) * channels + c]`.
///
/// Ground truth for explanations travels with the series: `anomalyMask` is (N, T, C) with 1 where a
/// synthetic anomaly was injected, and `anomalyKinds[n]` names the kind (nil for normal series or
/// real data). Every operation that reorders or selects series (`subset`) carries them along.
public struct SeriesDataset: Sendable, Equatable {
    /// Number of series N.
    public private(set) var count: Int
    /// Time steps per series T (the padded length when `validLengths` is set).
    public let length: Int
    /// Channels per time step C.
    public let channels: Int
    /// (N, T, C) values.
    public var values: [Float]
    /// Class index per series, in `0..<classNames.count`.
    public var labels: [Int]
    /// Class names in index order ("normal", "anomalous" for synthetic sets; file labels otherwise).
    public var classNames: [String]
    /// (N, T, C) ground-truth anomaly mask, when known.
    public var anomalyMask: [UInt8]?
    /// Anomaly kind per series (nil entries for normal series), when known.
    public var anomalyKinds: [String?]?
    /// Number of real (unpadded) time steps per series, when lengths differ.
    public var validLengths: [Int]?

    public init(
        count: Int, length: Int, channels: Int, values: [Float], labels: [Int], classNames: [String],
        anomalyMask: [UInt8]? = nil, anomalyKinds: [String?]? = nil, validLengths: [Int]? = nil
    ) {
        precondition(values.count == count * length * channels, "values must hold N*T*C floats")
        precondition(labels.count == count, "one label per series")
        precondition(anomalyMask == nil || anomalyMask!.count == values.count, "mask must be (N, T, C)")
        precondition(anomalyKinds == nil || anomalyKinds!.count == count, "one kind per series")
        precondition(validLengths == nil || validLengths!.count == count, "one length per series")
        self.count = count
        self.length = length
        self.channels = channels
        self.values = values
        self.labels = labels
        self.classNames = classNames
        self.anomalyMask = anomalyMask
        self.anomalyKinds = anomalyKinds
        self.validLengths = validLengths
    }

    public var classCount: Int { classNames.count }

    /// Floats per series (T·C).
    public var seriesStride: Int { length * channels }

    /// The series at `indices`, in that order, with their labels and ground truth.
    public func subset(_ indices: [Int]) -> SeriesDataset {
        let stride = seriesStride
        var newValues = [Float]()
        newValues.reserveCapacity(indices.count * stride)
        var newMask: [UInt8]? = anomalyMask == nil ? nil : []
        for index in indices {
            newValues.append(contentsOf: values[(index * stride)..<((index + 1) * stride)])
            if let mask = anomalyMask { newMask!.append(contentsOf: mask[(index * stride)..<((index + 1) * stride)]) }
        }
        return SeriesDataset(
            count: indices.count, length: length, channels: channels, values: newValues,
            labels: indices.map { labels[$0] }, classNames: classNames, anomalyMask: newMask,
            anomalyKinds: anomalyKinds.map { kinds in indices.map { kinds[$0] } },
            validLengths: validLengths.map { lengths in indices.map { lengths[$0] } })
    }
}
