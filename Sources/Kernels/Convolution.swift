/// Lowering of a 1-D convolution over channels-last series to one matrix product (im2col).
///
/// Shapes: x is (B, T, C); the convolution has kernel K, `leftPadding` zeros before the series and
/// produces `outputTime` steps; the column matrix is (B·outputTime, C·K) with column c·K + k holding
/// x[b, t + k − leftPadding, c] (zero outside the series). That column order is PyTorch's weight
/// layout (O, C, K) flattened, so y = columns · Wᵀ + b with W used as stored.
public enum Convolution {
    @inlinable
    public static func im2col<Scalar: TensorScalar>(
        _ input: UnsafePointer<Scalar>, batch: Int, time: Int, channels: Int, kernel: Int,
        leftPadding: Int, outputTime: Int, columns: UnsafeMutablePointer<Scalar>
    ) {
        let width = channels * kernel
        for b in 0..<batch {
            let series = input + b * time * channels
            for t in 0..<outputTime {
                let row = columns + (b * outputTime + t) * width
                for k in 0..<kernel {
                    let source = t + k - leftPadding
                    if source < 0 || source >= time {
                        for c in 0..<channels { row[c * kernel + k] = 0 }
                    } else {
                        let step = series + source * channels
                        for c in 0..<channels { row[c * kernel + k] = step[c] }
                    }
                }
            }
        }
    }

    /// The adjoint of `im2col`: adds each column entry back into the input position it was copied
    /// from (∂L/∂x from ∂L/∂columns); padding entries are dropped.
    @inlinable
    public static func col2imAdding<Scalar: TensorScalar>(
        _ columns: UnsafePointer<Scalar>, batch: Int, time: Int, channels: Int, kernel: Int,
        leftPadding: Int, outputTime: Int, into inputGradient: UnsafeMutablePointer<Scalar>
    ) {
        let width = channels * kernel
        for b in 0..<batch {
            let series = inputGradient + b * time * channels
            for t in 0..<outputTime {
                let row = columns + (b * outputTime + t) * width
                for k in 0..<kernel {
                    let source = t + k - leftPadding
                    guard source >= 0, source < time else { continue }
                    let step = series + source * channels
                    for c in 0..<channels { step[c] += row[c * kernel + k] }
                }
            }
        }
    }
}
