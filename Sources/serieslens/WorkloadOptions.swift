import ArgumentParser
import Layers

extension ConvolutionChoice: ExpressibleByArgument {
    static let help = ArgumentHelp(
        "Convolution algorithm for conv1d layers whose definition names none: auto (Winograd F(4, K) for kernels of 3 and 5 over ≥ 8 channels, else direct), direct (sums in the definition's order), winograd (any kernel up to 7: F(4, K), F(3, 6), F(2, 7)).",
        valueName: "auto|direct|winograd")
}

/// The workload options `bench` and `profile` share: the synthetic series, the batch, the threads
/// and the output form.
struct WorkloadOptions: ParsableArguments {
    @Option(help: "Series length T.")
    var length = 500

    @Option(help: "Series per mini-batch (training and inference).")
    var batchSize = 32

    @Option(help: "Threads, 1 or 2: 2 runs the two LSTM directions on two cores and splits large products (default: 2 for bench; 1 for profile, whose kernel times are thread-seconds and then add up to the step).")
    var threads: Int?

    @Option(help: "Seed for the data and the initialisation.")
    var seed: UInt64 = 42

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(help: ConvolutionChoice.help)
    var convolution = ConvolutionChoice.auto

    func validate() throws {
        guard length >= 1 else { throw ValidationError("--length must be at least 1") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        if let threads, !(1...2).contains(threads) { throw ValidationError("--threads must be 1 or 2") }
    }
}
