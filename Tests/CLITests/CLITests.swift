import Foundation
import Testing

/// Runs the real `serieslens` binary built beside the test bundle.
@Suite(.serialized) struct CLITests {
    static var binary: URL {
        get throws {
            var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            for _ in 0..<4 {
                let candidate = directory.appendingPathComponent("serieslens")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
                directory = directory.deletingLastPathComponent()
            }
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "serieslens next to \(CommandLine.arguments[0])"])
        }
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = try binary
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("serieslens-cli-\(UUID().uuidString)")
    }

    @Test func trainWritesCheckpointHistoryAndMetrics() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Self.run(["train", "--epochs", "2", "--samples", "80", "--length", "30", "--out", directory.path])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("epoch   1/2"))
        #expect(result.stdout.contains("ROC-AUC") || result.stdout.contains("roc"), "metrics table missing: \(result.stdout)")
        for file in ["model.safetensors", "last.safetensors", "history.csv", "history.json", "metrics.json", "report.html", "figures/loss.svg"] {
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path), "\(file) missing")
        }
        let csv = try String(contentsOf: directory.appendingPathComponent("history.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 3)
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("metrics.json")))
        #expect(metrics is [String: Any])
    }

    @Test func trainsFromUCRFiles() throws {
        let fixtures = Self.gunPointFixtures
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Self.run([
            "train", "--train", fixtures.appendingPathComponent("GunPoint_TRAIN.ts").path,
            "--test", fixtures.appendingPathComponent("GunPoint_TEST.ts").path,
            "--normalize", "series", "--epochs", "1", "--out", directory.path,
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("test set (150 series)"), "\(result.stdout)")
    }

    static var gunPointFixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("DatasetsTests/Fixtures/ucr/GunPoint")
    }

    /// --threshold validation-f1: the cut chosen on the validation set scores the test set, is stored in
    /// the checkpoint, and evaluate uses it by default; without a validation set it is refused up front.
    @Test func thresholdChosenOnValidation() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let common = ["train", "--model", "ffn", "--samples", "300", "--length", "40", "--epochs", "3", "--seed", "3"]
        let result = try Self.run(common + ["--threshold", "validation-f1", "--out", directory.path])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("F1-maximising on the 46 validation series"), "\(result.stdout)")
        func threshold(_ url: URL) throws -> Double? {
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
            return (json?["binary"] as? [String: Any])?["threshold"] as? Double
        }
        let trained = try #require(try threshold(directory.appendingPathComponent("metrics.json")))
        #expect(trained > 0 && trained < 1)
        let evaluatedJSON = directory.appendingPathComponent("evaluated.json")
        let evaluated = try Self.run(["evaluate", "--checkpoint", directory.appendingPathComponent("model.safetensors").path,
                                      "--samples", "60", "--length", "40", "--json", evaluatedJSON.path])
        #expect(evaluated.status == 0, "stderr: \(evaluated.stderr)")
        #expect(try threshold(evaluatedJSON) == trained)
        let refused = try Self.run(common + ["--threshold", "validation-f1", "--validation-fraction", "0", "--out", directory.path + "-none"])
        #expect(refused.status == 1 && refused.stderr.contains("needs a validation set") && !refused.stdout.contains("epoch "),
                "\(refused.stdout) \(refused.stderr)")
        let bad = try Self.run(common + ["--threshold", "1.5"])
        #expect(bad.status != 0 && bad.stderr.contains("--threshold must be a number in [0, 1] or validation-f1"), "\(bad.stderr)")
    }

    /// --validation-fraction 0: all 50 training series are trained on, the epoch with the lowest
    /// training loss is kept, and the files say so without a validation column or a NaN.
    @Test func trainsWithoutValidationSet() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Self.run([
            "train", "--model", "cnn", "--train", Self.gunPointFixtures.appendingPathComponent("GunPoint_TRAIN.ts").path,
            "--test", Self.gunPointFixtures.appendingPathComponent("GunPoint_TEST.ts").path, "--normalize", "series",
            "--validation-fraction", "0", "--epochs", "3", "--batch-size", "16", "--out", directory.path,
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("train 50, validation none"), "\(result.stdout)")
        #expect(result.stdout.contains("best epoch ") && result.stdout.contains("(train loss "), "\(result.stdout)")
        #expect(!result.stdout.contains("val loss"), "\(result.stdout)")
        for file in ["model.safetensors", "last.safetensors", "history.csv", "history.json", "metrics.json", "report.html", "figures/loss.svg"] {
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path), "\(file) missing")
        }
        let csv = try String(contentsOf: directory.appendingPathComponent("history.csv"), encoding: .utf8).split(separator: "\n")
        #expect(csv.first == "epoch,train_loss,seconds,series_per_second,learning_rate" && csv.count == 4, "\(csv)")
        let history = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("history.json"))) as? [[String: Any]])
        #expect(history.count == 3 && history.allSatisfy { $0["validationLoss"] == nil && $0["trainLoss"] is Double })
        for file in ["metrics.json", "history.json"] {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            #expect(!text.lowercased().contains("nan") && !text.lowercased().contains("inf"), "\(file): \(text.prefix(400))")
            #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8))) != nil, "\(file) is not JSON")
        }
        let metrics = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("metrics.json"))) as? [String: Any])
        #expect(metrics.description.contains("accuracy"), "\(metrics)")
        let evaluated = try Self.run(["evaluate", "--checkpoint", directory.appendingPathComponent("model.safetensors").path,
                                      "--data", Self.gunPointFixtures.appendingPathComponent("GunPoint_TEST.ts").path])
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
    }

    /// Fractions outside [0, 1), one that leaves no validation series (round(24·0.01) = 0 in both
    /// GunPoint classes), and one that leaves no room for the held-out test share: one line, exit 1.
    @Test(arguments: [
        (["--validation-fraction", "1"], true, "must be at least 0 and below 1, got 1.0"),
        (["--validation-fraction=-0.1"], true, "must be at least 0 and below 1, got -0.1"),
        (["--validation-fraction", "0.01"], true, "--validation-fraction 0.01 leaves no validation series"),
        (["--validation-fraction", "0.9"], false, "must be below 0.85 when 0.15 of the data is also held out"),
    ])
    func invalidValidationFractionIsOneLine(options: [String], withTestFile: Bool, message: String) throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var arguments = ["train", "--model", "cnn", "--train", Self.gunPointFixtures.appendingPathComponent("GunPoint_TRAIN.ts").path,
                         "--epochs", "1", "--out", directory.path] + options
        if withTestFile { arguments += ["--test", Self.gunPointFixtures.appendingPathComponent("GunPoint_TEST.ts").path] }
        let result = try Self.run(arguments)
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: ") && result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.path), "a failed run wrote files")

        let compared = try Self.run(["compare", "--models", "cnn", "--kinds", "flat", "--seeds", "1", "--epochs", "1",
                                     "--samples", "40", "--length", "20", "--out", directory.path, "--validation-fraction=1.5"])
        #expect(compared.status == 1 && compared.stderr.split(separator: "\n").count == 1, "\(compared.stderr)")
        #expect(compared.stderr.contains("--validation-fraction must be at least 0 and below 1, got 1.5"), "\(compared.stderr)")
    }

    @Test func badInputGivesOneLineAndNonZeroExit() throws {
        let missing = try Self.run(["train", "--train", "/nonexistent/data.ts", "--epochs", "1"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("/nonexistent/data.ts"), "\(missing.stderr)")
        #expect(missing.stderr.split(separator: "\n").count == 1, "\(missing.stderr)")

        let model = try Self.run(["train", "--model", "transformer-xl", "--samples", "20", "--length", "10"])
        #expect(model.status != 0)
        #expect(model.stderr.contains("unknown model 'transformer-xl'"), "\(model.stderr)")

        let kind = try Self.run(["train", "--kind", "wobble", "--samples", "20"])
        #expect(kind.status != 0)
        #expect(kind.stderr.contains("wobble"))
    }

    /// `generate` writes each format, and `train` reads it back with the right shape and classes.
    @Test(arguments: [("ts", [String]()), ("csv", ["--label-column", "label"]), ("npy", [String]())])
    func generatedFilesTrain(format: String, readOptions: [String]) throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("set.\(format)").path
        let generated = try Self.run(["generate", "--kind", "mixed", "--samples", "60", "--length", "40", "--channels", format == "csv" ? "sine" : "sine,random-walk", "--seed", "5", "--out", file])
        #expect(generated.status == 0, "stderr: \(generated.stderr)")
        #expect(generated.stdout.contains("wrote 60 series (T=40"), "\(generated.stdout)")
        let trained = try Self.run(["train", "--train", file, "--epochs", "1", "--out", directory.appendingPathComponent("run").path] + readOptions)
        #expect(trained.status == 0, "stderr: \(trained.stderr)")
        // All 60 series arrive, split three ways (stratified 70/15/15).
        let counts = try #require(trained.stdout.firstMatch(of: /train (\d+), validation (\d+), test (\d+)/), "\(trained.stdout)")
        #expect(Int(counts.1)! + Int(counts.2)! + Int(counts.3)! == 60)
        #expect(Int(counts.2)! >= 8 && Int(counts.3)! >= 8)
    }

    @Test func malformedDataFileIsOneLineNamingFileAndLine() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("bad.ts")
        try "@problemName bad\n@univariate true\n@classLabel true a b\n@data\n1,2,3:a\n1,x,3:b\n".write(to: file, atomically: true, encoding: .utf8)
        let result = try Self.run(["train", "--train", file.path, "--epochs", "1"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: \(file.path):6"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    /// Same seed and threads → identical metrics.json, byte for byte.
    @Test func sameSeedSameMetrics() throws {
        let first = Self.temporaryDirectory(), second = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: first); try? FileManager.default.removeItem(at: second) }
        for directory in [first, second] {
            let result = try Self.run(["train", "--epochs", "2", "--samples", "100", "--length", "30", "--seed", "4", "--out", directory.path])
            #expect(result.status == 0, "stderr: \(result.stderr)")
        }
        let a = try Data(contentsOf: first.appendingPathComponent("metrics.json"))
        let b = try Data(contentsOf: second.appendingPathComponent("metrics.json"))
        #expect(a == b)
    }

    /// A run killed mid-training (SIGKILL, at an arbitrary moment) resumes from last.safetensors
    /// and ends with the same metrics.json, to the byte, as the run that was never interrupted —
    /// also without a validation set.
    @Test(arguments: [[String](), ["--validation-fraction", "0"]])
    func killedRunResumesToTheSameMetrics(extraOptions: [String]) throws {
        let reference = Self.temporaryDirectory(), killed = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: reference); try? FileManager.default.removeItem(at: killed) }
        let options = ["--epochs", "6", "--samples", "400", "--length", "60", "--seed", "2", "--patience", "0", "--lr-schedule", "cosine"] + extraOptions
        let complete = try Self.run(["train"] + options + ["--out", reference.path])
        #expect(complete.status == 0, "stderr: \(complete.stderr)")

        let process = Process()
        process.executableURL = try Self.binary
        process.arguments = ["train"] + options + ["--out", killed.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let history = killed.appendingPathComponent("history.csv")
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if let text = try? String(contentsOf: history, encoding: .utf8), text.split(separator: "\n").count >= 3 { break }
            usleep(5_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(!FileManager.default.fileExists(atPath: killed.appendingPathComponent("metrics.json").path), "the run finished before it could be killed")

        let resumed = try Self.run(["train", "--resume", killed.path])
        #expect(resumed.status == 0, "stderr: \(resumed.stderr)")
        #expect(resumed.stdout.contains("resuming"), "\(resumed.stdout)")
        let a = try Data(contentsOf: reference.appendingPathComponent("metrics.json"))
        let b = try Data(contentsOf: killed.appendingPathComponent("metrics.json"))
        #expect(a == b)
        // The losses (not the timings) of every epoch agree too.
        func losses(_ directory: URL) throws -> [String] {
            try String(contentsOf: directory.appendingPathComponent("history.csv"), encoding: .utf8).split(separator: "\n")
                .map { $0.split(separator: ",").prefix(extraOptions.isEmpty ? 3 : 2).joined(separator: ",") }
        }
        #expect(try losses(reference) == losses(killed))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: killed.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty || leftovers.allSatisfy { $0.contains(".tmp-") }, "\(leftovers)")
    }

    @Test func resumeWithoutStateIsOneLine() throws {
        let directory = Self.temporaryDirectory()
        let result = try Self.run(["train", "--resume", directory.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("no last.safetensors"), "\(result.stderr)")
    }

    @Test func evaluateAndPredictUseTheCheckpoint() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let trained = try Self.run(["train", "--epochs", "1", "--samples", "80", "--length", "30", "--normalize", "channel", "--out", directory.path])
        #expect(trained.status == 0, "stderr: \(trained.stderr)")
        let checkpoint = directory.appendingPathComponent("model.safetensors").path
        let json = directory.appendingPathComponent("eval.json").path
        let reportDirectory = directory.appendingPathComponent("evaluation")
        let evaluated = try Self.run(["evaluate", "--checkpoint", checkpoint, "--samples", "50", "--length", "30", "--seed", "9",
                                      "--json", json, "--out", reportDirectory.path])
        #expect(evaluated.status == 0, "stderr: \(evaluated.stderr)")
        #expect(FileManager.default.fileExists(atPath: reportDirectory.appendingPathComponent("report.html").path))
        #expect(evaluated.stdout.contains("50 series") && evaluated.stdout.contains("ROC-AUC"), "\(evaluated.stdout)")
        #expect(FileManager.default.fileExists(atPath: json))

        let csv = directory.appendingPathComponent("preds.csv"), maps = directory.appendingPathComponent("maps.npy")
        let predicted = try Self.run(["predict", "--checkpoint", checkpoint, "--samples", "12", "--length", "30", "--out", csv.path, "--importance", maps.path])
        #expect(predicted.status == 0, "stderr: \(predicted.stderr)")
        let rows = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
        #expect(rows.first == "id,probability,predicted" && rows.count == 13)
        // .npy v1 header (64-byte aligned here) then 12×30 float32.
        let size = try FileManager.default.attributesOfItem(atPath: maps.path)[.size] as! Int
        #expect(size == 128 + 12 * 30 * 4 || size == 64 + 12 * 30 * 4, "npy size \(size)")

        let wrongChannels = try Self.run(["evaluate", "--checkpoint", checkpoint, "--samples", "10", "--channels", "sine,cosine"])
        #expect(wrongChannels.status == 1)
        #expect(wrongChannels.stderr.contains("2 channel(s)") && wrongChannels.stderr.contains(checkpoint), "\(wrongChannels.stderr)")

        let corrupt = directory.appendingPathComponent("corrupt.safetensors")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
        try bytes.prefix(bytes.count - 100).write(to: corrupt)
        let truncated = try Self.run(["evaluate", "--checkpoint", corrupt.path, "--samples", "10"])
        #expect(truncated.status == 1)
        #expect(truncated.stderr.hasPrefix("error: \(corrupt.path): tensor"), "\(truncated.stderr)")
        #expect(truncated.stderr.split(separator: "\n").count == 1)
    }

    @Test func explainScoresEveryKindAndWritesAReport() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let trained = try Self.run(["train", "--epochs", "1", "--samples", "60", "--length", "40", "--out", directory.path])
        #expect(trained.status == 0, "stderr: \(trained.stderr)")
        let checkpoint = directory.appendingPathComponent("model.safetensors").path
        let report = directory.appendingPathComponent("explain")
        let explained = try Self.run(["explain", "--checkpoint", checkpoint, "--samples", "80", "--length", "40",
                                      "--kinds", "flat,zero,noise,spike", "--out", report.path])
        #expect(explained.status == 0, "stderr: \(explained.stderr)")
        for group in ["flat", "zero", "noise", "spike", "all anomalous", "normal", "attention_accuracy"] {
            #expect(explained.stdout.contains(group), "missing \(group) in \(explained.stdout)")
        }
        #expect(FileManager.default.fileExists(atPath: report.appendingPathComponent("report.html").path))
        #expect(FileManager.default.fileExists(atPath: report.appendingPathComponent("explanation.json").path))
        let saliency = try Self.run(["explain", "--checkpoint", checkpoint, "--samples", "20", "--length", "40", "--method", "saliency"])
        #expect(saliency.status == 0 && saliency.stdout.contains("saliency"), "\(saliency.stdout) \(saliency.stderr)")
        let bad = try Self.run(["explain", "--checkpoint", checkpoint, "--kinds", "flat,wobble"])
        #expect(bad.status == 1 && bad.stderr.contains("wobble"))
    }

    /// `compare` over every model and two kinds, then again: the second run reuses every result.
    @Test func compareEveryModelAndResume() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let arguments = ["compare", "--models", "all", "--kinds", "flat,spike", "--seeds", "2", "--epochs", "1",
                         "--samples", "40", "--length", "24", "--out", directory.path]
        let first = try Self.run(arguments)
        #expect(first.status == 0, "stderr: \(first.stderr)")
        for model in ["bilstm-attention", "bilstm-multihead", "posenc-attention", "ffn", "cnn"] {
            #expect(first.stdout.contains("\(model) · spike · seed 2"), "missing \(model) in \(first.stdout)")
        }
        #expect(first.stdout.contains("attention acc.") && first.stdout.contains(" cam "), "\(first.stdout)")
        for file in ["comparison.json", "comparison.csv", "comparison.md", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path), "\(file) missing")
        }
        let csv = try String(contentsOf: directory.appendingPathComponent("comparison.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 1 + 5 * 2 * 2)
        let second = try Self.run(arguments)
        #expect(second.status == 0)
        #expect(second.stdout.components(separatedBy: ": reused ").count - 1 == 20, "\(second.stdout)")
        let table = { (text: String) in text.components(separatedBy: "\nmodel ").last ?? "" }
        #expect(table(first.stdout).split(separator: "\n").first == table(second.stdout).split(separator: "\n").first)
        // Another learning rate must not reuse (and must not overwrite) the runs trained with the first.
        let before = try Data(contentsOf: directory.appendingPathComponent("cnn/flat/seed1/result.json"))
        let changed = try Self.run(arguments + ["--lr", "0.01"])
        #expect(changed.status == 1 && changed.stderr.split(separator: "\n").count == 1, "\(changed.stderr)")
        #expect(changed.stderr.contains("result.json was trained with other settings (optimizer: adam, lr 0.001"), "\(changed.stderr)")
        #expect(try Data(contentsOf: directory.appendingPathComponent("cnn/flat/seed1/result.json")) == before)
    }

    /// A diverging run (plain SGD at lr 10 on the ReLU network overflows in epoch 2) stops with one
    /// line naming the epoch and batch, exit 1, and leaves epoch 1's checkpoint loadable.
    @Test func nonFiniteLossStopsAndKeepsTheBestCheckpoint() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Self.run(["train", "--model", "ffn", "--optimizer", "sgd", "--lr", "10", "--epochs", "6",
                                   "--samples", "200", "--length", "50", "--seed", "1", "--out", directory.path])
        #expect(result.status == 1)
        let line = result.stderr.trimmingCharacters(in: .newlines)
        #expect(!line.contains("\n"))
        #expect(line.hasPrefix("error: training loss became NaN at epoch 2, batch ") && line.contains("(epoch 1) is kept"), "\(line)")
        let evaluated = try Self.run(["evaluate", "--checkpoint", directory.appendingPathComponent("model.safetensors").path,
                                      "--samples", "20", "--length", "50"])
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        #expect(evaluated.stdout.contains("(epoch 1)"), "\(evaluated.stdout)")
    }

    @Test func modelsListsTheBuiltIns() throws {
        let result = try Self.run(["models"])
        #expect(result.status == 0)
        // BiLSTM 2·(4·32·(1+32) + 2·4·32) + attention 64·64+64+64+1 + classifier 64+1
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let seed = try #require(lines.first { $0.hasPrefix("bilstm-attention ") }, "\(result.stdout)")
        #expect(seed.contains(" 13250 ") && seed.contains("attention"), "\(seed)")
        for name in ["bilstm-multihead", "posenc-attention", "ffn", "cnn"] {
            #expect(lines.contains { $0.hasPrefix("\(name) ") }, "\(name) missing: \(result.stdout)")
        }
        #expect(lines.contains { $0.hasPrefix("cnn ") && $0.contains(" cam ") })
        #expect(lines.contains { $0.hasPrefix("ffn ") && $0.contains("no (fixed T)") })
    }

    @Test func modelsReportsAnInvalidPluginInOneLine() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("bad.json")
        try Data(#"{ "name": "bad", "description": "", "layers": [ { "kind": "conv1d", "name": "c", "channels": 8 } ] }"#.utf8).write(to: file)
        let result = try Self.run(["models", "--plugins", directory.path])
        #expect(result.status == 1)
        #expect(result.stderr == "error: \(file.path): layers[0].kernel: missing field\n", "\(result.stderr)")
        try FileManager.default.removeItem(at: file)
        let good = #"{ "name": "tiny", "description": "one conv", "layers": [ { "kind": "conv1d", "name": "c", "channels": 8, "kernel": 3 }, { "kind": "cam-classifier", "name": "classifier" } ] }"#
        try Data(good.utf8).write(to: directory.appendingPathComponent("tiny.json"))
        let listed = try Self.run(["models", "--plugins", directory.path, "--channels", "2"])
        #expect(listed.status == 0)
        // conv 8·2·3 + 8, classifier 8 + 1
        #expect(listed.stdout.split(separator: "\n").contains { $0.hasPrefix("tiny ") && $0.contains(" 65 ") }, "\(listed.stdout)")
        let fromEnvironment = try Self.run(["models"], environment: ["SERIESLENS_PLUGINS": directory.path])
        #expect(fromEnvironment.status == 0)
        #expect(fromEnvironment.stdout.contains("tiny "), "\(fromEnvironment.stdout)")
    }
}
