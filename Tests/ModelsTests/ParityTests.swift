import Foundation
import Testing
@testable import Kernels
@testable import Layers
@testable import Models

/// Forward, loss, every gradient and three Adam steps of the five built-in models against PyTorch's
/// float64 results (`Fixtures/*.safetensors`, from `reference/models.py`); for cnn also the running
/// statistics after the train-mode forward and the eval-mode logits.
///
/// Tolerance: every element within 1e-4 of max(|theirs|, max|tensor|) — elementwise relative
/// error for the large entries and norm-wise relative error (‖ours − theirs‖∞ ≤ 1e-4·‖theirs‖∞) for
/// entries that are small because they are sums that cancel (e.g. attention biases, whose terms are
/// 100× larger than their sum). Our Float32 pass rounds each of the T recurrent steps and the
/// 4H-term dot products (ε = 6e-8, observed errors ~1e-6), and the fixtures are float64 results
/// rounded to float32; 1e-4 leaves a wide margin while a wrong term (a missing bias, a transposed
/// weight, a gate out of order) moves values by 1e-2 of the tensor scale or more.
///
/// Some entries have an exactly zero gradient because the loss is invariant to them, so both
/// frameworks return rounding noise (PyTorch ~1e-19, ours ~1e-9):
/// - `attention.2.bias` is added to every score before a softmax over time (shift-invariant);
/// - the key block (rows D..<2D) of a multi-head `in_proj_bias` adds q·b_k to every score of a row,
///   again before a softmax;
/// - a convolution bias followed by BatchNorm in training is removed again by the batch mean.
/// We check those are negligible against the model's gradient scale. Adam turns even noise into
/// steps of up to lr (its step is lr·m̂/(√v̂+ε)): PyTorch's 1e-19 is far below ε = 1e-8 and barely
/// moves, our Float32 noise is not; `expectAdamClose` derives the allowance for every entry from
/// its gradient's size.
@Suite struct ParityTests {
    static let models = ["bilstm-attention", "bilstm-multihead", "posenc-attention", "ffn", "cnn"]
    static let fixtures = models.flatMap { ["\($0)-B4-T40-C1", "\($0)-B3-T24-C3"] }
    /// Entries whose exact gradient is zero (see the suite's comment), by tensor: nil = all of it.
    static let invariant: [String: Range<Int>?] = [
        "attention.2.bias": nil,
        "attention.in_proj_bias": 64..<128,
        "encoder.self_attn.in_proj_bias": 64..<128,
        "features.0.bias": nil, "features.3.bias": nil, "features.6.bias": nil,
    ]

