import Kernels

/// Element-wise tanh, PyTorch `nn.Tanh`. Shape-preserving: (B, [T,] F) → same.
/// Backward: ∂L/∂x += ∂L/∂y ⊙ (1 − y²), from the saved output y.
public final class Tanh<Scalar: TensorScalar>: Layer, @unchecked Sendable {
    public let name: String

    public init(name: String) { self.name = name }

    public func outputShape(for input: ActivationShape) throws -> ActivationShape { input }
    public func forwardFLOPs(for input: ActivationShape) -> Int { input.elementCount }

    public func forward(
        _ input: UnsafePointer<Scalar>, shape: ActivationShape, batch: Int,
        output: UnsafeMutablePointer<Scalar>, parameters: ParameterStore<Scalar>, training: Bool
    ) {
        Scalar.tanh(input, output, count: batch * shape.elementCount)
    }

    public func backward(
        input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>,
        inputGradient: UnsafeMutablePointer<Scalar>?, shape: ActivationShape, batch: Int,
        parameters: ParameterStore<Scalar>
    ) {
        guard let inputGradient else { return }
        Scalar.tanhBackward(output: output, outputGradient: outputGradient, addingInto: inputGradient, count: batch * shape.elementCount)
    }
}

/// Element-wise logistic sigmoid, PyTorch `nn.Sigmoid`. Shape-preserving.
/// Backward: ∂L/∂x += ∂L/∂y ⊙ y(1 − y), from the saved output y.
public final class Sigmoid<Scalar: TensorScalar>: Layer, @unchecked Sendable {
    public let name: String

    public init(name: String) { self.name = name }

    public func outputShape(for input: ActivationShape) throws -> ActivationShape { input }
    public func forwardFLOPs(for input: ActivationShape) -> Int { input.elementCount }

    public func forward(
        _ input: UnsafePointer<Scalar>, shape: ActivationShape, batch: Int,
        output: UnsafeMutablePointer<Scalar>, parameters: ParameterStore<Scalar>, training: Bool
    ) {
        Scalar.sigmoid(input, output, count: batch * shape.elementCount)
    }

    public func backward(
        input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>,
        inputGradient: UnsafeMutablePointer<Scalar>?, shape: ActivationShape, batch: Int,
        parameters: ParameterStore<Scalar>
    ) {
        guard let inputGradient else { return }
        Scalar.sigmoidBackward(output: output, outputGradient: outputGradient, addingInto: inputGradient, count: batch * shape.elementCount)
    }
}
