import Kernels

/// A shape-preserving element-wise activation whose derivative is a function of its output, so
/// the forward may run in place: forward and backward are one kernel call each.
public protocol ElementwiseActivation: Layer {
    static func apply(_ input: UnsafePointer<Scalar>, _ output: UnsafeMutablePointer<Scalar>, count: Int)
    /// inputGradient += outputGradient ⊙ f′, with f′ computed from the output.
    static func applyBackward(output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>, addingInto inputGradient: UnsafeMutablePointer<Scalar>, count: Int)
}

extension ElementwiseActivation {
    public func outputShape(for input: ActivationShape) throws -> ActivationShape { input }
    public func forwardFLOPs(for input: ActivationShape) -> Int { input.elementCount }

    public func forward(
        _ input: UnsafePointer<Scalar>, shape: ActivationShape, batch: Int,
        output: UnsafeMutablePointer<Scalar>, parameters: ParameterStore<Scalar>, training: Bool
    ) {
        Self.apply(input, output, count: batch * shape.elementCount)
    }

    public func backward(
        input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>,
        inputGradient: UnsafeMutablePointer<Scalar>?, shape: ActivationShape, batch: Int,
        parameters: ParameterStore<Scalar>
    ) {
        guard let inputGradient else { return }
        Self.applyBackward(output: output, outputGradient: outputGradient, addingInto: inputGradient, count: batch * shape.elementCount)
    }
}

/// Element-wise tanh, PyTorch `nn.Tanh`. Shape-preserving: (B, [T,] F) → same.
/// Backward: ∂L/∂x += ∂L/∂y ⊙ (1 − y²), from the saved output y.
public final class Tanh<Scalar: TensorScalar>: ElementwiseActivation, @unchecked Sendable {
    public let name: String
    public init(name: String) { self.name = name }
    public static func apply(_ input: UnsafePointer<Scalar>, _ output: UnsafeMutablePointer<Scalar>, count: Int) {
        Scalar.tanh(input, output, count: count)
    }
    public static func applyBackward(output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>, addingInto inputGradient: UnsafeMutablePointer<Scalar>, count: Int) {
        Scalar.tanhBackward(output: output, outputGradient: outputGradient, addingInto: inputGradient, count: count)
    }
}

/// Element-wise logistic sigmoid, PyTorch `nn.Sigmoid`. Shape-preserving.
/// Backward: ∂L/∂x += ∂L/∂y ⊙ y(1 − y), from the saved output y.
public final class Sigmoid<Scalar: TensorScalar>: ElementwiseActivation, @unchecked Sendable {
    public let name: String
    public init(name: String) { self.name = name }
    public static func apply(_ input: UnsafePointer<Scalar>, _ output: UnsafeMutablePointer<Scalar>, count: Int) {
        Scalar.sigmoid(input, output, count: count)
    }
    public static func applyBackward(output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>, addingInto inputGradient: UnsafeMutablePointer<Scalar>, count: Int) {
        Scalar.sigmoidBackward(output: output, outputGradient: outputGradient, addingInto: inputGradient, count: count)
    }
}
