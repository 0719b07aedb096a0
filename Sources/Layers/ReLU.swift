import Kernels

/// Rectified linear unit, PyTorch `nn.ReLU`: y = max(x, 0). Shape-preserving: (B, [T,] F) → same.
/// Backward: ∂L/∂x += ∂L/∂y where y > 0 (PyTorch's derivative at 0 is 0), from the saved output, so
/// the forward may run in place.
public final class ReLU<Scalar: TensorScalar>: ElementwiseActivation, @unchecked Sendable {
    public let name: String
    public init(name: String) { self.name = name }
    public static func apply(_ input: UnsafePointer<Scalar>, _ output: UnsafeMutablePointer<Scalar>, count: Int) {
        Scalar.relu(input, output, count: count)
    }
    public static func applyBackward(output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>, addingInto inputGradient: UnsafeMutablePointer<Scalar>, count: Int) {
        Scalar.reluBackward(output: output, outputGradient: outputGradient, addingInto: inputGradient, count: count)
    }
}
