import Kernels

/// Flattens each sample, PyTorch `nn.Flatten()` on (B, T, F): (B, T, F) → (B, T·F), time-major
/// (index t·F + f), which is the memory order already, so forward is a copy and backward adds
/// ∂L/∂y back unchanged. Fixes the series length: the next layer's width depends on T.
public final class Flatten<Scalar: TensorScalar>: Layer, @unchecked Sendable {
    public let name: String

    public init(name: String) { self.name = name }

    public func outputShape(for input: ActivationShape) throws -> ActivationShape {
        ActivationShape(time: nil, features: input.elementCount)
    }

    public func forwardFLOPs(for input: ActivationShape) -> Int { 0 }

    public func forward(
        _ input: UnsafePointer<Scalar>, shape: ActivationShape, batch: Int,
        output: UnsafeMutablePointer<Scalar>, parameters: ParameterStore<Scalar>, training: Bool
    ) {
        let count = batch * shape.elementCount
        guard count > 0 else { return }
        UnsafeMutableRawPointer(output).copyMemory(from: UnsafeRawPointer(input), byteCount: count * MemoryLayout<Scalar>.stride)
    }

    public func backward(
        input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>,
        inputGradient: UnsafeMutablePointer<Scalar>?, shape: ActivationShape, batch: Int,
        parameters: ParameterStore<Scalar>
    ) {
        guard let inputGradient else { return }
        Scalar.addScaled(outputGradient, scale: 1, into: inputGradient, count: batch * shape.elementCount)
    }
}
