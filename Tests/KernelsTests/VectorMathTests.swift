import Foundation
import Testing
@testable import Kernels

/// Holds the Float kernels to the error bounds stated in `VectorMath`'s documentation, measured
/// against libm in Double over a dense sweep plus the edges of each function's range: the Swift
/// SIMD16 functions and the C kernels behind `Float.sigmoid` and `Float.tanh` (CKernels).
@Suite struct VectorMathTests {
    /// A bulk activation: the Swift SIMD16 function mapped over the values, or the C kernel.
    enum Implementation: CaseIterable { case swiftSIMD16, cVectorExtensions }
    static func sweep(from low: Float, to high: Float, count: Int = 200_003) -> [Float] {
        var values = (0..<count).map { low + (high - low) * Float($0) / Float(count - 1) }
        values += [0, -0, .leastNormalMagnitude, -.leastNormalMagnitude, 1e-30, -1e-30, 1e-8, -1e-8, 0.124_999, 0.125, -0.125]
        return values
    }

    static func apply(_ function: (SIMD16<Float>) -> SIMD16<Float>, to inputs: [Float]) -> [Float] {
        var outputs = [Float](repeating: 0, count: inputs.count)
        inputs.withUnsafeBufferPointer { input in
            outputs.withUnsafeMutableBufferPointer { output in
                Elementwise.map(input.baseAddress!, output.baseAddress!, count: inputs.count, function)
            }
        }
        return outputs
    }

    static func sigmoid(_ implementation: Implementation, _ inputs: [Float]) -> [Float] {
        switch implementation {
        case .swiftSIMD16: apply(VectorMath.sigmoid, to: inputs)
        case .cVectorExtensions: applyBulk(Float.sigmoid, to: inputs)
        }
    }

    static func tanh(_ implementation: Implementation, _ inputs: [Float]) -> [Float] {
        switch implementation {
        case .swiftSIMD16: apply(VectorMath.tanh, to: inputs)
        case .cVectorExtensions: applyBulk(Float.tanh, to: inputs)
        }
    }

    static func applyBulk(_ function: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void, to inputs: [Float]) -> [Float] {
        var outputs = [Float](repeating: 0, count: inputs.count)
        inputs.withUnsafeBufferPointer { input in
            outputs.withUnsafeMutableBufferPointer { output in
                guard let source = input.baseAddress, let target = output.baseAddress else { return }
                function(source, target, inputs.count)
            }
        }
        return outputs
    }

    static func maxErrors(_ inputs: [Float], _ outputs: [Float], _ reference: (Double) -> Double) -> (relative: Double, absolute: Double, worst: Float) {
        var worstRelative = 0.0, worstAbsolute = 0.0
        var worstInput: Float = 0
        for (x, y) in zip(inputs, outputs) {
            let exact = reference(Double(x))
            let absolute = Swift.abs(Double(y) - exact)
            let relative = exact == 0 ? absolute : absolute / Swift.abs(exact)
            if relative > worstRelative { worstRelative = relative; worstInput = x }
            worstAbsolute = max(worstAbsolute, absolute)
        }
        return (worstRelative, worstAbsolute, worstInput)
    }

    @Test func expRelativeErrorWithinBound() {
        let inputs = Self.sweep(from: -87.3, to: 88)
        let errors = Self.maxErrors(inputs, Self.apply(VectorMath.exp, to: inputs), Foundation.exp)
        #expect(errors.relative <= 3e-7, "exp worst relative error \(errors.relative) at x = \(errors.worst)")
    }

    @Test func expSaturatesInsteadOfOverflowing() {
        let outputs = Self.apply(VectorMath.exp, to: [-1000, -100, 100, 1000, .infinity, -.infinity])
        #expect(outputs.allSatisfy { $0.isFinite && $0 >= 0 })
        #expect(outputs[0] < 1.2e-38 * 1.01 && outputs[0] >= Float.leastNormalMagnitude)
    }

    @Test(arguments: Implementation.allCases)
    func sigmoidErrorWithinBound(_ implementation: Implementation) {
        // Below x ≈ −87 the result is denormal (and flushed to zero under FTZ): absolute bound only.
        let inputs = Self.sweep(from: -87, to: 88)
        let errors = Self.maxErrors(inputs, Self.sigmoid(implementation, inputs)) { 1 / (1 + Foundation.exp(-$0)) }
        #expect(errors.relative <= 5e-7, "sigmoid worst relative error \(errors.relative) at x = \(errors.worst)")
        let wide = Self.sweep(from: -200, to: 200)
        #expect(Self.maxErrors(wide, Self.sigmoid(implementation, wide)) { 1 / (1 + Foundation.exp(-$0)) }.absolute <= 1e-7)
        let extremes = Self.sigmoid(implementation, [-1000, 1000])
        #expect(extremes[0] >= 0 && extremes[0] < 1e-37 && extremes[1] == 1)
    }

    @Test(arguments: Implementation.allCases)
    func tanhErrorWithinBound(_ implementation: Implementation) {
        let inputs = Self.sweep(from: -20, to: 20) + Self.sweep(from: -0.2, to: 0.2, count: 40_001)
        let errors = Self.maxErrors(inputs, Self.tanh(implementation, inputs), Foundation.tanh)
        #expect(errors.relative <= 1e-6, "tanh worst relative error \(errors.relative) at x = \(errors.worst)")
        #expect(errors.absolute <= 2e-7)
        let extremes = Self.tanh(implementation, [-1000, 1000, 0, -0])
        #expect(extremes == [-1, 1, 0, 0])
    }

    @Test func nanPropagates() {
        for function in [VectorMath.exp, VectorMath.sigmoid, VectorMath.tanh] {
            let outputs = Self.apply(function, to: [.nan, 1, -.nan])
            #expect(outputs[0].isNaN && outputs[2].isNaN && !outputs[1].isNaN)
        }
        for implementation in Implementation.allCases {
            for outputs in [Self.sigmoid(implementation, [.nan, 1, -.nan]), Self.tanh(implementation, [.nan, 1, -.nan])] {
                #expect(outputs[0].isNaN && outputs[2].isNaN && !outputs[1].isNaN, "\(implementation)")
            }
        }
    }

    @Test(arguments: Implementation.allCases)
    func maskedTailsComputeEveryLength(_ implementation: Implementation) {
        for count in [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 33] {
            let inputs = (0..<count).map { Float($0) * 0.37 - 3 }
            let outputs = Self.tanh(implementation, inputs)
            for (x, y) in zip(inputs, outputs) {
                #expect(Swift.abs(Double(y) - Foundation.tanh(Double(x))) <= 2e-7, "count \(count), x \(x)")
            }
        }
    }
}
