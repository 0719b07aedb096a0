import Kernels

/// Rectified linear unit, PyTorch `nn.ReLU`: y = max(x, 0). Shape-preserving: (B, [T,] F) → same.
/// Backward: ∂L/∂x += ∂L/∂y where y > 0 (PyTorch's derivative at 0 is 0), from the saved output, so
/// the forward may run in place.
public final class ReLU<Scalar: TensorScalar>: Layer, @unchecked Sendable {
    public let name: String

    public init(name: String) { self.name = name }

    public func outputShape(for input: ActivationShape) throws -> ActivationShape { input }
    public func forwardFLOPs(for input: ActivationShape) -> Int { input.elementCount }

    public func forward(
        _ input: UnsafePointer<Scalar>, shape: ActivationShape, batch: Int,
        output: UnsafeMutablePointer<Scalar>, parameters: ParameterStore<Scalar>, training: Bool
    ) {
        Scalar.relu(input, output, count: batch * shape.elementCount)
    }

    public func backward(
        input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>,
        inputGradient: UnsafeMutablePointer<Scalar>?, shape: ActivationShape, batch: Int,
        parameters: ParameterStore<Scalar>
    ) {
        guard let inputGradient else { return }
        Scalar.reluBackward(output: output, outputGradient: outputGradient, addingInto: inputGradient, count: batch * shape.elementCount)
    }
}
