import Kernels

/// Mean over time, PyTorch `f.mean(-1)` on (B, F, T) — here channels-last: (B, T, F) → (B, F),
///   y_b = (1/T) Σ_t x_{b,t}.
/// As matrix products per sample: y_b (1×F) = (1/T)·1ᵀ (1×T) · x_b (T×F), and backward
/// ∂L/∂x_b (T×F) += (1/T)·1 (T×1) · ∂L/∂y_b (1×F) — every step receives the same share.
public final class GlobalAveragePooling<Scalar: TensorScalar>: Layer, @unchecked Sendable {
    public let name: String
    private let ones = Buffer<Scalar>()

    public init(name: String) { self.name = name }

    public func outputShape(for input: ActivationShape) throws -> ActivationShape {
        guard let time = input.time else { throw ShapeError(layer: name, "pools over time and needs a time axis, got \(input)") }
        guard time > 0 else { throw ShapeError(layer: name, "cannot average over 0 time steps") }
        return ActivationShape(time: nil, features: input.features)
    }

    public func forwardFLOPs(for input: ActivationShape) -> Int { input.elementCount }

    private func prepareOnes(_ time: Int) {
        guard ones.count != time || (time > 0 && ones.pointer[0] != 1) else { return }
        ones.resize(time)
        for index in 0..<time { ones.pointer[index] = 1 }
    }

    public func forward(
        _ input: UnsafePointer<Scalar>, shape: ActivationShape, batch: Int,
        output: UnsafeMutablePointer<Scalar>, parameters: ParameterStore<Scalar>, training: Bool
    ) {
        let time = shape.time ?? 1, features = shape.features
        prepareOnes(time)
        for b in 0..<batch {
            GEMM.multiply(
                m: 1, n: features, k: time, alpha: 1 / Scalar(time), a: ones.pointer, lda: time,
                b: input + b * time * features, ldb: features, beta: 0, c: output + b * features, ldc: features)
        }
    }

    public func backward(
        input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>,
        inputGradient: UnsafeMutablePointer<Scalar>?, shape: ActivationShape, batch: Int,
        parameters: ParameterStore<Scalar>
    ) {
        guard let inputGradient else { return }
        let time = shape.time ?? 1, features = shape.features
        prepareOnes(time)
        for b in 0..<batch {
            GEMM.multiply(
                m: time, n: features, k: 1, alpha: 1 / Scalar(time), a: ones.pointer, lda: 1,
                b: outputGradient + b * features, ldb: features, beta: 1, c: inputGradient + b * time * features, ldc: features)
        }
    }
}
