import Foundation
import Kernels

/// Adds the fixed sinusoidal positional encoding, exactly `sinusoidal_encoding(T, d)` of
/// `reference/models.py`, computed in Float32 as there:
///   div_i = exp(−ln(10000)·(2i)/d),  pe[t, 2i] = sin(t·div_i),  pe[t, 2i+1] = cos(t·div_i)
///   y[b, t, :] = x[b, t, :] + pe[t, :]
/// (for odd d the last column is a sine). Shapes: x and y are (B, T, d). No parameters.
/// Backward: ∂L/∂x += ∂L/∂y. The table is rebuilt only when T changes.
public final class PositionalEncoding<Scalar: TensorScalar>: Layer, @unchecked Sendable {
    public let name: String
    public let features: Int
    private let table = Buffer<Scalar>()   // (T, d)
    private var tableTime = -1

    public init(name: String, features: Int) {
        self.name = name
        self.features = features
    }

    public func outputShape(for input: ActivationShape) throws -> ActivationShape {
        guard input.time != nil else { throw ShapeError(layer: name, "encodes positions in time and needs a time axis, got \(input)") }
        guard input.features == features else {
            throw ShapeError(layer: name, "expects \(features) features, got \(input.features)")
        }
        return input
    }

    public func forwardFLOPs(for input: ActivationShape) -> Int { input.elementCount }

    /// The reference's Float32 arithmetic step by step: each product and quotient rounded to Float.
    public static func encoding(time: Int, features: Int) -> [Float] {
        var pe = [Float](repeating: 0, count: time * features)
        let logBase = Float(-Foundation.log(10000.0))
        for pair in stride(from: 0, to: features, by: 2) {
            let divisor = Foundation.exp(logBase * Float(pair) / Float(features))
            for t in 0..<time {
                let angle = Float(t) * divisor
                pe[t * features + pair] = Foundation.sin(angle)
                if pair + 1 < features { pe[t * features + pair + 1] = Foundation.cos(angle) }
            }
        }
        return pe
    }

    /// The (T, D) table for series of `time` steps (valid until a forward with another length).
    public func table(time: Int) -> UnsafePointer<Scalar> {
        prepare(time: time)
        return UnsafePointer(table.pointer)
    }

    private func prepare(time: Int) {
        guard tableTime != time else { return }
        let values = Self.encoding(time: time, features: features)
        table.resize(values.count)
        for (index, value) in values.enumerated() { table.pointer[index] = Scalar(value) }
        tableTime = time
    }

    public func forward(
        _ input: UnsafePointer<Scalar>, shape: ActivationShape, batch: Int,
        output: UnsafeMutablePointer<Scalar>, parameters: ParameterStore<Scalar>, training: Bool
    ) {
        let time = shape.time ?? 0, perSample = time * features
        prepare(time: time)
        if UnsafePointer(output) != input, batch * perSample > 0 {
            UnsafeMutableRawPointer(output).copyMemory(from: UnsafeRawPointer(input), byteCount: batch * perSample * MemoryLayout<Scalar>.stride)
        }
        for b in 0..<batch { Scalar.addScaled(table.pointer, scale: 1, into: output + b * perSample, count: perSample) }
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
