import Testing
@testable import Kernels

/// Winograd's F(m, r): the transforms built from the points multiply out to the correlation, the
/// C kernels (written-out F(4, 3) and F(4, 5), dense otherwise) match the Double reference loops
/// over edge widths and partial tiles, and the series transform without a padded copy matches the
/// padded one bit for bit.
@Suite struct WinogradTests {
    static let sizes = [(1, 1), (1, 3), (2, 3), (4, 3), (6, 3), (2, 5), (4, 5), (4, 2), (3, 4), (4, 7), (2, 1)]

    @Test(arguments: sizes)
    func transformsMultiplyOutToTheCorrelation(outputs m: Int, taps r: Int) {
        let transform = WinogradTransform(outputs: m, taps: r)
        let n = transform.points
        #expect(n == m + r - 1)
        // Σ_i Aᵀ[j, i]·G[i, k]·Bᵀ[i, l] = [l == j + k]: y_j = Σ_k w_k·d_{j+k}.
        for j in 0..<m {
            for k in 0..<r {
                for l in 0..<n {
                    var sum = 0.0
                    for i in 0..<n {
                        sum += transform.outputTransform[j * n + i] * transform.filterTransform[i * r + k] * transform.inputTransform[i * n + l]
                    }
                    #expect(abs(sum - (l == j + k ? 1 : 0)) < 1e-9, "F(\(m), \(r)) j \(j) k \(k) l \(l): \(sum)")
                }
            }
        }
    }

