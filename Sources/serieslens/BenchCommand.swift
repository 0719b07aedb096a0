import ArgumentParser
import Datasets
import Foundation
import Kernels
import Layers
import Models
import Training

/// What `serieslens bench` measures for one model (the JSON `Benchmarks/side_by_side.py` joins with
/// `Benchmarks/pytorch_bench.py`'s, field for field).
struct BenchRecord: Codable {
    var model: String
    var parameters: Int
    /// Median over the timed epochs: training over the training series plus the validation pass.
    var secondsPerEpoch: Double
    var epochSeconds: [Double]
    var trainingSeriesPerSecond: Double
    var inferenceSeriesPerSecond: Double
    /// Training counted as 3× the forward FLOPs (backward ≈ 2× forward), validation as 1×.
    var gigaflopsPerSecond: Double
    /// The whole process's peak resident memory (each model runs in its own process).
    var peakMemoryBytes: Int
}

struct BenchConfiguration: Codable, Equatable {
    var trainSeries: Int
    var validationSeries: Int
    var batchSize: Int
    var length: Int
}

struct BenchReport: Codable {
    var framework: String
    var threads: Int
    var blasCore: String
    /// The C kernels' vector width in this build: "16 lanes (AVX-512)" or "8 lanes (AVX2)".
    var kernelWidth: String
    var configuration: BenchConfiguration
    var models: [BenchRecord]
}

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time training and inference per model on the seed configuration.",
        discussion: """
            Per model: seconds per epoch (training over the training series in mini-batches with
            Adam, then a forward pass over the validation series, as `train` does), training and
            inference series/s, achieved GFLOP/s, and peak memory. Each model runs in a fresh child
            process so its peak memory is its own; one untimed training step and one inference
            batch come first, as in Benchmarks/pytorch_bench.py. Data: the seed's synthetic flat
            anomalies. Use a release build (make build). For PyTorch beside it, in one run:
            Benchmarks/side_by_side.py (docs/PERFORMANCE.md).

            Examples:
              serieslens bench
              serieslens bench --models bilstm-attention,cnn --epochs 2
              serieslens bench --models bilstm-attention --length 2000 --json
            """)

    @OptionGroup(title: "Workload")
    var workload: WorkloadOptions

    @Option(help: ArgumentHelp("Models, comma-separated, or all.", valueName: "all|a,b"))
    var models = "all"

    @Option(help: ArgumentHelp("Folder of model definitions (*.json); repeatable.", valueName: "dir"))
    var plugins: [String] = []

    @Option(help: "Timed epochs per model (the median is reported).")
    var epochs = 1

    @Option(help: "Training series per epoch.")
    var trainSeries = 3500

    @Option(help: "Validation series per epoch.")
    var validationSeries = 750

    @Option(help: "Minimum seconds of repeated inference to time.")
    var inferenceSeconds = 1.0

    @Option(help: ArgumentHelp("Also write the JSON report to FILE (atomically).", valueName: "file"))
    var out: String?

    @Option(help: .hidden)
    var single: String?

    var threads: Int { workload.threads ?? 2 }

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        guard trainSeries >= 1, validationSeries >= 1 else { throw ValidationError("--train-series and --validation-series must be at least 1") }
        guard inferenceSeconds > 0 else { throw ValidationError("--inference-seconds must be positive") }
    }

    var benchConfiguration: BenchConfiguration {
        BenchConfiguration(trainSeries: trainSeries, validationSeries: validationSeries, batchSize: workload.batchSize, length: workload.length)
    }

    func run() throws {
        do {
            if let single {
                let record = try measure(single)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(record), as: UTF8.self))
                return
            }
            let names = try modelNames()
            var records: [BenchRecord] = []
            for name in names {
                if !workload.json { print("measuring \(name)…"); fflush(nil) }
                records.append(try runChild(name))
            }
            let report = BenchReport(
                framework: "serieslens", threads: threads, blasCore: BLASThreads.coreName,
                kernelWidth: CompiledVectorFeatures.current.kernelWidthDescription,
                configuration: benchConfiguration, models: records)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try encoder.encode(report)
            if let out { try AtomicFile.write(data, to: URL(fileURLWithPath: out)) }
            if workload.json {
                print(String(decoding: data, as: UTF8.self))
            } else {
                printTable(report)
            }
        } catch let exit as ExitCode { throw exit } catch { throw reportFailure(error) }
    }

    private func modelNames() throws -> [String] {
        let registry = try ModelRegistry(pluginDirectories: plugins + ModelRegistry.environmentPluginDirectories())
        if models == "all" { return ModelCatalog.names }
        let names = models.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        for name in names where !registry.names.contains(name) {
            throw ValidationError("--models: unknown model '\(name)' (models: \(registry.names.joined(separator: ", ")))")
        }
        return names
    }

    /// Runs this command for one model in a child process, so its peak memory is its own.
    private func runChild(_ name: String) throws -> BenchRecord {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        var arguments = ["bench", "--single", name, "--epochs", "\(epochs)", "--length", "\(workload.length)",
                         "--train-series", "\(trainSeries)", "--validation-series", "\(validationSeries)",
                         "--batch-size", "\(workload.batchSize)", "--threads", "\(threads)", "--seed", "\(workload.seed)",
                         "--inference-seconds", "\(inferenceSeconds)", "--convolution", workload.convolution.rawValue]
        for directory in plugins { arguments += ["--plugins", directory] }
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("bench of \(name) failed (exit \(process.terminationStatus))")
        }
        guard let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
              let record = try? JSONDecoder().decode(BenchRecord.self, from: Data(line.utf8)) else {
            throw ValidationError("bench of \(name) printed no result")
        }
        return record
    }

    /// Times one model in this process.
    private func measure(_ name: String) throws -> BenchRecord {
        FloatingPointEnvironment.enableFlushToZero()
        var synthetic = SyntheticConfiguration()
        synthetic.count = trainSeries + validationSeries
        synthetic.length = workload.length
        synthetic.seed = workload.seed
        let data = try synthetic.generate()
        let training = data.subset(Array(0..<trainSeries))
        let validation = data.subset(Array(trainSeries..<data.count))
        let model: SequentialClassifier<Float> = try ModelCatalog.make(
            name, inputChannels: data.channels, classCount: 2, length: workload.length,
            pluginDirectories: plugins + ModelRegistry.environmentPluginDirectories(), convolution: workload.convolution)
        model.initialize(seed: workload.seed)
        var configuration = TrainingConfiguration()
        configuration.epochs = epochs
        configuration.batchSize = workload.batchSize
        configuration.patience = nil
        configuration.seed = workload.seed
        configuration.threads = threads
        let trainer = Trainer(model: model, configuration: configuration)
        let predictor = Predictor(model: model, batchSize: workload.batchSize)
        // Warm-up: first-touch allocation of every workspace and the optimizer state.
        _ = try trainer.step(on: training, indices: Array(0..<min(workload.batchSize, training.count)))
        try predictor.forEachBatch(of: validation.subset(Array(0..<min(workload.batchSize, validation.count)))) { _, _ in }

        var trainingSeconds: [Double] = []
        let result = try trainer.train(training: training, validation: validation, onBatch: { progress in
            if progress.batch == progress.batches {
                trainingSeconds.append(Double(training.count) / progress.seriesPerSecond)
            }
        })
        let epochSeconds = result.history.map(\.seconds)

        var inferred = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        while elapsed < inferenceSeconds {
            try predictor.forEachBatch(of: validation) { indices, _ in inferred += indices.count }
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }

        let perEpoch = median(epochSeconds)
        let forwardFLOPs = Double(try model.forwardFLOPs(time: workload.length))
        let epochFLOPs = forwardFLOPs * (3 * Double(training.count) + Double(validation.count))
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return BenchRecord(
            model: name, parameters: model.parameters.count, secondsPerEpoch: perEpoch, epochSeconds: epochSeconds,
            trainingSeriesPerSecond: Double(training.count) / median(trainingSeconds),
            inferenceSeriesPerSecond: Double(inferred) / elapsed,
            gigaflopsPerSecond: epochFLOPs / perEpoch / 1e9, peakMemoryBytes: Int(usage.ru_maxrss) * 1024)
    }

    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    private func printTable(_ report: BenchReport) {
        print("seed configuration: \(trainSeries) training + \(validationSeries) validation series per epoch, B=\(workload.batchSize), T=\(workload.length), \(threads) thread(s), BLAS core \(report.blasCore), C kernels \(report.kernelWidth)")
        let header = ["model", "parameters", "s/epoch", "train series/s", "inference series/s", "GFLOP/s", "peak memory"]
        let rows = report.models.map { record in
            [record.model, "\(record.parameters)", String(format: "%.3f", record.secondsPerEpoch),
             String(format: "%.0f", record.trainingSeriesPerSecond), String(format: "%.0f", record.inferenceSeriesPerSecond),
             String(format: "%.1f", record.gigaflopsPerSecond), String(format: "%.0f MiB", Double(record.peakMemoryBytes) / 1_048_576)]
        }
        printAligned(header: header, rows: rows)
    }
}

/// Prints rows under a header, first column left-aligned, the rest right-aligned.
func printAligned(header: [String], rows: [[String]]) {
    let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
    for row in [header] + rows {
        let cells = row.enumerated().map { column, cell in
            let padding = String(repeating: " ", count: widths[column] - cell.count)
            return column == 0 ? cell + padding : padding + cell
        }
        print(cells.joined(separator: "  "))
    }
}
