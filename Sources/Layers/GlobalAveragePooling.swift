import Kernels

/// Mean over time, PyTorch `f.mean(-1)` on (B, F, T) — here channels-last: (B, T, F) → (B, F),
///   y_b = (1/T) Σ_t x_{b,t}.
/// Column sums per sample, y_b = (Σ_t x_{b,t})·(1/T), and backward ∂L/∂x_{b,t} += ∂L/∂y_b·(1/T) —
/// every step receives the same share. Each thread takes half the batch (as BLAS GEMVs with a
/// vector of ones they cost more in calls than in arithmetic).
public final class GlobalAveragePooling<Scalar: TensorScalar>: Layer, @unchecked Sendable {
    public let name: String

    public init(name: String) { self.name = name }

    public func outputShape(for input: ActivationShape) throws -> ActivationShape {
        guard let time = input.time else { throw ShapeError(layer: name, "pools over time and needs a time axis, got \(input)") }
        guard time > 0 else { throw ShapeError(layer: name, "cannot average over 0 time steps") }
        return ActivationShape(time: nil, features: input.features)
    }

    public func forwardFLOPs(for input: ActivationShape) -> Int { input.elementCount }

    public func forward(
        _ input: UnsafePointer<Scalar>, shape: ActivationShape, batch: Int,
        output: UnsafeMutablePointer<Scalar>, parameters: ParameterStore<Scalar>, training: Bool
    ) {
        let time = shape.time ?? 1, features = shape.features, scale = 1 / Scalar(time)
        Parallelism.splitInHalves(batch) { series, _ in
            for b in series {
                let pooled = output + b * features
                pooled.update(repeating: 0, count: features)
                Scalar.addColumnSums(of: input + b * time * features, rows: time, columns: features, into: pooled)
                for feature in 0..<features { pooled[feature] *= scale }
            }
        }
    }

    public func backward(
        input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>,
        inputGradient: UnsafeMutablePointer<Scalar>?, shape: ActivationShape, batch: Int,
        parameters: ParameterStore<Scalar>
    ) {
        guard let inputGradient else { return }
        let time = shape.time ?? 1, features = shape.features, scale = 1 / Scalar(time)
        Parallelism.splitInHalves(batch) { series, _ in
            withUnsafeTemporaryAllocation(of: Scalar.self, capacity: features) { share in
                for b in series {
                    for feature in 0..<features { share[feature] = outputGradient[b * features + feature] * scale }
                    Scalar.addRowVector(share.baseAddress!, to: inputGradient + b * time * features, rows: time, columns: features)
                }
            }
        }
    }
}
