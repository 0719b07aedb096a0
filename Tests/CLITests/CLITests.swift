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
        for file in ["model.safetensors", "history.csv", "history.json", "metrics.json"] {
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path), "\(file) missing")
        }
        let csv = try String(contentsOf: directory.appendingPathComponent("history.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 3)
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("metrics.json")))
        #expect(metrics is [String: Any])
    }

    @Test func trainsFromUCRFiles() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("DatasetsTests/Fixtures/ucr/GunPoint")
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
