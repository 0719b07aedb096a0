import Kernels

/// The shape of one sample's activation: (T, F) when it has a time axis, else (F).
/// The batch dimension B is always outermost and passed separately.
public struct ActivationShape: Hashable, Codable, Sendable, CustomStringConvertible {
    public var time: Int?
    public var features: Int

    public init(time: Int?, features: Int) {
        self.time = time
        self.features = features
    }

    /// Elements per sample.
    public var elementCount: Int { (time ?? 1) * features }
    /// Rows a position-wise layer sees per sample.
    public var rowsPerSample: Int { time ?? 1 }

    public var description: String {
        if let time { return "(T=\(time), F=\(features))" }
        return "(F=\(features))"
    }
}

public struct ShapeError: Error, CustomStringConvertible, Equatable {
    public let layer: String
    public let message: String

    public init(layer: String, _ message: String) {
        self.layer = layer
        self.message = message
    }

    public var description: String { "\(layer): \(message)" }
}

/// A differentiable layer over batch-first row-major buffers.
///
/// Contract:
/// - `forward` reads `input` (B × inputShape) and writes `output` (B × outputShape); it may keep
///   whatever `backward` needs in its own workspace.
/// - `backward` is called after the `forward` of the same batch with the same pointers. It ADDS the
///   parameter gradients into `parameters.gradients` and ADDS ∂L/∂input into `inputGradient` when
///   one is asked for (callers zero it), so contributions from several consumers accumulate.
public protocol Layer<Scalar>: AnyObject {
    associatedtype Scalar: TensorScalar

    /// A short name for messages ("lstm", "attention.0").
    var name: String { get }

    /// Registers this layer's parameters (state_dict names and shapes).
    func declareParameters(in layout: inout ParameterLayout)

    /// PyTorch's default initialisation for this layer's parameters.
    func initializeParameters(_ parameters: ParameterStore<Scalar>, random: inout SeededRandom)

    /// The output shape for an input shape, or a `ShapeError` saying why the input does not fit.
    func outputShape(for input: ActivationShape) throws -> ActivationShape

    func forward(
        _ input: UnsafePointer<Scalar>, shape: ActivationShape, batch: Int,
        output: UnsafeMutablePointer<Scalar>, parameters: ParameterStore<Scalar>, training: Bool)

    func backward(
        input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>,
        inputGradient: UnsafeMutablePointer<Scalar>?, shape: ActivationShape, batch: Int,
        parameters: ParameterStore<Scalar>)

    /// (B, T) importance map from the last forward (attention weights), if this layer makes one.
    var importance: UnsafePointer<Scalar>? { get }

    /// Floating-point operations of one forward pass for ONE sample of shape `input`: 2 per
    /// multiply-add of the matrix products, 1 per element-wise operation (a transcendental function
    /// counts 1). No default, so a new layer cannot silently report 0.
    func forwardFLOPs(for input: ActivationShape) -> Int
}

/// A layer whose backward can write ∂L/∂input instead of adding to it. A model whose chain gives
/// the layer's input gradient no other contributor sets `writesInputGradient`, and then need not
/// zero that buffer first (a memory pass over a (B, T, C) activation per layer and step).
public protocol InputGradientWriting: AnyObject {
    /// While true, `backward` overwrites `inputGradient` (whatever it held) instead of adding to it.
    var writesInputGradient: Bool { get set }
}

extension Layer {
    public func declareParameters(in layout: inout ParameterLayout) {}
    public func initializeParameters(_ parameters: ParameterStore<Scalar>, random: inout SeededRandom) {}
    public var importance: UnsafePointer<Scalar>? { nil }
}

/// U(−bound, bound) fill, PyTorch's `uniform_` for its default initialisations.
func fillUniform<Scalar: TensorScalar>(_ pointer: UnsafeMutablePointer<Scalar>, count: Int, bound: Double, random: inout SeededRandom) {
    for index in 0..<count { pointer[index] = Scalar(random.uniform(-bound, bound)) }
}