    /// The claim the rounding analysis rests on: with the points 0, ±1, ±2, ±½ the data transforms
    /// are exact in Float, so only the filter's transform rounds.
    @Test(arguments: [(4, 3), (4, 5), (2, 3)])
    func dataTransformsAreExactInFloat(outputs m: Int, taps r: Int) {
        let transform = WinogradTransform(outputs: m, taps: r)
        for value in transform.inputTransform + transform.outputTransform { #expect(Double(Float(value)) == value) }
    }

    struct Coefficients {
        var input: [Double], output: [Double], outputTransposed: [Double]
        init(_ transform: WinogradTransform) {
            let m = transform.outputs, n = transform.points
            input = transform.inputTransform
            output = transform.outputTransform
            outputTransposed = (0..<(n * m)).map { index in transform.outputTransform[(index % m) * n + index / m] }
        }
    }

    static func random(_ count: Int, _ generator: inout SeededRandom) -> [Double] { (0..<count).map { _ in generator.uniform(-1, 1) } }

    static func expectClose(_ float: [Float], _ double: [Double], _ what: String) {
        let scale = max(double.map(abs).max() ?? 0, 1)
        let worst = zip(float, double).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(worst <= 2e-6 * scale, "\(what): worst \(worst), scale \(scale)")
    }

    /// n = 6 and 8 with m = 4 take the written-out kernels (16 channels at a time with AVX-512, then
    /// 8: 24 and 40 mix the two); (2, 3) and (3, 3) the dense ones.
    @Test(arguments: [(4, 3), (4, 5), (2, 3), (3, 3)])
    func floatKernelsMatchTheReference(outputs m: Int, taps r: Int) {
        let transform = WinogradTransform(outputs: m, taps: r), n = transform.points
        let coefficients = Coefficients(transform)
        var generator = SeededRandom(seed: 41)
        for channels in [1, 7, 8, 9, 17, 24, 40, 64] {
            for tiles in [1, 3] {
                // Input: x̂ (tiles·m + r − 1 rows) → V (n, tiles, C).
                let padded = Self.random((tiles * m + r - 1) * channels, &generator)
                var v = [Double](repeating: .nan, count: n * tiles * channels), vf = [Float](repeating: .nan, count: v.count)
                Winograd.transformInput(padded, tiles: tiles, channels: channels, outputs: m, points: n, coefficients: coefficients.input,
                                        into: &v, pointStride: tiles * channels)
                Float.winogradInput(padded.map(Float.init), tiles: tiles, channels: channels, outputs: m, points: n,
                                    coefficients: coefficients.input.map(Float.init), into: &vf, pointStride: tiles * channels)
                Self.expectClose(vf, v, "input F(\(m), \(r)) C \(channels) tiles \(tiles)")

                for rows in Set([tiles * m, tiles * m - m + 1, max(tiles * m - 1, 1)]) {
                    let tilesCovered = (rows + m - 1) / m
                    // Output: M (n, tiles, C) → y, from the bias, over y, or from zeros.
                    let products = Self.random(n * tilesCovered * channels, &generator), bias = Self.random(channels, &generator)
                    let start = Self.random(tiles * m * channels, &generator)
                    for mode in 0..<3 {
                        var y = start, yf = start.map(Float.init)
                        bias.withUnsafeBufferPointer { bd in bias.map(Float.init).withUnsafeBufferPointer { b in
                            Winograd.transformOutput(products, rows: rows, channels: channels, outputs: m, points: n,
                                                     coefficients: coefficients.output, bias: mode == 0 ? bd.baseAddress : nil,
                                                     accumulate: mode == 1, into: &y)
                            Float.winogradOutput(products.map(Float.init), rows: rows, channels: channels, outputs: m, points: n,
                                                 coefficients: coefficients.output.map(Float.init), bias: mode == 0 ? b.baseAddress : nil,
                                                 accumulate: mode == 1, into: &yf)
                        } }
                        Self.expectClose(yf, y, "output F(\(m), \(r)) C \(channels) rows \(rows) mode \(mode)")
                        // Rows past `rows` are untouched.
                        #expect(Array(yf[(rows * channels)...]) == Array(start[(rows * channels)...]).map(Float.init))
                    }
                    // Output gradient: ∂y (rows) → ∂M (n, tiles, C), rows past the end as zeros.
                    let gradient = Self.random(rows * channels, &generator)
                    var dm = [Double](repeating: .nan, count: n * tilesCovered * channels), dmf = [Float](repeating: .nan, count: dm.count)
                    Winograd.transformOutputGradient(gradient, rows: rows, channels: channels, outputs: m, points: n,
                                                     coefficients: coefficients.outputTransposed, into: &dm)
                    Float.winogradOutputGradient(gradient.map(Float.init), rows: rows, channels: channels, outputs: m, points: n,
                                                 coefficients: coefficients.outputTransposed.map(Float.init), into: &dmf)
                    Self.expectClose(dmf, dm, "output gradient F(\(m), \(r)) C \(channels) rows \(rows)")
                }
            }
        }
    }

    /// The output gradient transform is the transpose of the output transform:
    /// ⟨∂y, Aᵀ·M⟩ = ⟨A·∂y, M⟩ for any M and ∂y.
    @Test func outputGradientIsTheTransposedOutputTransform() {
        let transform = WinogradTransform(outputs: 4, taps: 5), n = transform.points, m = 4, channels = 3, rows = 10
        let coefficients = Coefficients(transform)
        var generator = SeededRandom(seed: 5)
        let tiles = (rows + m - 1) / m
        let products = Self.random(n * tiles * channels, &generator), gradient = Self.random(rows * channels, &generator)
        var y = [Double](repeating: 0, count: rows * channels), dm = [Double](repeating: 0, count: products.count)
        Winograd.transformOutput(products, rows: rows, channels: channels, outputs: m, points: n, coefficients: coefficients.output,
                                 bias: nil, accumulate: false, into: &y)
        Winograd.transformOutputGradient(gradient, rows: rows, channels: channels, outputs: m, points: n,
                                         coefficients: coefficients.outputTransposed, into: &dm)
        let left = zip(gradient, y).reduce(0) { $0 + $1.0 * $1.1 }, right = zip(dm, products).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(abs(left - right) < 1e-12 * max(abs(left), 1))
    }

    /// Reading the series in place with edge tiles copied gives V bit for bit as from a padded copy.
    @Test(arguments: [(4, 3), (4, 5), (2, 3), (1, 1)])
    func seriesInputNeedsNoPaddedCopy(outputs m: Int, taps r: Int) {
        let transform = WinogradTransform(outputs: m, taps: r), n = transform.points
        let coefficients = transform.inputTransform.map(Float.init)
        var generator = SeededRandom(seed: 8)
        let channels = 9
        for time in [1, 2, 3, 5, 7, 8, 9, 23] {
            for before in 0..<r {
                let tiles = (time + m - 1) / m
                let series = Self.random(time * channels, &generator).map(Float.init)
                let paddedTime = tiles * m + r - 1
                var padded = [Float](repeating: 0, count: paddedTime * channels)
                for row in 0..<time {
                    for c in 0..<channels { padded[(before + row) * channels + c] = series[row * channels + c] }
                }
                for (first, count) in [(0, tiles), (tiles / 2, tiles - tiles / 2)] where count > 0 {
                    var expected = [Float](repeating: .nan, count: n * count * channels), got = expected
                    var edge = [Float](repeating: .nan, count: n * channels)
                    Float.winogradInput(Array(padded[(first * m * channels)...]), tiles: count, channels: channels, outputs: m, points: n,
                                        coefficients: coefficients, into: &expected, pointStride: count * channels)
                    Winograd.transformSeriesInput(series, time: time, channels: channels, before: before, firstTile: first, count: count,
                                                  outputs: m, points: n, coefficients: coefficients, edge: &edge, into: &got)
                    #expect(expected == got, "F(\(m), \(r)) T \(time) before \(before) tiles \(first)..<\(first + count)")
                }
            }
        }
    }
}