    static func load(_ name: String) throws -> SafeTensors {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "safetensors", subdirectory: "Fixtures"))
        return try SafeTensors(contentsOf: url)
    }

    static func expectClose(_ ours: [Double], _ theirs: [Double], _ what: String, tolerance: Double = 1e-4,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(ours.count == theirs.count, "\(what): \(ours.count) values vs \(theirs.count)", sourceLocation: sourceLocation)
        let scale = theirs.map(abs).max() ?? 0
        var worst = 0.0, worstIndex = -1
        for (index, (a, b)) in zip(ours, theirs).enumerated() {
            let error = abs(a - b) / max(abs(b), scale, 1e-30)
            if error > worst || error.isNaN { worst = error; worstIndex = index }
        }
        #expect(worst <= tolerance, "\(what): worst relative error \(worst) at index \(worstIndex)", sourceLocation: sourceLocation)
    }

    /// Splits a tensor into the entries compared normally and the invariant ones.
    static func split(_ name: String, _ values: [Double]) -> (checked: [Double], invariant: [Double]) {
        guard let entry = invariant[name] else { return (values, []) }
        let range = entry ?? 0..<values.count
        return (values.indices.filter { !range.contains($0) }.map { values[$0] }, range.map { values[$0] })
    }

    static func setInitialState<Scalar: TensorScalar>(_ model: SequentialClassifier<Scalar>, from fixture: SafeTensors) throws {
        try model.parameters.loadStateDictionary(from: fixture, prefix: "param.")
    }

    func check<Scalar: TensorScalar>(_ fixtureName: String, as scalar: Scalar.Type, threads: Int = 1) throws {
        let fixture = try Self.load(fixtureName)
        let modelName = try #require(fixture.metadata["model"])
        let batch = try #require(Int(fixture.metadata["B"] ?? "")), time = try #require(Int(fixture.metadata["T"] ?? ""))
        let channels = try #require(Int(fixture.metadata["C"] ?? ""))
        let model: SequentialClassifier<Scalar> = try ModelCatalog.make(modelName, inputChannels: channels, length: time,
                                                                        pluginDirectories: [], as: Scalar.self)
        model.threads = threads
        try Self.setInitialState(model, from: fixture)
        let ourNames = Set(model.parameters.layout.stateDictionary.map(\.name))
        let fixtureNames = Set(fixture.names.filter { $0.hasPrefix("param.") }.map { String($0.dropFirst(6)) })
        #expect(ourNames == fixtureNames, "\(fixtureName): state_dict names differ from the reference")

        let x = try fixture.doubles("input.x").map { Scalar($0) }
        let y = try fixture.doubles("input.y").map { Scalar($0) }
        let logits = try model.forward(x, batch: batch, time: time, training: true)
        Self.expectClose((0..<batch).map { Double(logits[$0]) }, try fixture.doubles("output.logits"), "\(fixtureName) logits")
        if fixture.tensors["output.importance"] != nil {
            let importance = try #require(model.importance)
            Self.expectClose((0..<(batch * time)).map { Double(importance[$0]) }, try fixture.doubles("output.importance"), "\(fixtureName) importance")
        } else {
            #expect(model.importance == nil, "\(fixtureName): the reference has no importance map")
        }
        if fixture.tensors["output.importance_heads"] != nil {
            let heads = try #require(model.headImportance)
            Self.expectClose((0..<(batch * heads.heads * time)).map { Double(heads.maps[$0]) },
                             try fixture.doubles("output.importance_heads"), "\(fixtureName) importance_heads")
        }
        let loss = BinaryCrossEntropy.loss(logits: logits, targets: y, count: batch)
        Self.expectClose([loss], try fixture.doubles("output.loss"), "\(fixtureName) loss")
        for spec in model.parameters.layout.stateSpecs where !spec.integer {
            Self.expectClose(model.parameters.tensor(named: spec.name)!.map { Double($0) },
                             try fixture.doubles("after_train_forward.\(spec.name)"), "\(fixtureName) after_train_forward.\(spec.name)")
        }

        model.parameters.zeroGradients()
        var logitGradient = [Scalar](repeating: 0, count: batch)
        BinaryCrossEntropy.backward(logits: logits, targets: y, addingInto: &logitGradient, count: batch)
        let inputGradient = try #require(model.backward(logitGradient: logitGradient, inputGradient: true))
        let gradientScale = model.parameters.gradients.array.map { abs(Double($0)) }.max() ?? 0
        for spec in model.parameters.layout.specs {
            let ours = Self.split(spec.name, model.parameters.gradientTensor(named: spec.name)!.map { Double($0) })
            let theirs = Self.split(spec.name, try fixture.doubles("grad.\(spec.name)"))
            if !ours.checked.isEmpty { Self.expectClose(ours.checked, theirs.checked, "\(fixtureName) grad.\(spec.name)") }
            let noise = ours.invariant.map(abs).max() ?? 0
            #expect(noise <= 1e-5 * gradientScale, "\(fixtureName) grad.\(spec.name) invariant entries should be ~0, are \(noise)")
        }
        Self.expectClose((0..<x.count).map { Double(inputGradient[$0]) }, try fixture.doubles("grad.input.x"), "\(fixtureName) grad.input.x")

        if fixture.tensors["output.eval_logits"] != nil {
            // Evaluation mode with the running statistics the train-mode forward left behind.
            let evalLogits = try model.forward(x, batch: batch, time: time, training: false)
            Self.expectClose((0..<batch).map { Double(evalLogits[$0]) }, try fixture.doubles("output.eval_logits"), "\(fixtureName) eval_logits")
        }

        // Three Adam steps on the same batch, starting again from the initial parameters.
        try Self.setInitialState(model, from: fixture)
        let adam = Adam<Scalar>(parameterCount: model.parameters.count, settings: .init(learningRate: 1e-3))
        var losses: [Double] = []
        for _ in 0..<3 {
            let stepLogits = try model.forward(x, batch: batch, time: time, training: true)
            losses.append(BinaryCrossEntropy.loss(logits: stepLogits, targets: y, count: batch))
            model.parameters.zeroGradients()
            var gradient = [Scalar](repeating: 0, count: batch)
            BinaryCrossEntropy.backward(logits: stepLogits, targets: y, addingInto: &gradient, count: batch)
            model.backward(logitGradient: gradient)
            adam.update(model.parameters)
        }
        Self.expectClose(losses, try fixture.doubles("adam.losses"), "\(fixtureName) adam.losses")
        let modelGradientScale = try model.parameters.layout.specs.map { try fixture.doubles("grad.\($0.name)").map(abs).max() ?? 0 }.max() ?? 0
        for spec in model.parameters.layout.specs {
            let ours = model.parameters.tensor(named: spec.name)!.map { Double($0) }
            try Self.expectAdamClose(ours, try fixture.doubles("adam.\(spec.name)"), gradient: try fixture.doubles("grad.\(spec.name)"),
                                     modelGradientScale: modelGradientScale, "\(fixtureName) adam.\(spec.name)")
        }
    }

    /// Adam normalises each entry's step by its gradient's magnitude (step ≈ lr·m̂/√v̂), so an entry
    /// whose gradient is known only to an absolute accuracy η moves by up to lr·η/|g| differently per
    /// step — at most 2·lr. With η = max(1e-4·max|grad of the tensor|, 1e-5·max|grad of the model|)
    /// (the two accuracies checked above) each entry may differ by 1e-4 of the tensor scale plus
    /// 3·lr·min(1, η/|g|): entries with large gradients must match tightly, while exactly-invariant
    /// entries (g ≈ 0, see the suite's comment) may differ by 3·lr.
    static func expectAdamClose(_ ours: [Double], _ theirs: [Double], gradient: [Double], modelGradientScale: Double, _ what: String,
                                sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(ours.count == theirs.count, "\(what): \(ours.count) values vs \(theirs.count)", sourceLocation: sourceLocation)
        let scale = theirs.map(abs).max() ?? 0
        let accuracy = max(1e-4 * (gradient.map(abs).max() ?? 0), 1e-5 * modelGradientScale), learningRate = 1e-3
        for (index, (a, b)) in zip(ours, theirs).enumerated() {
            let allowance = 1e-4 * max(abs(b), scale) + 3 * learningRate * min(1, accuracy / max(abs(gradient[index]), 1e-300))
            if !(abs(a - b) <= allowance) {
                Issue.record("\(what)[\(index)]: \(a) vs \(b), allowed \(allowance) (gradient \(gradient[index]))", sourceLocation: sourceLocation)
                return
            }
        }
    }

    @Test(arguments: fixtures)
    func float32MatchesPyTorch(fixture: String) throws {
        try check(fixture, as: Float.self)
    }

    @Test(arguments: fixtures)
    func float32OnTwoThreadsMatchesPyTorch(fixture: String) throws {
        try check(fixture, as: Float.self, threads: 2)
    }

    @Test(arguments: fixtures)
    func float64MatchesPyTorch(fixture: String) throws {
        try check(fixture, as: Double.self)
    }
}
