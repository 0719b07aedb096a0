import ArgumentParser
import Layers
import Models
import Training

/// The training recipe, shared by `train` and `compare`.
struct RecipeOptions: ParsableArguments {
    @Option(help: "Maximum number of epochs.")
    var epochs = 15

    @Option(help: "Stop after this many epochs without a validation-loss improvement (training loss with --validation-fraction 0; 0: never).")
    var patience = 5

    @Option(help: ArgumentHelp("""
        Share of the training data held out (stratified per class) as the validation set that picks the best epoch \
        and drives --patience. 0: no validation set, train on all of it; the best epoch is then the one with the \
        lowest mean training loss, and --patience counts epochs without a lower training loss.
        """, valueName: "fraction"))
    var validationFraction = 0.15

    @Option(help: "Series per mini-batch.")
    var batchSize = 32

    @Option(help: "Learning rate (the peak rate for --lr-schedule onecycle).")
    var lr = 1e-3

    @Option(help: ArgumentHelp("Optimizer: adam (weight decay as L2), adamw (decoupled weight decay), sgd (momentum 0.9).", valueName: "adam|adamw|sgd"))
    var optimizer = "adam"

    @Option(help: "Weight decay.")
    var weightDecay = 0.0

    @Option(help: ArgumentHelp("Clip the global gradient L2 norm to this value before each update.", valueName: "norm"))
    var clipGradNorm: Double?

    @Option(help: ArgumentHelp("Learning-rate schedule per batch: constant, cosine (to 0), onecycle (warm-up 30 %, then cosine).", valueName: "constant|cosine|onecycle"))
    var lrSchedule = "constant"

    @Option(help: "Threads: 2 runs the two LSTM directions on two cores.")
    var threads = 2

    @Option(help: ConvolutionChoice.help)
    var convolution = ConvolutionChoice.auto

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be a positive number") }
        guard (1...2).contains(threads) else { throw ValidationError("--threads must be 1 or 2") }
        guard patience >= 0 else { throw ValidationError("--patience must be 0 or more") }
        guard OptimizerKind(rawValue: optimizer) != nil else { throw ValidationError("--optimizer must be adam, adamw or sgd, got '\(optimizer)'") }
        guard LearningRateSchedule(rawValue: lrSchedule) != nil else {
            throw ValidationError("--lr-schedule must be constant, cosine or onecycle, got '\(lrSchedule)'")
        }
        if let clipGradNorm, !(clipGradNorm > 0) { throw ValidationError("--clip-grad-norm must be positive") }
    }

    func configuration(seed: UInt64) -> TrainingConfiguration {
        var configuration = TrainingConfiguration()
        configuration.epochs = epochs
        configuration.batchSize = batchSize
        configuration.learningRate = lr
        configuration.optimizer = OptimizerKind(rawValue: optimizer)!
        configuration.weightDecay = weightDecay
        configuration.clipGradientNorm = clipGradNorm
        configuration.schedule = LearningRateSchedule(rawValue: lrSchedule)!
        configuration.patience = patience == 0 ? nil : patience
        configuration.seed = seed
        configuration.threads = threads
        return configuration
    }

    /// Settings lines for reports.
    var settings: [String: String] {
        var lines = ["batch size": "\(batchSize)", "optimizer": "\(optimizer), lr \(lr), \(lrSchedule)",
                     "epochs": "up to \(epochs) (patience \(patience))",
                     "validation": validationFraction == 0 ? "none (best epoch by training loss)" : "\(validationFraction) of the training data"]
        if weightDecay > 0 { lines["weight decay"] = "\(weightDecay)" }
        if let clipGradNorm { lines["gradient clipping"] = "\(clipGradNorm)" }
        if convolution != .auto { lines["convolution"] = convolution.rawValue }
        return lines
    }
}
