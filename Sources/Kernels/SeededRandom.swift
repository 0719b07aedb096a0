import Foundation

/// xoshiro256** seeded through SplitMix64: the same seed gives the same stream on every machine,
/// architecture and Swift version (the system generator and `shuffled()` promise neither).
///
/// All derived draws (`uniform`, `normal`, `integer`, `shuffle`) are defined here, bit for bit, so
/// datasets, initialisations and batch orders are reproducible across platforms.
public struct SeededRandom: RandomNumberGenerator, Sendable, Codable, Equatable {
    public private(set) var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var splitMix = seed
        func nextSplitMix() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (nextSplitMix(), nextSplitMix(), nextSplitMix(), nextSplitMix())
    }

    /// Restores a generator from a saved `state` (checkpoints keep it so a resumed run continues
    /// the same stream).
    public init(state: [UInt64]) {
        precondition(state.count == 4, "xoshiro256** state has 4 words")
        self.state = (state[0], state[1], state[2], state[3])
    }

    public var stateWords: [UInt64] { [state.0, state.1, state.2, state.3] }

    /// A generator for an independent sub-stream (e.g. per parameter, per epoch), derived from this
    /// one's seed material without advancing it.
    public func derived(_ stream: UInt64) -> SeededRandom {
        SeededRandom(seed: state.0 ^ (stream &* 0xD6E8_FEB8_6659_FD93) ^ state.3.rotatedLeft(17))
    }

    public mutating func next() -> UInt64 {
        let result = (state.1 &* 5).rotatedLeft(7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = state.3.rotatedLeft(45)
        return result
    }

    /// Uniform Double in [0, 1) with 53 random bits.
    public mutating func unitDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform Double in [low, high).
    public mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * unitDouble()
    }

    /// Uniform Float in [low, high), computed in Double and rounded once.
    public mutating func uniformFloat(_ low: Float, _ high: Float) -> Float {
        Float(uniform(Double(low), Double(high)))
    }

    /// Standard normal by the Box–Muller transform (one draw per call; the pair's second value is
    /// discarded so the stream position does not depend on call history).
    public mutating func normal(mean: Double = 0, standardDeviation: Double = 1) -> Double {
        var u1 = unitDouble()
        while u1 <= .leastNormalMagnitude { u1 = unitDouble() }
        let u2 = unitDouble()
        return mean + standardDeviation * (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }

    /// Uniform integer in `range` by Lemire's unbiased multiply-and-reject method.
    public mutating func integer(in range: Range<Int>) -> Int {
        precondition(!range.isEmpty, "empty range")
        let span = UInt64(range.upperBound - range.lowerBound)
        var product = next().multipliedFullWidth(by: span)
        if product.low < span {
            let threshold = (0 &- span) % span
            while product.low < threshold {
                product = next().multipliedFullWidth(by: span)
            }
        }
        return range.lowerBound + Int(product.high)
    }

    public mutating func integer(in range: ClosedRange<Int>) -> Int {
        integer(in: range.lowerBound..<(range.upperBound + 1))
    }

    /// Fisher–Yates shuffle, defined here so the order is the same everywhere.
    public mutating func shuffle<C: MutableCollection & RandomAccessCollection>(_ items: inout C) where C.Index == Int {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            let j = integer(in: 0..<(i + 1))
            items.swapAt(items.startIndex + i, items.startIndex + j)
        }
    }

    public static func == (lhs: SeededRandom, rhs: SeededRandom) -> Bool {
        lhs.stateWords == rhs.stateWords
    }

    enum CodingKeys: String, CodingKey { case state }

    public init(from decoder: Decoder) throws {
        let words = try decoder.container(keyedBy: CodingKeys.self).decode([UInt64].self, forKey: .state)
        guard words.count == 4 else {
            throw DecodingError.dataCorrupted(.init(codingPath: [CodingKeys.state], debugDescription: "xoshiro256** state needs 4 words"))
        }
        self.init(state: words)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(stateWords, forKey: .state)
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotatedLeft(_ k: UInt64) -> UInt64 { (self << k) | (self >> (64 - k)) }
}
