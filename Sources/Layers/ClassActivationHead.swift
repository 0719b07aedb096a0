import Kernels

/// Global average pooling over time followed by a Linear layer, with the class activation map (CAM,
/// Zhou et al. 2016) as importance — the `cnn` head of `reference/models.py`:
///   y_b = W·mean_t f_{b,t} + bias,   cam_{b,t} = Σ_w f_{b,t,w}·W[k, w]
/// with k = 0 for one logit (the reference's `classifier.weight[0]`) and, for K > 1 logits, the
/// sample's highest-scoring class. Since y_b = mean_t cam_{b,t} + bias (for that class), the map
/// splits the logit over time.
///
/// Shapes: f is (B, T, W), y is (B, K), the map (B, T). Parameters `<name>.weight` (K, W) and
/// `<name>.bias` (K), PyTorch's Linear init. Backward is the Linear's then the pooling's; the map is
/// an explanation and is not differentiated.
public final class ClassActivationHead<Scalar: TensorScalar>: Layer, @unchecked Sendable {
    public let name: String
    public let features: Int
    public let outputs: Int
    private let pooling: GlobalAveragePooling<Scalar>
    private let linear: Dense<Scalar>
    private let pooled = Buffer<Scalar>()        // (B, W)
    private let pooledGradient = Buffer<Scalar>() // (B, W)
    private let map = Buffer<Scalar>()           // (B, T)

    public init(name: String, features: Int, outputs: Int) {
        self.name = name
        self.features = features
        self.outputs = outputs
        pooling = GlobalAveragePooling(name: "\(name).pool")
        linear = Dense(name: name, inputFeatures: features, outputFeatures: outputs)
    }

    public func declareParameters(in layout: inout ParameterLayout) { linear.declareParameters(in: &layout) }

    public func initializeParameters(_ parameters: ParameterStore<Scalar>, random: inout SeededRandom) {
        linear.initializeParameters(parameters, random: &random)
    }

    public func outputShape(for input: ActivationShape) throws -> ActivationShape {
        try linear.outputShape(for: try pooling.outputShape(for: input))
    }

    public func forwardFLOPs(for input: ActivationShape) -> Int {
        pooling.forwardFLOPs(for: input) + linear.forwardFLOPs(for: ActivationShape(time: nil, features: features))
    }

    public var importance: UnsafePointer<Scalar>? { UnsafePointer(map.pointer) }

    public func forward(
        _ input: UnsafePointer<Scalar>, shape: ActivationShape, batch: Int,
        output: UnsafeMutablePointer<Scalar>, parameters: ParameterStore<Scalar>, training: Bool
    ) {
        let time = shape.time ?? 0, pooledShape = ActivationShape(time: nil, features: features)
        pooled.resize(batch * features)
        map.resize(batch * time)
        pooling.forward(input, shape: shape, batch: batch, output: pooled.pointer, parameters: parameters, training: training)
        linear.forward(pooled.pointer, shape: pooledShape, batch: batch, output: output, parameters: parameters, training: training)
        let weight = UnsafePointer(linear.weight(in: parameters)), cam = map.pointer, outputs = outputs, features = features
        Parallelism.splitInHalves(batch) { series, _ in
            for b in series {
                var chosen = 0
                for k in 1..<max(outputs, 1) where output[b * outputs + k] > output[b * outputs + chosen] { chosen = k }
                // cam_b (T) = f_b (T×W) · W[chosen] (W): row dot products, not a BLAS GEMV per series
                Scalar.rowDots(input + b * time * features, count: time, width: features, rowStride: features,
                               vector: weight + chosen * features, bias: 0, into: cam + b * time)
            }
        }
    }

    public func backward(
        input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>,
        inputGradient: UnsafeMutablePointer<Scalar>?, shape: ActivationShape, batch: Int,
        parameters: ParameterStore<Scalar>
    ) {
        pooledGradient.resize(batch * features, zeroed: true)
        linear.backward(input: pooled.pointer, output: output, outputGradient: outputGradient, inputGradient: pooledGradient.pointer,
                        shape: ActivationShape(time: nil, features: features), batch: batch, parameters: parameters)
        pooling.backward(input: input, output: pooled.pointer, outputGradient: pooledGradient.pointer,
                         inputGradient: inputGradient, shape: shape, batch: batch, parameters: parameters)
    }
}
