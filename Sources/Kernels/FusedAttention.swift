import CKernels

/// The inputs of one (sample, head) of attention: Q (Tq, d), K and V (Tk, d), row-major with the
/// given row strides (usually column blocks of one packed projection), and the score scale s.
public struct AttentionHeadProblem<Scalar: TensorScalar> {
    public var query: UnsafePointer<Scalar>, queryStride: Int
    public var key: UnsafePointer<Scalar>, keyStride: Int
    public var value: UnsafePointer<Scalar>, valueStride: Int
    public var queryTime: Int, keyTime: Int, headSize: Int
    public var scale: Scalar

    public init(query: UnsafePointer<Scalar>, queryStride: Int, key: UnsafePointer<Scalar>, keyStride: Int,
                value: UnsafePointer<Scalar>, valueStride: Int, queryTime: Int, keyTime: Int, headSize: Int, scale: Scalar) {
        self.query = query; self.queryStride = queryStride
        self.key = key; self.keyStride = keyStride
        self.value = value; self.valueStride = valueStride
        self.queryTime = queryTime; self.keyTime = keyTime; self.headSize = headSize
        self.scale = scale
    }

    /// FLOPs of the two products of the forward pass (the backward has four).
    public var productFLOPs: Int { 4 * queryTime * keyTime * headSize }
}

/// Where the backward pass adds ∂L/∂Q, ∂L/∂K and ∂L/∂V (same shapes and strides as the inputs).
public struct AttentionHeadGradients<Scalar: TensorScalar> {
    public var query: UnsafeMutablePointer<Scalar>, queryStride: Int
    public var key: UnsafeMutablePointer<Scalar>, keyStride: Int
    public var value: UnsafeMutablePointer<Scalar>, valueStride: Int

    public init(query: UnsafeMutablePointer<Scalar>, queryStride: Int, key: UnsafeMutablePointer<Scalar>, keyStride: Int,
                value: UnsafeMutablePointer<Scalar>, valueStride: Int) {
        self.query = query; self.queryStride = queryStride
        self.key = key; self.keyStride = keyStride
        self.value = value; self.valueStride = valueStride
    }
}

extension TensorScalar {
    // No fused kernel in general (Double): the attention core runs its separate products.
    @inlinable public static func fusedAttentionForward(
        _ problem: AttentionHeadProblem<Self>, weights: UnsafeMutablePointer<Self>, context: UnsafeMutablePointer<Self>,
        contextStride: Int, scratch: UnsafeMutablePointer<Self>
    ) -> Bool { false }
    @inlinable public static func fusedAttentionBackward(
        _ problem: AttentionHeadProblem<Self>, weights: UnsafePointer<Self>, contextGradient: UnsafePointer<Self>,
        contextGradientStride: Int, gradients: AttentionHeadGradients<Self>, scratch: UnsafeMutablePointer<Self>
    ) -> Bool { false }
    @inlinable public static func fusedAttentionScratchCount(keyTime: Int, headSize: Int) -> Int { 0 }
}

extension Float {
    @inlinable public static func fusedAttentionForward(
        _ problem: AttentionHeadProblem<Float>, weights: UnsafeMutablePointer<Float>, context: UnsafeMutablePointer<Float>,
        contextStride: Int, scratch: UnsafeMutablePointer<Float>
    ) -> Bool {
        guard serieslens_attention_supports_head_size(problem.headSize) != 0 else { return false }
        return KernelProfiler.measure(.fusedAttention, work: problem.productFLOPs) {
            serieslens_attention_forward_f32(
                problem.query, problem.queryStride, problem.key, problem.keyStride, problem.value, problem.valueStride,
                problem.queryTime, problem.keyTime, problem.headSize, problem.scale, weights, context, contextStride, scratch) != 0
        }
    }

    @inlinable public static func fusedAttentionBackward(
        _ problem: AttentionHeadProblem<Float>, weights: UnsafePointer<Float>, contextGradient: UnsafePointer<Float>,
        contextGradientStride: Int, gradients: AttentionHeadGradients<Float>, scratch: UnsafeMutablePointer<Float>
    ) -> Bool {
        guard serieslens_attention_supports_head_size(problem.headSize) != 0 else { return false }
        return KernelProfiler.measure(.fusedAttentionBackward, work: 2 * problem.productFLOPs) {
            serieslens_attention_backward_f32(
                contextGradient, contextGradientStride, weights, problem.query, problem.queryStride, problem.key, problem.keyStride,
                problem.value, problem.valueStride, gradients.query, gradients.queryStride, gradients.key, gradients.keyStride,
                gradients.value, gradients.valueStride, problem.queryTime, problem.keyTime, problem.headSize, problem.scale,
                scratch) != 0
        }
    }

    @inlinable public static func fusedAttentionScratchCount(keyTime: Int, headSize: Int) -> Int {
        serieslens_attention_supports_head_size(headSize) != 0 ? serieslens_attention_scratch_floats(keyTime, headSize) : 0
    }
}
