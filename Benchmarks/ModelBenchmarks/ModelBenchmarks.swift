import Benchmark
import Datasets
import Foundation
import Kernels
import Layers
import Models
import Training

/// Per model: one training step (forward, loss, backward, Adam) and batched inference on the seed
/// configuration (B = 32, T = 500, C = 1), with series/s as a custom metric.
let seriesPerSecond = BenchmarkMetric.custom("series/s", polarity: .prefersLarger, useScalingFactor: false)

/// Training steps on the first 32 series for the benchmark's iterations, as series/s.
func measureTrainingSteps(_ benchmark: Benchmark, _ trainer: Trainer, _ dataset: SeriesDataset) throws {
    let indices = Array(0..<32)
    let start = ContinuousClock.now
    for _ in benchmark.scaledIterations {
        blackHole(try trainer.step(on: dataset, indices: indices))
    }
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    benchmark.measurement(seriesPerSecond, Int(32 * Double(benchmark.scaledIterations.count) / seconds))
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, seriesPerSecond, .peakMemoryResident],
        warmupIterations: 2, maxDuration: .seconds(3), maxIterations: 1_000)
    FloatingPointEnvironment.enableFlushToZero()

    var synthetic = SyntheticConfiguration()
    synthetic.count = 256
    synthetic.seed = 1
    let dataset = try! synthetic.generate()

    for name in ModelCatalog.names {
        for threads in [1, 2] {
            Benchmark("train-step/\(name)/B32-T500/threads\(threads)") { benchmark in
                let model: SequentialClassifier<Float> = try ModelCatalog.make(name, inputChannels: 1)
                model.initialize(seed: 1)
                var configuration = TrainingConfiguration()
                configuration.threads = threads
                let trainer = Trainer(model: model, configuration: configuration)
                try measureTrainingSteps(benchmark, trainer, dataset)
            }
        }
        Benchmark("inference/\(name)/B256-T500") { benchmark in
            let model: SequentialClassifier<Float> = try ModelCatalog.make(name, inputChannels: 1)
            model.initialize(seed: 1)
            model.threads = 2
            let predictor = Predictor(model: model, batchSize: 256)
            let start = ContinuousClock.now
            for _ in benchmark.scaledIterations {
                blackHole(try predictor.predict(dataset).probabilities)
            }
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            benchmark.measurement(seriesPerSecond, Int(256 * Double(benchmark.scaledIterations.count) / seconds))
        }
    }
    // posenc-attention's Transformer block three ways: the embedding folded in with the low-rank
    // attention core (the default), folded with Q, K and V projected for the general core, and
    // the three layers unfolded: one training step on one thread.
    for variant in ["low-rank", "projected", "unfolded"] {
        Benchmark("train-step/posenc-attention/\(variant)/B32-T500/threads1") { benchmark in
            let model: SequentialClassifier<Float> = try ModelCatalog.make("posenc-attention", inputChannels: 1)
            model.initialize(seed: 1)
            model.foldsEmbeddingIntoEncoder = variant != "unfolded"
            for case let encoder as TransformerEncoderLayer<Float> in model.layers { encoder.embedding?.usesLowRankAttention = variant == "low-rank" }
            let trainer = Trainer(model: model, configuration: TrainingConfiguration())
            try measureTrainingSteps(benchmark, trainer, dataset)
        }
    }
}
