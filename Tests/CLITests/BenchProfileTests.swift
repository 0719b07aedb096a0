import Foundation
import Testing

/// `serieslens bench` and `serieslens profile` through the real binary, at sizes that take a second:
/// the numbers are not judged (timings belong in benchmarks), their presence and consistency are.
@Suite(.serialized) struct BenchProfileTests {
    @Test func benchMeasuresEachModelInItsOwnProcess() throws {
        let directory = CLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let report = directory.appendingPathComponent("bench.json")
        let result = try CLITests.run([
            "bench", "--models", "ffn,bilstm-attention", "--train-series", "40", "--validation-series", "24",
            "--length", "50", "--batch-size", "8", "--epochs", "2", "--inference-seconds", "0.05", "--json", "--out", report.path,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(try Data(contentsOf: report) == Data(result.stdout.dropLast().utf8), "--out holds the printed report")
        let configuration = try #require(json["configuration"] as? [String: Int])
        #expect(configuration == ["trainSeries": 40, "validationSeries": 24, "batchSize": 8, "length": 50])
        #expect((json["kernelWidth"] as? String)?.contains("lanes") == true, "the C kernels' width in \(json.keys.sorted())")
        let models = try #require(json["models"] as? [[String: Any]])
        #expect(models.map { $0["model"] as? String } == ["ffn", "bilstm-attention"])
        for model in models {
            for key in ["secondsPerEpoch", "trainingSeriesPerSecond", "inferenceSeriesPerSecond", "gigaflopsPerSecond"] {
                let value = try #require(model[key] as? Double, "\(key) in \(model)")
                #expect(value > 0 && value.isFinite, "\(key) = \(value)")
            }
            #expect((model["epochSeconds"] as? [Double])?.count == 2)
            #expect((model["peakMemoryBytes"] as? Int ?? 0) > 1_000_000)
        }
        #expect(models[1]["parameters"] as? Int == 13250)
    }

    @Test func convolutionChoiceIsAnOptionOfBenchProfileAndTrain() throws {
        let profile = try CLITests.run(["profile", "--model", "cnn", "--steps", "2", "--length", "40", "--batch-size", "4", "--convolution", "direct"])
        #expect(profile.status == 0, "\(profile.stderr)")
        #expect(profile.stdout.contains("convolution padding and weight layout") && !profile.stdout.contains("winograd transforms"))
        #expect(profile.stdout.contains("Conv1D, direct") && !profile.stdout.contains("Conv1D, winograd"))
        let automatic = try CLITests.run(["profile", "--model", "cnn", "--steps", "2", "--length", "40", "--batch-size", "4"])
        #expect(automatic.status == 0 && automatic.stdout.contains("winograd transforms"), "\(automatic.stderr)")
        // The first layer (one channel, K 7) stays direct; the two wide ones take F(4, K).
        for kind in ["Conv1D, direct", "Conv1D, winograd F(4, 5)", "Conv1D, winograd F(4, 3)"] {
            #expect(automatic.stdout.contains(kind), "\(kind) in \(automatic.stdout)")
        }
        for command in [["profile", "--model", "cnn"], ["bench", "--models", "cnn"], ["train", "--model", "cnn"]] {
            let result = try CLITests.run(command + ["--convolution", "fft"])
            #expect(result.status != 0)
            #expect(result.stderr.contains("--convolution") && result.stderr.contains("fft"), "\(command[0]): \(result.stderr)")
        }
    }

    @Test func benchRejectsAnUnknownModelInOneLine() throws {
        let result = try CLITests.run(["bench", "--models", "ffn,nope"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: --models: unknown model 'nope'") && result.stderr.filter { $0 == "\n" }.count == 1,
                "\(result.stderr)")
    }

    @Test func profileBreaksTheStepDownByLayerAndKernel() throws {
        let result = try CLITests.run([
            "profile", "--model", "bilstm-attention", "--steps", "2", "--batch-size", "4", "--length", "40", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let layers = try #require(json["layers"] as? [[String: Any]])
        #expect(layers.map { $0["kind"] as? String } == ["LSTM", "AdditiveAttention", "Dense"])
        let kernels = try #require(json["kernels"] as? [[String: Any]])
        let names = Set(kernels.compactMap { $0["kernel"] as? String })
        for expected in ["lstm step forward (gate product + cell)", "lstm step backward (recurrent product + cell)",
                         "gemm (register-blocked, Aᵀ·B: weight gradients)", "softmax"] {
            #expect(names.contains(expected), "\(expected) missing from \(names)")
        }
        // One thread: layers plus the rest make up the step, and kernels fit inside the layers.
        let step = try #require(json["stepMilliseconds"] as? Double)
        let forward = try #require(json["forwardMilliseconds"] as? Double), backward = try #require(json["backwardMilliseconds"] as? Double)
        let outside = try #require(json["outsideLayersMilliseconds"] as? Double)
        #expect(abs(forward + backward + outside - step) < 1e-6 * max(step, 1))
        let kernelTime = kernels.reduce(0.0) { $0 + ($1["millisecondsPerStep"] as? Double ?? 0) }
        #expect(kernelTime > 0 && kernelTime <= forward + backward + 1e-9)
        // 40 steps × 2 directions per training step, each one fused call for all 4 series.
        let cell = try #require(kernels.first { $0["kernel"] as? String == "lstm step forward (gate product + cell)" })
        #expect(cell["callsPerStep"] as? Double == 80)
        #expect(cell["rateUnit"] as? String == "GFLOP/s" && (cell["rate"] as? Double ?? 0) > 0, "the fused step is rated by its product's FLOPs")
        let peak = try #require(json["singleCorePeakGigaflops"] as? Double)
        #expect(peak > 1)
        // The report says which tiles ran: sixteen lanes exactly when the CPU (and so the build) has AVX-512.
        let width = try #require(json["kernelWidth"] as? String)
        let cpuHasAVX512 = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.contains("avx512f") ?? false
        #expect(cpuHasAVX512 ? width == "16 lanes (AVX-512)" : width.hasPrefix("8 lanes"), "kernel width \(width)")
    }

    @Test func profileTableNamesTheKernels() throws {
        let result = try CLITests.run(["profile", "--model", "cnn", "--steps", "1", "--batch-size", "2", "--length", "30"])
        #expect(result.status == 0, "\(result.stderr)")
        for expected in ["Conv1D", "BatchNorm1D", "convolution padding and weight layout", "of peak", "matrix products"] {
            #expect(result.stdout.contains(expected), "\(expected) missing:\n\(result.stdout)")
        }
    }
}
