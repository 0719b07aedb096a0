/// Winograd (Toom–Cook) minimal filtering for a 1-D convolution, F(m, r): m outputs of an r-tap
/// correlation y_j = Σ_k w_k·d_{j+k} from n = m + r − 1 inputs with n multiplications instead of
/// m·r:
///   y = Aᵀ·[(G·w) ⊙ (Bᵀ·d)]          Aᵀ (m × n), G (n × r), Bᵀ (n × n).
///
/// Over channels each of the n products becomes a matrix product: with the input transformed per
/// tile of m steps, V_i (tiles × C), and the filter once per step, U_i = Σ_k G[i, k]·W[·, ·, k]
/// (C × O), the layer's product x̂·Ŵ of depth K·C (2·K·C·O FLOPs per output step) turns into n
/// products V_i·U_i of depth C, 2·n·C·O FLOPs per m steps: at K = 3 and m = 4, half the work.
///
/// The transforms follow from polynomial multiplication (Toom–Cook, transposed to a correlation):
/// with n − 1 distinct finite points a_i and the point at infinity,
///   Aᵀ[j, i] = a_iʲ,   G[i, k] = a_iᵏ / f_i,   Bᵀ[i, ·] = the coefficients of Π_{l≠i} (x − a_l),
/// f_i = Π_{l≠i} (a_i − a_l), and at infinity the leading coefficients (Aᵀ[m − 1, ∞] = G[∞, r − 1] = 1,
/// Bᵀ[∞, ·] = the coefficients of Π_l (x − a_l)). The points 0, ±1, ±2, ±½ keep Bᵀ and Aᵀ exact in
/// binary (integers and powers of two), so only the filter's transform rounds. Larger n needs
/// larger points, and the rounding error grows with them; `WinogradTests` measure it.
public struct WinogradTransform: Sendable, Equatable {
    /// m: outputs per tile.
    public let outputs: Int
    /// r: the kernel size.
    public let taps: Int
    /// Bᵀ (n × n), row-major.
    public let inputTransform: [Double]
    /// G (n × r), row-major.
    public let filterTransform: [Double]
    /// Aᵀ (m × n), row-major.
    public let outputTransform: [Double]

    /// n = m + r − 1: the products per tile, and the inputs a tile reads.
    public var points: Int { outputs + taps - 1 }

    /// The finite points, in the order they are taken.
    public static let finitePoints: [Double] = [0, 1, -1, 2, -2, 0.5, -0.5, 3, -3, 4, -4]

    public init(outputs: Int, taps: Int) {
        precondition(outputs >= 1 && taps >= 1, "F(m, r) needs m ≥ 1 and r ≥ 1")
        let n = outputs + taps - 1
        precondition(n - 1 <= Self.finitePoints.count, "F(\(outputs), \(taps)) needs more interpolation points")
        self.outputs = outputs
        self.taps = taps
        let points = Array(Self.finitePoints.prefix(n - 1))

        /// Coefficients (lowest degree first) of Π (x − a) over `roots`.
        func polynomial(roots: [Double]) -> [Double] {
            var coefficients = [1.0]
            for root in roots {
                var next = [Double](repeating: 0, count: coefficients.count + 1)
                for (degree, c) in coefficients.enumerated() {
                    next[degree + 1] += c
                    next[degree] -= root * c
                }
                coefficients = next
            }
            return coefficients
        }
        func power(_ x: Double, _ e: Int) -> Double { e == 0 ? 1 : (1..<e).reduce(x) { value, _ in value * x } }

        var input = [Double](repeating: 0, count: n * n)
        var filter = [Double](repeating: 0, count: n * taps)
        var output = [Double](repeating: 0, count: outputs * n)
        for (i, point) in points.enumerated() {
            var others = points
            others.remove(at: i)
            for (degree, c) in polynomial(roots: others).enumerated() { input[i * n + degree] = c }
            let scale = others.reduce(1.0) { $0 * (point - $1) }
            for k in 0..<taps { filter[i * taps + k] = power(point, k) / scale }
            for j in 0..<outputs { output[j * n + i] = power(point, j) }
        }
        let infinity = n - 1
        for (degree, c) in polynomial(roots: points).enumerated() { input[infinity * n + degree] = c }
        filter[infinity * taps + taps - 1] = 1
        output[(outputs - 1) * n + infinity] = 1
        inputTransform = input
        filterTransform = filter
        outputTransform = output
    }
}

