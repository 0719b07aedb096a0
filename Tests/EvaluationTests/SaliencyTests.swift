import Datasets
import Kernels
import Models
import Testing
@testable import Evaluation

/// Input-gradient saliency against central differences of the logit, in Double.
@Suite struct SaliencyTests {
    /// Seeded (B, T, C) inputs in [-2, 2].
    func inputs(count: Int, time: Int, channels: Int, seed: UInt64) -> [Double] {
        var random = SeededRandom(seed: seed)
        return (0..<(count * time * channels)).map { _ in random.uniform(-2, 2) }
    }

    func logit(_ model: SequentialClassifier<Double>, _ series: [Double], time: Int) throws -> Double {
        try series.withUnsafeBufferPointer { try model.forward($0.baseAddress!, batch: 1, time: time, training: false)[0] }
    }

    /// s[n, t] = Σ_c |∂z/∂x · x| with ∂z/∂x from (z(x + ε) − z(x − ε)) / 2ε, ε = 1e-6. Central
    /// differences in Double are accurate to ~ε² · z''' + rounding 1e-16 / ε ≈ 1e-10 here; 1e-6
    /// relative (plus 1e-9 absolute for steps with almost no saliency) leaves ample margin while a
    /// wrong logit, a wrong series or a missing |·| is off by orders of magnitude more.
    /// Every built-in model, so architectures added to the catalog are checked as they land.
    @Test(arguments: ModelCatalog.names, [(3, 12, 2), (2, 9, 1), (5, 8, 3)])
    func matchesCentralDifferences(modelName: String, shape: (Int, Int, Int)) throws {
        let (count, time, channels) = shape
        let model: SequentialClassifier<Double> = try ModelCatalog.make(modelName, inputChannels: channels, length: time, as: Double.self)
        model.initialize(seed: 11)
        let values = inputs(count: count, time: time, channels: channels, seed: 5)
        let maps = try InputGradientSaliency.maps(model: model, values: values, count: count, time: time, batchSize: 2)
        #expect(maps.count == count * time)
        let epsilon = 1e-6
        let stride = time * channels
        for series in 0..<count {
            let original = Array(values[(series * stride)..<((series + 1) * stride)])
            for step in 0..<time {
                var expected = 0.0
                for channel in 0..<channels {
                    var plus = original, minus = original
                    plus[step * channels + channel] += epsilon
                    minus[step * channels + channel] -= epsilon
                    let derivative = (try logit(model, plus, time: time) - logit(model, minus, time: time)) / (2 * epsilon)
                    expected += abs(derivative * original[step * channels + channel])
                }
                let actual = maps[series * time + step]
                #expect(abs(actual - expected) <= 1e-6 * abs(expected) + 1e-9,
                        "\(modelName) B\(count) T\(time) C\(channels) series \(series) step \(step): \(actual) vs \(expected)")
            }
        }
        // The backward pass's parameter gradients were cleared.
        #expect(model.parameters.gradients.array.allSatisfy { $0 == 0 })
    }

    /// Series do not interact: batch size never changes a map.
    @Test func batchSizeDoesNotChangeTheMaps() throws {
        let model: SequentialClassifier<Float> = try ModelCatalog.make("bilstm-attention", inputChannels: 2)
        model.initialize(seed: 2)
        let dataset = SeriesDataset(
            count: 5, length: 9, channels: 2, values: inputs(count: 5, time: 9, channels: 2, seed: 8).map { Float($0) },
            labels: [0, 1, 0, 1, 1], classNames: ["normal", "anomalous"])
        let one = try InputGradientSaliency.maps(model: model, dataset: dataset, batchSize: 1)
        let all = try InputGradientSaliency.maps(model: model, dataset: dataset, batchSize: 5)
        let three = try InputGradientSaliency.maps(model: model, dataset: dataset, batchSize: 3)
        for index in one.indices {
            // Float GEMMs of different batch sizes may sum in a different order: 1e-4 relative.
            #expect(abs(one[index] - all[index]) <= 1e-4 * abs(all[index]) + 1e-7, "index \(index)")
            #expect(abs(three[index] - all[index]) <= 1e-4 * abs(all[index]) + 1e-7, "index \(index)")
        }
        #expect(all.contains { $0 > 0 })
    }
}
