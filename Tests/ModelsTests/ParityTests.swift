import Foundation
import Testing
@testable import Kernels
@testable import Layers
@testable import Models

/// Forward, loss, every gradient and three Adam steps against PyTorch's float64 results.
///
/// Tolerance: every element within 1e-4 of max(|theirs|, max|tensor|) — elementwise relative
/// error for the large entries and norm-wise relative error (‖ours − theirs‖∞ ≤ 1e-4·‖theirs‖∞) for
/// entries that are small because they are sums that cancel (e.g. attention biases, whose terms are
/// 100× larger than their sum). Our Float32 pass rounds each of the T recurrent steps and the
/// 4H-term dot products (ε = 6e-8, observed errors ~1e-6), and the fixtures are float64 results
/// rounded to float32; 1e-4 leaves a wide margin while a wrong term (a missing bias, a transposed
/// weight, a gate out of order) moves values by 1e-2 of the tensor scale or more.
///
/// One tensor is special: `attention.2.bias` is added to every score before the softmax over time,
/// which is shift-invariant, so its gradient is exactly zero and both frameworks return rounding
/// noise (PyTorch: 4e-19). We check it is negligible against the model's gradient scale. Adam turns
/// even noise into steps of up to lr (its step is lr·m̂/(√v̂+ε)): PyTorch's 4e-19 is far below
/// ε = 1e-8 and barely moves, our Float32 noise is not, so after 3 steps we can only require
/// |ours − theirs| ≤ 3·lr.
@Suite struct ParityTests {
    static let fixtures = ["bilstm-attention-B4-T40-C1", "bilstm-attention-B3-T24-C3"]
    /// Parameters whose exact gradient is zero (see the suite's comment).
    static let shiftInvariant: Set<String> = ["attention.2.bias"]

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
            if error > worst { worst = error; worstIndex = index }
        }
        #expect(worst <= tolerance, "\(what): worst relative error \(worst) at index \(worstIndex)", sourceLocation: sourceLocation)
    }

    func check<Scalar: TensorScalar>(_ fixtureName: String, as scalar: Scalar.Type, threads: Int = 1) throws {
        let fixture = try Self.load(fixtureName)
        let modelName = try #require(fixture.metadata["model"])
        let batch = try #require(Int(fixture.metadata["B"] ?? "")), time = try #require(Int(fixture.metadata["T"] ?? ""))
        let channels = try #require(Int(fixture.metadata["C"] ?? ""))
        let model: SequentialClassifier<Scalar> = try ModelCatalog.make(modelName, inputChannels: channels, as: Scalar.self)
        model.threads = threads
        for spec in model.parameters.layout.specs {
            try model.parameters.setTensor(named: spec.name, to: try fixture.doubles("param.\(spec.name)").map { Scalar($0) })
        }
        let parameterNames = Set(model.parameters.layout.specs.map(\.name))
        let fixtureNames = Set(fixture.names.filter { $0.hasPrefix("param.") }.map { String($0.dropFirst(6)) })
        #expect(parameterNames == fixtureNames, "state_dict names differ from the reference")

        let x = try fixture.doubles("input.x").map { Scalar($0) }
        let y = try fixture.doubles("input.y").map { Scalar($0) }
        let logits = try model.forward(x, batch: batch, time: time, training: true)
        Self.expectClose((0..<batch).map { Double(logits[$0]) }, try fixture.doubles("output.logits"), "\(fixtureName) logits")
        let importance = try #require(model.importance)
        Self.expectClose((0..<(batch * time)).map { Double(importance[$0]) }, try fixture.doubles("output.importance"), "\(fixtureName) importance")
        let loss = BinaryCrossEntropy.loss(logits: logits, targets: y, count: batch)
        Self.expectClose([loss], try fixture.doubles("output.loss"), "\(fixtureName) loss")

        model.parameters.zeroGradients()
        var logitGradient = [Scalar](repeating: 0, count: batch)
        BinaryCrossEntropy.backward(logits: logits, targets: y, addingInto: &logitGradient, count: batch)
        let inputGradient = try #require(model.backward(logitGradient: logitGradient, inputGradient: true))
        let gradientScale = model.parameters.gradients.array.map { abs(Double($0)) }.max() ?? 0
        for spec in model.parameters.layout.specs {
            let ours = model.parameters.gradientTensor(named: spec.name)!.map { Double($0) }
            if Self.shiftInvariant.contains(spec.name) {
                let noise = ours.map(abs).max() ?? 0
                #expect(noise <= 1e-5 * gradientScale, "\(fixtureName) grad.\(spec.name) should be ~0, is \(noise)")
                continue
            }
            Self.expectClose(ours, try fixture.doubles("grad.\(spec.name)"), "\(fixtureName) grad.\(spec.name)")
        }
        Self.expectClose((0..<x.count).map { Double(inputGradient[$0]) }, try fixture.doubles("grad.input.x"), "\(fixtureName) grad.input.x")

        // Three Adam steps on the same batch, starting again from the initial parameters.
        for spec in model.parameters.layout.specs {
            try model.parameters.setTensor(named: spec.name, to: try fixture.doubles("param.\(spec.name)").map { Scalar($0) })
        }
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
        for spec in model.parameters.layout.specs {
            let ours = model.parameters.tensor(named: spec.name)!.map { Double($0) }
            let theirs = try fixture.doubles("adam.\(spec.name)")
            if Self.shiftInvariant.contains(spec.name) {
                for (a, b) in zip(ours, theirs) { #expect(abs(a - b) <= 3 * 1e-3, "\(fixtureName) adam.\(spec.name): \(a) vs \(b)") }
                continue
            }
            Self.expectClose(ours, theirs, "\(fixtureName) adam.\(spec.name)")
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
