/// One series as read from a file, before lengths are made equal: `values` is (T_n, C) row-major.
struct RawSeries {
    var values: [Float]
    var length: Int
    /// 1-based line (text formats) where the series was read, for error messages.
    var line: Int?
}

/// The class names for a set of string labels when the file does not declare them: the distinct
/// labels sorted numerically when every one is a number (so "2" < "10" and "-1" < "1"), otherwise
/// in byte order. This matches the UCR `.ts` files, whose `@classLabel` lists numeric labels in
/// increasing order, so a `.tsv` and a `.ts` of the same data agree.
func sortedClassNames(_ labels: [String]) -> [String] {
    let distinct = Array(Set(labels))
    let numbers = distinct.map { Double($0) }
    if numbers.allSatisfy({ $0 != nil }) {
        return zip(distinct, numbers).sorted { ($0.1!, $0.0) < ($1.1!, $1.0) }.map(\.0)
    }
    return distinct.sorted()
}

/// Maps string labels to indices in `classNames`, naming the file and line of a label not listed.
func classIndices(
    _ labels: [String], classNames: [String], file: String, lines: [Int?], source: String
) throws -> [Int] {
    var index: [String: Int] = [:]
    for (position, name) in classNames.enumerated() where index[name] == nil { index[name] = position }
    return try labels.enumerated().map { position, label in
        if let found = index[label] { return found }
        // Numeric labels written differently ("1" vs "1.0") still match.
        if let value = Double(label), let match = classNames.firstIndex(where: { Double($0) == value }) { return match }
        throw DatasetError(
            file: file, line: lines[position],
            message: "label '\(label)' is not among the classes \(source) (\(classNames.joined(separator: " ")))")
    }
}

/// Fills non-finite values of one channel of one series by linear interpolation between the nearest
/// finite neighbours; values before the first / after the last finite one copy it. Returns the
/// offset (time step) of the first non-finite value when `impute` is false, or when the channel has
/// no finite value at all.
func imputeChannel(_ values: inout [Float], length: Int, channels: Int, channel: Int, impute: Bool) -> (step: Int, empty: Bool)? {
    var previous: Int? = nil
    var t = 0
    while t < length {
        if values[t * channels + channel].isFinite { previous = t; t += 1; continue }
        if !impute { return (t, false) }
        var next = t
        while next < length && !values[next * channels + channel].isFinite { next += 1 }
        if previous == nil && next == length { return (t, true) }
        for gap in t..<next {
            let value: Float
            if let before = previous, next < length {
                let a = values[before * channels + channel], b = values[next * channels + channel]
                let w = Float(gap - before) / Float(next - before)
                value = a + (b - a) * w
            } else if let before = previous {
                value = values[before * channels + channel]
            } else {
                value = values[next * channels + channel]
            }
            values[gap * channels + channel] = value
        }
        t = next
    }
    return nil
}

/// Linear resampling of one (T_in, C) series to (T_out, C): output step i sits at input position
/// i·(T_in − 1)/(T_out − 1) and takes the linear interpolation of its two neighbours. A one-step
/// input is repeated; a one-step output takes the first value.
public func resampleLinearly(_ values: [Float], length: Int, channels: Int, to newLength: Int) -> [Float] {
    precondition(length >= 1 && newLength >= 1, "lengths must be positive")
    var output = [Float](repeating: 0, count: newLength * channels)
    for i in 0..<newLength {
        let position = newLength == 1 ? 0 : Double(i) * Double(length - 1) / Double(newLength - 1)
        let lower = min(Int(position), length - 1)
        let upper = min(lower + 1, length - 1)
        let weight = Float(position - Double(lower))
        for c in 0..<channels {
            let a = values[lower * channels + c], b = values[upper * channels + c]
            output[i * channels + c] = weight == 0 ? a : a + (b - a) * weight
        }
    }
    return output
}

/// Builds the (N, T, C) dataset from series of possibly different lengths, after handling missing
/// values. The length policy, shared by every format:
/// - `resampleLength` set: every series is resampled to it (`validLengths` stays nil);
/// - all lengths equal: kept as they are;
/// - otherwise: zero-padded at the end to the longest, with `validLengths` holding the real lengths.
func assembleDataset(
    _ series: [RawSeries], channels: Int, labels: [Int], classNames: [String], file: String,
    options: LoadOptions
) throws -> SeriesDataset {
    guard !series.isEmpty else { throw DatasetError(file: file, message: "the file holds no series") }
    var series = series
    for index in series.indices {
        let length = series[index].length
        guard length > 0 else {
            throw DatasetError(file: file, line: series[index].line, message: "series \(index + 1) has no values")
        }
        for channel in 0..<channels {
            if let problem = imputeChannel(&series[index].values, length: length, channels: channels, channel: channel, impute: options.imputeMissing) {
                let place = channels > 1 ? "dimension \(channel + 1), value \(problem.step + 1)" : "value \(problem.step + 1)"
                let message = problem.empty
                    ? "series \(index + 1)\(channels > 1 ? " dimension \(channel + 1)" : "") has no finite values to impute from"
                    : "missing or non-finite \(place) (pass --impute-missing to interpolate)"
                throw DatasetError(file: file, line: series[index].line, message: message)
            }
        }
    }
    if let target = options.resampleLength {
        guard target >= 1 else { throw DatasetError(file: file, message: "resample length must be at least 1, got \(target)") }
        var values = [Float]()
        values.reserveCapacity(series.count * target * channels)
        for item in series {
            values += resampleLinearly(item.values, length: item.length, channels: channels, to: target)
        }
        return SeriesDataset(count: series.count, length: target, channels: channels, values: values, labels: labels, classNames: classNames)
    }
    let lengths = series.map(\.length)
    let longest = lengths.max()!
    var values = [Float](repeating: 0, count: series.count * longest * channels)
    for (index, item) in series.enumerated() {
        let base = index * longest * channels
        for k in 0..<(item.length * channels) { values[base + k] = item.values[k] }
    }
    let equal = lengths.allSatisfy { $0 == longest }
    return SeriesDataset(
        count: series.count, length: longest, channels: channels, values: values, labels: labels,
        classNames: classNames, validLengths: equal ? nil : lengths)
}

extension SeriesDataset {
    /// The dataset zero-padded at the end of every series to `newLength` ≥ `length` steps, with the
    /// mask padded by zeros and `validLengths` recording the real lengths (the shared unequal-length
    /// policy). Use it to bring a test set to the training length.
    public func padded(toLength newLength: Int) -> SeriesDataset {
        precondition(newLength >= length, "padding cannot shorten series")
        if newLength == length { return self }
        let newStride = newLength * channels
        var newValues = [Float](repeating: 0, count: count * newStride)
        var newMask = anomalyMask.map { _ in [UInt8](repeating: 0, count: count * newStride) }
        for n in 0..<count {
            for k in 0..<seriesStride {
                newValues[n * newStride + k] = values[n * seriesStride + k]
                if let mask = anomalyMask { newMask![n * newStride + k] = mask[n * seriesStride + k] }
            }
        }
        return SeriesDataset(
            count: count, length: newLength, channels: channels, values: newValues, labels: labels,
            classNames: classNames, anomalyMask: newMask, anomalyKinds: anomalyKinds,
            validLengths: validLengths ?? [Int](repeating: length, count: count))
    }
}
