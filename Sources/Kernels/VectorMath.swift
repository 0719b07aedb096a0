/// Vectorised Float transcendental functions on `SIMD16<Float>`, branch-free, for the LSTM gates
/// and attention. With `-march=native` each compiles to a handful of zmm/ymm FMAs.
///
/// Accuracy against a Double reference over the whole Float range (tested in `VectorMathTests`):
/// - `exp`: relative error ≤ 3e-7 for x in [-87.33, 88]; below that it returns e^-87.33 (the smallest
///   normal, not a denormal: flush-to-zero territory anyway), above it saturates at e^88.
/// - `sigmoid`: relative error ≤ 5e-7 while the result is a normal number (x ≥ −87), absolute ≤ 1e-7
///   everywhere.
/// NaN in gives NaN out (a diverged model must not look finite).
/// - `tanh`: relative error ≤ 1e-6 everywhere, absolute ≤ 2e-7 (odd Taylor series below |x| = 0.125,
///   1 − 2/(e^{2|x|} + 1) above, where no cancellation can lose more than 1e-6 relatively).
public enum VectorMath {
    public typealias Vector = SIMD16<Float>

    @inlinable @inline(__always)
    public static func exp(_ x: Vector) -> Vector {
        // e^x = 2^n · e^r with n = round(x·log2 e) and |r| ≤ ln2/2; 2^n is built in the exponent bits.
        // pointwiseMin/Max, not `clamped`: the latter's range checks scalarise into ~300 instructions.
        let clamped = pointwiseMin(pointwiseMax(x, Vector(repeating: -87.33)), Vector(repeating: 88.0))
        let magic = Vector(repeating: 12_582_912)  // 1.5·2^23: adding it rounds to an integer in the low bits
        let t = clamped * Vector(repeating: 1.442_695_04) + magic
        let n = t - magic
        // Cody–Waite split of ln 2 so r is exact to ~2^-32.
        var r = clamped.addingProduct(n, Vector(repeating: -0.693_145_751_953_125))
        r = r.addingProduct(n, Vector(repeating: -1.428_606_765_330_187_045e-06))
        // Degree-6 Taylor polynomial of e^r (truncation ≤ |r|^7/7! ≈ 1.2e-7 relative on |r| ≤ 0.347).
        var p = Vector(repeating: 1.0 / 120).addingProduct(Vector(repeating: 1.0 / 720), r)
        p = Vector(repeating: 1.0 / 24).addingProduct(p, r)
        p = Vector(repeating: 1.0 / 6).addingProduct(p, r)
        p = Vector(repeating: 0.5).addingProduct(p, r)
        p = Vector(repeating: 1).addingProduct(p, r)
        p = Vector(repeating: 1).addingProduct(p, r)
        let bits = unsafeBitCast(t, to: SIMD16<UInt32>.self) &<< 23
        let scale = unsafeBitCast(bits &+ SIMD16<UInt32>(repeating: 0x3F80_0000), to: Vector.self)
        // The clamp's min/max would turn NaN into a finite number; diverged weights must stay visible.
        return (p * scale).replacing(with: x, where: x .!= x)
    }

    /// σ(x) = 1 / (1 + e^{−x}).
    @inlinable @inline(__always)
    public static func sigmoid(_ x: Vector) -> Vector {
        Vector(repeating: 1) / (Vector(repeating: 1) + exp(-x))
    }

    @inlinable @inline(__always)
    public static func tanh(_ x: Vector) -> Vector {
        let magnitude = abs(x)
        let large = Vector(repeating: 1) - Vector(repeating: 2) / (exp(magnitude + magnitude) + Vector(repeating: 1))
        // tanh x = x − x³/3 + 2x⁵/15 − 17x⁷/315 + 62x⁹/2835 − …; the next term is < 1e-12 at 0.125.
        let x2 = magnitude * magnitude
        var series = Vector(repeating: 62.0 / 2835)
        series = Vector(repeating: -17.0 / 315).addingProduct(series, x2)
        series = Vector(repeating: 2.0 / 15).addingProduct(series, x2)
        series = Vector(repeating: -1.0 / 3).addingProduct(series, x2)
        series = magnitude.addingProduct(series * x2, magnitude)
        var result = large
        result.replace(with: series, where: magnitude .< Vector(repeating: 0.125))
        result.replace(with: -result, where: x .< Vector(repeating: 0))
        return result
    }

    @inlinable @inline(__always)
    static func abs(_ x: Vector) -> Vector {
        unsafeBitCast(unsafeBitCast(x, to: SIMD16<UInt32>.self) & SIMD16<UInt32>(repeating: 0x7FFF_FFFF), to: Vector.self)
    }
}
