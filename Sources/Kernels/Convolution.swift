/// Lowering of a 1-D convolution over channels-last series to matrix products without im2col.
///
/// With x (T, C) per series padded by zero rows into x̂ (T + K − 1, C), the receptive field of output
/// step t is the K·C consecutive scalars starting at x̂ + t·C, in (k, c) order. So the column matrix
/// of im2col is x̂ itself read with a leading dimension of C (rows overlap): y = x̂[lda: C]·Ŵ + b,
/// with Ŵ (K·C, O) the weight rearranged by `windowWeights`. Nothing of size B·T·C·K is written.
///
/// The input gradient is the same kind of product: ∂L/∂x[t, c] = Σ_{k,o} ∂L/∂y[t − k + P, o]·W[o, c, k]
/// = Σ_{j,o} ∂ŷ[t + j, o]·W[o, c, K − 1 − j] with ∂ŷ = ∂L/∂y padded by K − 1 − P rows before (and
/// P after), so ∂L/∂x = ∂ŷ[lda: O]·W̃ with W̃ (K·O, C) the flipped rearrangement.
public enum Convolution {
    /// (B, T, C) → (B, before + T + after, C) with zero rows around each series.
    @inlinable
    public static func padSeries<Scalar: TensorScalar>(
        _ input: UnsafePointer<Scalar>, batch: Int, time: Int, channels: Int, before: Int, after: Int,
        into padded: UnsafeMutablePointer<Scalar>
    ) {
        let paddedTime = before + time + after, stride = MemoryLayout<Scalar>.stride
        for b in 0..<batch {
            let target = UnsafeMutableRawPointer(padded + b * paddedTime * channels)
            target.initializeMemory(as: UInt8.self, repeating: 0, count: before * channels * stride)
            (target + before * channels * stride).copyMemory(
                from: UnsafeRawPointer(input + b * time * channels), byteCount: time * channels * stride)
            (target + (before + time) * channels * stride).initializeMemory(as: UInt8.self, repeating: 0, count: after * channels * stride)
        }
    }

    /// PyTorch's weight W (O, C, K) as the right-hand operand of the sliding-window product:
    /// `flipped == false`: Ŵ (K, C, O) with Ŵ[k, c, o] = W[o, c, k] (forward);
    /// `flipped == true`:  W̃ (K, O, C) with W̃[j, o, c] = W[o, c, K − 1 − j] (input gradient).
    @inlinable
    public static func windowWeights<Scalar: TensorScalar>(
        _ weight: UnsafePointer<Scalar>, outputChannels: Int, channels: Int, kernel: Int, flipped: Bool,
        into target: UnsafeMutablePointer<Scalar>
    ) {
        var index = 0
        for j in 0..<kernel {
            if flipped {
                let k = kernel - 1 - j
                for o in 0..<outputChannels {
                    for c in 0..<channels { target[index] = weight[(o * channels + c) * kernel + k]; index += 1 }
                }
            } else {
                for c in 0..<channels {
                    for o in 0..<outputChannels { target[index] = weight[(o * channels + c) * kernel + j]; index += 1 }
                }
            }
        }
    }

    /// ∂L/∂W (O, C, K) += the sum of the `parts` gradients of Ŵ (K, C, O), stored one after another.
    @inlinable
    public static func addWindowWeightGradient<Scalar: TensorScalar>(
        _ windowGradients: UnsafePointer<Scalar>, parts: Int, outputChannels: Int, channels: Int, kernel: Int,
        into gradient: UnsafeMutablePointer<Scalar>
    ) {
        let size = kernel * channels * outputChannels
        for o in 0..<outputChannels {
            for c in 0..<channels {
                for k in 0..<kernel {
                    let source = (k * channels + c) * outputChannels + o
                    var sum = windowGradients[source]
                    for part in 1..<max(parts, 1) { sum += windowGradients[part * size + source] }
                    gradient[(o * channels + c) * kernel + k] += sum
                }
            }
        }
    }
}
