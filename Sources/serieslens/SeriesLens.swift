import ArgumentParser

@main
struct SeriesLens: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serieslens",
        abstract: "Train, explain and benchmark small neural networks on time series, on the CPU.",
        discussion: """
            Examples:
              serieslens train                                  # the seed experiment: bilstm-attention on 5000 flat-anomaly series
              serieslens train --epochs 3 --samples 1000 --out runs/quick
              serieslens train --train GunPoint_TRAIN.ts --test GunPoint_TEST.ts --normalize series
              serieslens generate --kind mixed --samples 200 --out data/mixed.ts
              serieslens models
              serieslens bench --models all                     # speed per model (docs/PERFORMANCE.md)
              serieslens profile --model bilstm-attention       # where a training step's time goes
            """,
        subcommands: [TrainCommand.self, EvaluateCommand.self, PredictCommand.self, ExplainCommand.self, CompareCommand.self, GenerateCommand.self, ModelsCommand.self, BenchCommand.self, ProfileCommand.self]
    )
}
