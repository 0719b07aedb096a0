import Foundation
import Kernels

extension SyntheticConfiguration {
    /// Generates the (N, T, C) dataset with labels 0 = "normal", 1 = "anomalous", the ground-truth
    /// mask (1 exactly where a value was changed by the anomaly, or for `flat` held) and the
    /// concrete kind per anomalous series (`mixed` records the kind it drew).
    ///
    /// Randomness, in this order, so the bytes are fixed by `seed`:
    /// 1. `root = SeededRandom(seed:)`; the labels — round(N·normalRatio) zeros then ones — are
    ///    shuffled by `root.derived(0)`, so normal and anomalous series are interleaved.
    /// 2. Series n draws from its own stream `root.derived(n + 1)`: frequency, amplitude, then per
    ///    `random-walk` channel (in channel order) T normal steps; if anomalous: the kind (when
    ///    `mixed`), start, segment length, the anomalous channels (`one`: an index; `count(k)`: a
    ///    shuffle of the channel indices, first k), then the kind's own draws (`noise`: one normal
    ///    per masked value, channel by channel; `spike`: the number of points, the sign, then one
    ///    height per point per channel).
    public func generate() throws -> SeriesDataset {
        try validate()
        let T = length, C = channels.count, N = count
        let root = SeededRandom(seed: seed)
        let normalCount = Int((Double(N) * normalRatio).rounded())
        var labels = [Int](repeating: 0, count: normalCount) + [Int](repeating: 1, count: N - normalCount)
        var orderRandom = root.derived(0)
        orderRandom.shuffle(&labels)

        var values = [Float](repeating: 0, count: N * T * C)
        var mask = [UInt8](repeating: 0, count: N * T * C)
        var kinds = [String?](repeating: nil, count: N)
        var series = [Double](repeating: 0, count: T * C)
        let stride = T * C
        for n in 0..<N {
            var random = root.derived(UInt64(n) + 1)
            let frequency = random.uniform(frequencyRange.lowerBound, frequencyRange.upperBound)
            let amplitude = random.uniform(amplitudeRange.lowerBound, amplitudeRange.upperBound)
            for (c, signal) in channels.enumerated() {
                switch signal {
                case .sine:
                    for t in 0..<T { series[t * C + c] = amplitude * sin(2 * Double.pi * frequency * Double(t) / Double(T)) }
                case .cosine:
                    for t in 0..<T { series[t * C + c] = amplitude * cos(2 * Double.pi * frequency * Double(t) / Double(T)) }
                case .randomWalk:
                    let step = amplitude / Double(T).squareRoot()
                    var position = 0.0
                    for t in 0..<T {
                        position += random.normal(mean: 0, standardDeviation: step)
                        series[t * C + c] = position
                    }
                }
            }
            if labels[n] == 1 {
                let drawnKind = kind == .mixed ? mixedKinds[random.integer(in: 0..<mixedKinds.count)] : kind
                kinds[n] = drawnKind.rawValue
                let start = min(Int((random.uniform(locationRange.lowerBound, locationRange.upperBound) * Double(T)).rounded(.down)), T - 1)
                let segmentLength = max(1, Int((random.uniform(lengthRange.lowerBound, lengthRange.upperBound) * Double(T)).rounded(.down)))
                let anomalous = chooseChannels(&random, channelCount: C)
                let end: Int
                switch drawnKind {
                case .flat:
                    end = min(start + segmentLength, T)
                    for c in anomalous {
                        let held = series[start * C + c]
                        for t in start..<end { series[t * C + c] = held }
                    }
                case .zero:
                    end = min(start + segmentLength, T)
                    for c in anomalous { for t in start..<end { series[t * C + c] = 0 } }
                case .noise:
                    end = min(start + segmentLength, T)
                    let sigma = noiseSigmaFactor * amplitude
                    for c in anomalous { for t in start..<end { series[t * C + c] = random.normal(mean: 0, standardDeviation: sigma) } }
                case .spike:
                    let points = random.integer(in: spikePoints)
                    end = min(start + points, T)
                    let sign: Double = random.unitDouble() < 0.5 ? -1 : 1
                    for c in anomalous {
                        for t in start..<end {
                            series[t * C + c] = sign * random.uniform(spikeHeight.lowerBound, spikeHeight.upperBound) * amplitude
                        }
                    }
                case .mixed:
                    preconditionFailure("validate() keeps 'mixed' out of mixedKinds")
                }
                for c in anomalous { for t in start..<end { mask[n * stride + t * C + c] = 1 } }
            }
            for k in 0..<stride { values[n * stride + k] = Float(series[k]) }
        }
        return SeriesDataset(
            count: N, length: T, channels: C, values: values, labels: labels,
            classNames: ["normal", "anomalous"], anomalyMask: mask, anomalyKinds: kinds)
    }

    /// The channels an anomalous series' anomaly goes into, ascending.
    private func chooseChannels(_ random: inout SeededRandom, channelCount: Int) -> [Int] {
        switch anomalousChannels {
        case .one: return [random.integer(in: 0..<channelCount)]
        case .all: return Array(0..<channelCount)
        case .count(let k):
            var indices = Array(0..<channelCount)
            random.shuffle(&indices)
            return indices.prefix(k).sorted()
        }
    }
}
