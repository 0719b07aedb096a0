import Foundation

/// Scores of one importance map against the ground truth of one series.
///
/// Shapes: `map` is (T) — one importance value per time step, as a model's attention weights, a
/// class activation map or an input-gradient saliency summed over channels. `anomaly` is (T) with
/// `true` where the series is anomalous at that step (a step is anomalous when any channel is; see
/// `ExplanationScores.timeMask`). Only the first `validLength` steps count when series are padded.
///
/// Maps are read as they come for the argmax (ties: the first maximum, as `numpy.argmax`); wherever
/// a distribution is needed (mass, entropy) the map is normalised as `p_t = max(m_t, 0) / Σ max(m_s, 0)`
/// — negative values (possible in a class activation map) are clipped to zero, as Grad-CAM does.
/// A map with no positive mass has no distribution, and those scores are nil.
public enum ExplanationScores {
    /// Half-width of the seed's `attention_accuracy` window.
    public static let seedWindowRadius = 10

    /// The default tolerance of the pointing game, in steps (see `pointingGame`).
    public static let defaultPointingTolerance = 2

    /// The seed's `attention_accuracy`, implemented exactly:
    /// ```python
    /// focus_region = att_weights.argmax()-10 : att_weights.argmax()+10
    /// overlap = len(set(focus_region) & set(anomaly_loc))
    /// return overlap / len(anomaly_loc)
    /// ```
    /// The window is the half-open range `[a − 10, a + 10)` (20 steps, Python's slice/range bounds)
    /// around the argmax `a`; steps outside the series never overlap the anomaly, so the window is
    /// effectively clipped to `[0, T)`. The score is `|window ∩ anomaly| / |anomaly|`; nil when the
    /// series has no anomalous step (the seed divides by zero).
    ///
    /// Weakness: the window holds at most 20 steps, so for an anomaly of L > 20 steps the score can
    /// never exceed 20 / L — a perfect map on a 250-step anomaly (the synthetic default draws 10–50 %
    /// of T = 500) scores 0.08. It also ignores everything but the argmax, and it is generous for
    /// short anomalies: a spike of one point scores 1 when the peak is anywhere within 10 steps.
    /// Compare kinds of different lengths with `massRatio` or the pointing game instead.
    public static func attentionAccuracy(map: [Double], anomaly: [Bool], radius: Int = seedWindowRadius) -> Double? {
        precondition(map.count == anomaly.count, "map and anomaly must both be (T)")
        let anomalyLength = anomaly.lazy.filter { $0 }.count
        guard anomalyLength > 0, let peak = argmax(map) else { return nil }
        let window = max(0, peak - radius)..<min(map.count, peak + radius)
        let overlap = window.lazy.filter { anomaly[$0] }.count
        return Double(overlap) / Double(anomalyLength)
    }

    /// The pointing game: does the map's argmax point at the anomaly? A hit when the argmax lies
    /// within `tolerance` steps of an anomalous step (`tolerance: 0` demands a step inside it).
    /// Returns nil when the series has no anomalous step.
    ///
    /// The default tolerance of 2 steps allows for maps that peak just after an anomaly's edge (a
    /// recurrent state changes on the step after it sees a spike) while staying far below the seed's
    /// ±10 window: for a 3-point spike at T = 500 a random argmax hits with probability 7/500.
    /// `pointingChance` gives that chance level for each series.
    public static func pointingGame(map: [Double], anomaly: [Bool], tolerance: Int = defaultPointingTolerance) -> Bool? {
        precondition(map.count == anomaly.count, "map and anomaly must both be (T)")
        guard anomaly.contains(true), let peak = argmax(map) else { return nil }
        return dilated(anomaly, by: tolerance)[peak]
    }

    /// The probability that a uniformly random argmax wins the pointing game: the share of steps
    /// within `tolerance` of the anomaly. Nil when there is no anomaly (or no step).
    public static func pointingChance(anomaly: [Bool], tolerance: Int = defaultPointingTolerance) -> Double? {
        guard anomaly.contains(true) else { return nil }
        return Double(dilated(anomaly, by: tolerance).lazy.filter { $0 }.count) / Double(anomaly.count)
    }

    /// Mass inside: `share = Σ_{t ∈ anomaly} p_t` of the normalised map, and `ratio = share / (L / T)`,
    /// the share relative to the anomaly's share of the series — 1 for a uniform map (no
    /// localisation), `T / L` at most (all mass inside). Nil without an anomaly or without positive mass.
    public static func massInside(map: [Double], anomaly: [Bool]) -> (share: Double, ratio: Double)? {
        precondition(map.count == anomaly.count, "map and anomaly must both be (T)")
        let anomalyLength = anomaly.lazy.filter { $0 }.count
        guard anomalyLength > 0, let distribution = normalised(map) else { return nil }
        var share = 0.0
        for (probability, inside) in zip(distribution, anomaly) where inside { share += probability }
        return (share, share / (Double(anomalyLength) / Double(map.count)))
    }

    /// Entropy of the normalised map relative to the uniform map's, `H(p) / log T` with
    /// `H(p) = −Σ p_t log p_t` (0·log 0 = 0): 1 for a uniform map (the seed's claim for normal
    /// series), 0 when all mass sits on one step. Nil for T < 2 (log 1 = 0) or without positive mass.
    /// Equivalently `1 − KL(p ‖ uniform) / log T`.
    public static func normalisedEntropy(map: [Double]) -> Double? {
        guard map.count >= 2, let distribution = normalised(map) else { return nil }
        var entropy = 0.0
        for probability in distribution where probability > 0 { entropy -= probability * Foundation.log(probability) }
        return entropy / Foundation.log(Double(map.count))
    }

    /// (N, T) time mask from an (N, T, C) channel mask: step t of series n is anomalous when any
    /// channel is non-zero there.
    public static func timeMask(_ mask: [UInt8], count: Int, length: Int, channels: Int) -> [Bool] {
        precondition(mask.count == count * length * channels, "mask must be (N, T, C)")
        var result = [Bool](repeating: false, count: count * length)
        for step in 0..<(count * length) {
            for channel in 0..<channels where mask[step * channels + channel] != 0 {
                result[step] = true
                break
            }
        }
        return result
    }

    /// Index of the first maximum; nil for an empty map. NaN entries never win.
    public static func argmax(_ map: [Double]) -> Int? {
        var best: Int?
        for (index, value) in map.enumerated() where !value.isNaN {
            if best == nil || value > map[best!] { best = index }
        }
        return best
    }

    /// `max(m, 0) / Σ max(m, 0)`, or nil when nothing is positive (or the sum is not finite).
    static func normalised(_ map: [Double]) -> [Double]? {
        let clipped = map.map { $0 > 0 ? $0 : 0 }
        let total = clipped.reduce(0, +)
        guard total > 0, total.isFinite else { return nil }
        return clipped.map { $0 / total }
    }

    /// Steps within `radius` of a true step.
    static func dilated(_ mask: [Bool], by radius: Int) -> [Bool] {
        var result = mask
        for (index, inside) in mask.enumerated() where inside {
            for neighbour in max(0, index - radius)...min(mask.count - 1, index + radius) { result[neighbour] = true }
        }
        return result
    }
}
