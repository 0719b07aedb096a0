import ArgumentParser
import Datasets
import Foundation
import Kernels
import Layers
import Models
import Training

struct ProfileLayer: Codable {
    var name: String
    var kind: String
    var forwardMilliseconds: Double
    var backwardMilliseconds: Double
    var forwardGFLOP: Double
    var forwardGigaflopsPerSecond: Double
}

struct ProfileKernel: Codable {
    var kernel: String
    var callsPerStep: Double
    var millisecondsPerStep: Double
    var shareOfStep: Double
    /// GFLOP/s for matrix products, millions of elements per second for the rest.
    var rate: Double
    var rateUnit: String
    var fractionOfPeak: Double?
}

struct ProfileReport: Codable {
    var model: String
    var steps: Int
    var batchSize: Int
    var length: Int
    var threads: Int
    var singleCorePeakGigaflops: Double
    /// The C kernels' vector width in this build: "16 lanes (AVX-512)" or "8 lanes (AVX2)".
    var kernelWidth: String
    var stepMilliseconds: Double
    var forwardMilliseconds: Double
    var backwardMilliseconds: Double
    /// Loss, optimizer update and batch copy: the step outside the model's layers.
    var outsideLayersMilliseconds: Double
    var stepGigaflopsPerSecond: Double
    var inferenceMillisecondsPerBatch: Double
    var layers: [ProfileLayer]
    var kernels: [ProfileKernel]
    /// Layer time spent outside any kernel call (copies, transposes, small loops inside layers).
    var outsideKernelsMilliseconds: Double
}

struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Time per layer and per kernel of a model's training step, with FLOPs and GFLOP/s.",
        discussion: """
            Runs training steps (forward, loss, backward, Adam) on batches of the seed's synthetic
            series and reports, per step: each layer's forward and backward time and forward
            GFLOP/s; each kernel's calls, time, share and rate (GFLOP/s for matrix products, with
            the fraction of this machine's single-core FP32 peak, measured first; Melem/s for
            element-wise kernels); and the time outside kernels. Kernel times are summed over
            threads, so the default is one thread, where the rows add up to the step.
            Convolutions name their algorithm (direct, or Winograd's F(m, K)); a layer's FLOPs
            are those of the direct convolution, which Winograd computes with fewer, so its
            layer rate can pass the peak while its kernels' rates cannot. Likewise layers folded
            into a later one are listed "in" it with no time of their own, and a Transformer
            block that took in its embedding (posenc-attention) is rated by the FLOPs of the
            unfolded layers, some of which it no longer needs.

            Examples:
              serieslens profile --model bilstm-attention
              serieslens profile --model cnn --steps 20 --json
              serieslens profile --model cnn --convolution direct
              serieslens profile --model bilstm-attention --threads 2
            """)

    @Option(help: ArgumentHelp("Model: a name from `serieslens models` or a definition file (.json).", valueName: "name|file"))
    var model = "bilstm-attention"

    @Option(help: ArgumentHelp("Folder of model definitions (*.json); repeatable.", valueName: "dir"))
    var plugins: [String] = []

    @OptionGroup(title: "Workload")
    var workload: WorkloadOptions

    @Option(help: "Timed training steps (after two untimed ones).")
    var steps = 10

    var threads: Int { workload.threads ?? 1 }

    func validate() throws {
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1") }
    }

    func run() throws {
        do {
            let report = try profile()
            if workload.json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                printReport(report)
            }
        } catch let exit as ExitCode { throw exit } catch { throw reportFailure(error) }
    }

    private func profile() throws -> ProfileReport {
        FloatingPointEnvironment.enableFlushToZero()
        let peak = PeakThroughput.singleCoreGigaflops()
        var synthetic = SyntheticConfiguration()
        synthetic.count = workload.batchSize * 2
        synthetic.length = workload.length
        synthetic.seed = workload.seed
        let data = try synthetic.generate()
        let classifier: SequentialClassifier<Float> = try ModelCatalog.make(
            model, inputChannels: data.channels, classCount: 2, length: workload.length,
            pluginDirectories: plugins + ModelRegistry.environmentPluginDirectories(), convolution: workload.convolution)
        classifier.initialize(seed: workload.seed)
        var configuration = TrainingConfiguration()
        configuration.batchSize = workload.batchSize
        configuration.threads = threads
        let trainer = Trainer(model: classifier, configuration: configuration)
        let batches = [Array(0..<workload.batchSize), Array(workload.batchSize..<2 * workload.batchSize)]
        for batch in batches { _ = try trainer.step(on: data, indices: batch) }

        let timings = LayerTimings(layers: classifier.layers.count)
        classifier.layerTimings = timings
        KernelProfiler.start()
        let start = DispatchTime.now().uptimeNanoseconds
        for step in 0..<steps { _ = try trainer.step(on: data, indices: batches[step % 2]) }
        let stepNanoseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / Double(steps)
        KernelProfiler.stop()
        classifier.layerTimings = nil
        let kernelTotals = KernelProfiler.totals

        let inferenceStart = DispatchTime.now().uptimeNanoseconds
        let firstBatch = data.subset(batches[0])
        let predictor = Predictor(model: classifier, batchSize: workload.batchSize)
        for _ in 0..<steps { try predictor.forEachBatch(of: firstBatch) { _, _ in } }
        let inferenceMilliseconds = Double(DispatchTime.now().uptimeNanoseconds - inferenceStart) / 1e6 / Double(steps)

        let shapes = try classifier.shapes(time: workload.length)
        let perStep = { (nanoseconds: UInt64) in Double(nanoseconds) / 1e6 / Double(steps) }
        let layers = classifier.layers.enumerated().map { index, layer in
            let flops = Double(layer.forwardFLOPs(for: shapes[index]) * workload.batchSize)
            let forward = perStep(timings.forwardNanoseconds[index])
            var kind = String(describing: type(of: layer)).replacingOccurrences(of: "<Float>", with: "")
            if classifier.isFoldedIntoPrevious(index) { kind += " (in \(classifier.layers[index - 1].name))" }
            if let target = classifier.foldedInto(index) { kind += " (in \(classifier.layers[target].name))" }
            if let convolution = layer as? Conv1D<Float> { kind += ", \(convolution.algorithmDescription)" }
            return ProfileLayer(
                name: layer.name, kind: kind,
                forwardMilliseconds: forward, backwardMilliseconds: perStep(timings.backwardNanoseconds[index]),
                forwardGFLOP: flops / 1e9, forwardGigaflopsPerSecond: forward > 0 ? flops / (forward * 1e6) : 0)
        }
        let stepMilliseconds = stepNanoseconds / 1e6
        let kernels = KernelProfiler.Kernel.allCases.compactMap { kernel -> ProfileKernel? in
            guard let totals = kernelTotals[kernel], totals.calls > 0 else { return nil }
            let milliseconds = perStep(totals.nanoseconds)
            let seconds = Double(totals.nanoseconds) / 1e9
            let rate = kernel.isMatrixProduct ? Double(totals.work) / seconds / 1e9 : Double(totals.work) / seconds / 1e6
            return ProfileKernel(
                kernel: kernel.rawValue, callsPerStep: Double(totals.calls) / Double(steps), millisecondsPerStep: milliseconds,
                shareOfStep: milliseconds / stepMilliseconds, rate: rate, rateUnit: kernel.isMatrixProduct ? "GFLOP/s" : "Melem/s",
                fractionOfPeak: kernel.isMatrixProduct ? rate / peak : nil)
        }.sorted { $0.millisecondsPerStep > $1.millisecondsPerStep }
        let forward = layers.reduce(0) { $0 + $1.forwardMilliseconds }
        let backward = layers.reduce(0) { $0 + $1.backwardMilliseconds }
        let forwardGFLOP = layers.reduce(0) { $0 + $1.forwardGFLOP }
        return ProfileReport(
            model: model, steps: steps, batchSize: workload.batchSize, length: workload.length, threads: threads, singleCorePeakGigaflops: peak,
            kernelWidth: CompiledVectorFeatures.current.kernelWidthDescription,
            stepMilliseconds: stepMilliseconds, forwardMilliseconds: forward, backwardMilliseconds: backward,
            outsideLayersMilliseconds: stepMilliseconds - forward - backward,
            stepGigaflopsPerSecond: 3 * forwardGFLOP / (stepMilliseconds / 1e3),
            inferenceMillisecondsPerBatch: inferenceMilliseconds, layers: layers, kernels: kernels,
            outsideKernelsMilliseconds: forward + backward - kernels.reduce(0) { $0 + $1.millisecondsPerStep })
    }

    private func printReport(_ report: ProfileReport) {
        let ms = { (value: Double) in String(format: "%.2f", value) }
        let percent = { (value: Double) in String(format: "%.1f %%", value * 100) }
        print("\(report.model): \(report.steps) training steps of B=\(report.batchSize), T=\(report.length), \(report.threads) thread(s); "
              + String(format: "single-core FP32 peak %.1f GFLOP/s (measured)", report.singleCorePeakGigaflops)
              + "; C kernels \(report.kernelWidth)")
        print(String(format: "step %.2f ms = forward %.2f + backward %.2f + loss/optimizer/batch copy %.2f; %.1f GFLOP/s (backward counted as 2× forward)",
                     report.stepMilliseconds, report.forwardMilliseconds, report.backwardMilliseconds,
                     report.outsideLayersMilliseconds, report.stepGigaflopsPerSecond))
        print(String(format: "inference %.2f ms per batch = %.0f series/s", report.inferenceMillisecondsPerBatch,
                     Double(report.batchSize) / report.inferenceMillisecondsPerBatch * 1e3))
        print("")
        printAligned(
            header: ["layer", "kind", "forward ms", "backward ms", "share", "forward GFLOP", "forward GFLOP/s"],
            rows: report.layers.map { layer in
                [layer.name, layer.kind, ms(layer.forwardMilliseconds), ms(layer.backwardMilliseconds),
                 percent((layer.forwardMilliseconds + layer.backwardMilliseconds) / report.stepMilliseconds),
                 String(format: "%.4f", layer.forwardGFLOP), String(format: "%.1f", layer.forwardGigaflopsPerSecond)]
            })
        print("")
        var rows = report.kernels.map { kernel in
            [kernel.kernel, String(format: "%.0f", kernel.callsPerStep), ms(kernel.millisecondsPerStep), percent(kernel.shareOfStep),
             String(format: "%.1f %@", kernel.rate, kernel.rateUnit), kernel.fractionOfPeak.map(percent) ?? ""]
        }
        rows.append(["inside layers, outside kernels", "", ms(report.outsideKernelsMilliseconds),
                     percent(report.outsideKernelsMilliseconds / report.stepMilliseconds), "", ""])
        rows.append(["loss, optimizer, batch copy", "", ms(report.outsideLayersMilliseconds),
                     percent(report.outsideLayersMilliseconds / report.stepMilliseconds), "", ""])
        printAligned(header: ["kernel (per step)", "calls", "ms", "share", "rate", "of peak"], rows: rows)
        let matrix = report.kernels.filter { $0.rateUnit == "GFLOP/s" }.reduce(0) { $0 + $1.shareOfStep }
        let elementwise = report.kernels.filter { $0.rateUnit != "GFLOP/s" }.reduce(0) { $0 + $1.shareOfStep }
        print("")
        print("matrix products \(percent(matrix)) of the step, element-wise kernels \(percent(elementwise))")
    }
}