/// The transforms of `WinogradTransform` over channels-last series, for a block of tiles. The
/// transformed side is point-major, (point, tile, channel): the product for point i reads one
/// contiguous tiles × C matrix. (Tile-major rows, n·C apart, put every row of a product in the same
/// few L1 sets.) These loops are the reference; Float runs `Winograd.c`.
public enum Winograd {
    /// V[i, t, ·] = Σ_l Bᵀ[i, l]·x̂[t·m + l, ·] for `tiles` tiles, V[i, ·, ·] `pointStride` apart;
    /// x̂ has at least (tiles − 1)·m + n rows of `channels`. `coefficients` is Bᵀ (n × n).
    @inlinable
    public static func transformInput<Scalar: TensorScalar>(
        _ padded: UnsafePointer<Scalar>, tiles: Int, channels: Int, outputs m: Int, points n: Int,
        coefficients: UnsafePointer<Scalar>, into transformed: UnsafeMutablePointer<Scalar>, pointStride: Int
    ) {
        for i in 0..<n {
            for t in 0..<tiles {
                combineRows(padded + t * m * channels, rowStride: channels, coefficients: coefficients + i * n, count: n,
                            width: channels, into: transformed + i * pointStride + t * channels)
            }
        }
    }

    /// `transformInput` for tiles first..<first + count of one series x (time × channels) read as if
    /// padded by `before` zero rows (and zeros after its end), without a padded copy: the tiles
    /// whose n rows lie inside the series read it in place, and the one or two at each end read a
    /// copy of their rows in `edge` (n × channels scratch). V holds `count` tiles per point.
    @inlinable
    public static func transformSeriesInput<Scalar: TensorScalar>(
        _ series: UnsafePointer<Scalar>, time: Int, channels: Int, before: Int, firstTile first: Int, count: Int,
        outputs m: Int, points n: Int, coefficients: UnsafePointer<Scalar>, edge: UnsafeMutablePointer<Scalar>,
        into transformed: UnsafeMutablePointer<Scalar>
    ) {
        // Tile t reads rows t·m − before ..< t·m − before + n.
        let interiorStart = min(max((before + m - 1) / m, first), first + count)
        let interiorEnd = max(min(time + before - n >= 0 ? (time + before - n) / m + 1 : 0, first + count), interiorStart)
        if interiorEnd > interiorStart {
            Scalar.winogradInput(series + (interiorStart * m - before) * channels, tiles: interiorEnd - interiorStart, channels: channels,
                                 outputs: m, points: n, coefficients: coefficients,
                                 into: transformed + (interiorStart - first) * channels, pointStride: count * channels)
        }
        func edgeTile(_ t: Int) {
            let start = t * m - before
            for row in 0..<n {
                let source = start + row
                if source >= 0 && source < time {
                    (edge + row * channels).update(from: series + source * channels, count: channels)
                } else {
                    (edge + row * channels).update(repeating: 0, count: channels)
                }
            }
            Scalar.winogradInput(edge, tiles: 1, channels: channels, outputs: m, points: n, coefficients: coefficients,
                                 into: transformed + (t - first) * channels, pointStride: count * channels)
        }
        for t in first..<interiorStart { edgeTile(t) }
        for t in interiorEnd..<(first + count) { edgeTile(t) }
    }

    /// y[t·m + j, ·] = bias + Σ_i Aᵀ[j, i]·M[i, t, ·] for the first `rows` output rows (the last
    /// tile may be partial; M holds ⌈rows / m⌉ tiles); with `accumulate` the rows are added to y
    /// instead (and `bias` is nil). `coefficients` is Aᵀ (m × n).
    @inlinable
    public static func transformOutput<Scalar: TensorScalar>(
        _ products: UnsafePointer<Scalar>, rows: Int, channels: Int, outputs m: Int, points n: Int,
        coefficients: UnsafePointer<Scalar>, bias: UnsafePointer<Scalar>?, accumulate: Bool,
        into output: UnsafeMutablePointer<Scalar>
    ) {
        let tiles = (rows + m - 1) / m
        for row in 0..<rows {
            let t = row / m, j = row % m
            combineRows(products + t * channels, rowStride: tiles * channels, coefficients: coefficients + j * n, count: n,
                        width: channels, bias: bias, accumulate: accumulate, into: output + row * channels)
        }
    }

    /// ∂M[i, t, ·] = Σ_j Aᵀ[j, i]·∂y[t·m + j, ·] over the ⌈rows / m⌉ tiles covering `rows` rows of ∂y
    /// (rows past the end count as zeros): the transpose of `transformOutput`. `coefficients` is
    /// A (n × m), Aᵀ transposed.
    @inlinable
    public static func transformOutputGradient<Scalar: TensorScalar>(
        _ outputGradient: UnsafePointer<Scalar>, rows: Int, channels: Int, outputs m: Int, points n: Int,
        coefficients: UnsafePointer<Scalar>, into productGradient: UnsafeMutablePointer<Scalar>
    ) {
        let tiles = (rows + m - 1) / m
        for i in 0..<n {
            for t in 0..<tiles {
                combineRows(outputGradient + t * m * channels, rowStride: channels, coefficients: coefficients + i * m,
                            count: min(m, rows - t * m), width: channels, into: productGradient + (i * tiles + t) * channels)
            }
        }
    }

    /// target = [bias +] Σ_l coefficients[l]·rows[l] (or target += the sum, with `accumulate`);
    /// `count` 0 writes the bias or zeros.
    @inlinable
    static func combineRows<Scalar: TensorScalar>(
        _ rows: UnsafePointer<Scalar>, rowStride: Int, coefficients: UnsafePointer<Scalar>, count: Int, width: Int,
        bias: UnsafePointer<Scalar>? = nil, accumulate: Bool = false, into target: UnsafeMutablePointer<Scalar>
    ) {
        if !accumulate {
            if let bias { target.update(from: bias, count: width) } else { target.update(repeating: 0, count: width) }
        }
        for l in 0..<count {
            let coefficient = coefficients[l], row = rows + l * rowStride
            for c in 0..<width { target[c] += coefficient * row[c] }
        }
    }

    /// U[i, c, o] = Σ_k G[i, k]·W[o, c, k] from PyTorch's weight W (O, C, K): the right-hand operands
    /// of the n products (C × O each). `flipped`: the input gradient's filter, the weight with its
    /// taps reversed and its channels swapped, U[i, o, c] = Σ_k G[i, k]·W[o, c, K − 1 − k] (O × C).
    /// `filterTransform` is G (n × K).
    @inlinable
    public static func transformFilter<Scalar: TensorScalar>(
        _ weight: UnsafePointer<Scalar>, outputChannels: Int, channels: Int, kernel: Int, flipped: Bool,
        points n: Int, filterTransform: UnsafePointer<Scalar>, into filter: UnsafeMutablePointer<Scalar>
    ) {
        let size = channels * outputChannels
        for i in 0..<n {
            let row = filterTransform + i * kernel
            for o in 0..<outputChannels {
                for c in 0..<channels {
                    let taps = weight + (o * channels + c) * kernel
                    var sum: Scalar = 0
                    for k in 0..<kernel { sum += row[k] * taps[flipped ? kernel - 1 - k : k] }
                    filter[i * size + (flipped ? o * channels + c : c * outputChannels + o)] = sum
                }
            }
        }
    }

    /// ∂W[o, c, k] += Σ_i G[i, k]·∂U[i, c, o], with ∂U the sum of `parts` gradients (n × C × O each,
    /// stored one after another, added in order). `filterTransform` is G (n × K).
    @inlinable
    public static func addFilterGradient<Scalar: TensorScalar>(
        _ filterGradients: UnsafePointer<Scalar>, parts: Int, outputChannels: Int, channels: Int, kernel: Int,
        points n: Int, filterTransform: UnsafePointer<Scalar>, into gradient: UnsafeMutablePointer<Scalar>
    ) {
        let size = channels * outputChannels, partSize = n * size
        for o in 0..<outputChannels {
            for c in 0..<channels {
                for k in 0..<kernel {
                    var sum: Scalar = 0
                    for i in 0..<n {
                        let coefficient = filterTransform[i * kernel + k]
                        if coefficient == 0 { continue }
                        var part = filterGradients[i * size + c * outputChannels + o]
                        for p in 1..<max(parts, 1) { part += filterGradients[p * partSize + i * size + c * outputChannels + o] }
                        sum += coefficient * part
                    }
                    gradient[(o * channels + c) * kernel + k] += sum
                }
            }
        }
    }
}
