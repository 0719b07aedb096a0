import Foundation
import Testing
@testable import Kernels
@testable import Layers
@testable import Models

/// The definition registry: embedded built-ins equal `Plugins/*.json`, user definitions load from a
/// path or a plugins folder, and invalid definitions give one line naming the file and the field.
@Suite struct RegistryTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("serieslens-registry-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func embeddedDefinitionsEqualPluginFiles() throws {
        let folder = Self.packageRoot.appendingPathComponent("Plugins")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(files == BuiltInDefinitions.files.map { "\($0.name).json" }.sorted(), "Plugins/*.json and BuiltInDefinitions.swift list different models")
        for (name, json) in BuiltInDefinitions.files {
            let onDisk = try String(contentsOf: folder.appendingPathComponent("\(name).json"), encoding: .utf8)
            #expect(onDisk.trimmingCharacters(in: .whitespacesAndNewlines) == json.trimmingCharacters(in: .whitespacesAndNewlines),
                    "Plugins/\(name).json differs from its copy in Sources/Models/BuiltInDefinitions.swift")
            #expect(try ModelRegistry.decode(Data(json.utf8), file: name).name == name)
        }
    }

    /// Parameter counts by hand from reference/models.py for C = 1, T = 40, and the table's columns.
    @Test func summariesOfTheBuiltIns() throws {
        let registry = try ModelRegistry(pluginDirectories: [])
        #expect(registry.names == ["bilstm-attention", "bilstm-multihead", "posenc-attention", "ffn", "cnn"])
        let expected: [String: (parameters: Int, importance: ImportanceKind, variableLength: Bool)] = [
            // LSTM 2·(4·32·(1+32) + 2·4·32) = 8960; attention 64·64+64 + 64+1 = 4225; classifier 65.
            "bilstm-attention": (8960 + 4225 + 65, .attention, true),
            // query 64; in_proj 192·64+192 = 12480; out_proj 64·64+64 = 4160; classifier 65.
            "bilstm-multihead": (8960 + 64 + 12480 + 4160 + 65, .attention, true),
            // embed 128; encoder 12480 + 4160 + (128·64+128) + (64·128+64) + 2·128 = 33472; attention 4225; classifier 65.
            "posenc-attention": (128 + 33472 + 4225 + 65, .attention, true),
            // 40·64+64 + 64·64+64 + 65.
            "ffn": (2624 + 4160 + 65, .saliency, false),
            // conv 32·7+32, bn 64, conv 64·32·5+64, bn 128, conv 64·64·3+64, bn 128, classifier 65.
            "cnn": (256 + 64 + 10304 + 128 + 12352 + 128 + 65, .cam, true),
        ]
        for source in registry.sources {
            let summary = try registry.summary(of: source, time: 40, channels: 1)
            let want = try #require(expected[summary.name])
            #expect(summary.parameterCount == want.parameters, "\(summary.name) parameters")
            #expect(summary.importance == want.importance, "\(summary.name) importance")
            #expect(summary.variableLength == want.variableLength, "\(summary.name) variable length")
            #expect(summary.multivariate)
            #expect(summary.forwardFLOPs > 2 * summary.parameterCount / 2, "\(summary.name) FLOPs \(summary.forwardFLOPs)")
        }
        // ffn FLOPs by hand: three Linear layers (2·in + 1 per output) and two ReLUs of 64.
        let ffn = try registry.summary(of: try registry.source(for: "ffn"), time: 40, channels: 1)
        #expect(ffn.forwardFLOPs == 64 * (2 * 40 + 1) + 64 + 64 * (2 * 64 + 1) + 64 + (2 * 64 + 1))
    }

    /// The docs' worked example: a wider CNN as a user file, by path and from a plugins folder.
    @Test func userDefinitionByPathAndFromPluginsFolder() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("fcn-wide.json")
        try Data(Self.wideCNN.utf8).write(to: file)
        let byPath: SequentialClassifier<Float> = try ModelCatalog.make(file.path, inputChannels: 3, classCount: 4, pluginDirectories: [])
        #expect(byPath.name == "fcn-wide" && byPath.outputCount == 4)
        #expect(byPath.parameters.layout.spec(named: "features.3.weight")?.shape == [256, 128, 5])
        let byName: SequentialClassifier<Float> = try ModelCatalog.make("fcn-wide", inputChannels: 1, pluginDirectories: [directory.path])
        #expect(byName.parameters.layout.spec(named: "features.0.weight")?.shape == [128, 1, 8])
        // Even kernels keep the length (PyTorch padding="same"), so CAM stays one value per step.
        byName.initialize(seed: 1)
        let x = [Float](repeating: 0.5, count: 2 * 33)
        _ = try byName.forward(x, batch: 2, time: 33, training: false)
        #expect(byName.importance != nil)
        let registry = try ModelRegistry(pluginDirectories: [directory.path])
        #expect(registry.names.last == "fcn-wide")
        #expect(try registry.source(for: "fcn-wide").file == file.path)
    }

    static let wideCNN = """
    {
      "name": "fcn-wide",
      "description": "FCN (Wang et al. 2017): 128/256/128 channels, kernels 8/5/3",
      "layers": [
        { "kind": "conv1d", "name": "features.0", "channels": 128, "kernel": 8 },
        { "kind": "batchnorm1d", "name": "features.1" },
        { "kind": "relu", "name": "features.2" },
        { "kind": "conv1d", "name": "features.3", "channels": 256, "kernel": 5 },
        { "kind": "batchnorm1d", "name": "features.4" },
        { "kind": "relu", "name": "features.5" },
        { "kind": "conv1d", "name": "features.6", "channels": 128, "kernel": 3 },
        { "kind": "batchnorm1d", "name": "features.7" },
        { "kind": "relu", "name": "features.8" },
        { "kind": "cam-classifier", "name": "classifier" }
      ]
    }
    """

    static func layers(_ body: String) -> String {
        #"{ "name": "broken", "description": "test", "layers": [ \#(body) ] }"#
    }

    static let invalid: [(file: String, json: String, message: String)] = [
        ("unknown-kind.json", layers(#"{ "kind": "conv2d", "name": "c", "channels": 4, "kernel": 3 }, { "kind": "cam-classifier", "name": "classifier" }"#),
         "unknown-kind.json: layers[0].kind: unknown layer kind 'conv2d' (known: additive-attention, attention-pooling, batchnorm1d, cam-classifier, conv1d, flatten, global-average-pooling, layer-norm, linear, lstm, positional-encoding, relu, sigmoid, tanh, transformer-encoder)"),
        ("missing-kernel.json", layers(#"{ "kind": "conv1d", "name": "c", "channels": 4 }, { "kind": "cam-classifier", "name": "classifier" }"#),
         "missing-kernel.json: layers[0].kernel: missing field"),
        ("missing-name.json", #"{ "description": "x", "layers": [] }"#,
         "missing-name.json: name: missing field"),
        ("missing-kind.json", layers(#"{ "name": "c" }"#),
         "missing-kind.json: layers[0].kind: missing field"),
        ("wrong-type.json", layers(#"{ "kind": "lstm", "name": "lstm", "hidden": "many" }, { "kind": "linear", "name": "out", "features": "classes" }"#),
         "wrong-type.json: layers[0].hidden: expected int"),
        ("bad-width.json", layers(#"{ "kind": "flatten", "name": "f" }, { "kind": "linear", "name": "out", "features": "all" }"#),
         #"bad-width.json: layers[1].features: expected a positive integer or "classes""#),
        ("unknown-field.json", layers(#"{ "kind": "conv1d", "name": "c", "channels": 4, "kernel": 3, "stride": 2 }, { "kind": "cam-classifier", "name": "classifier" }"#),
         "unknown-field.json: layers[0].stride: unknown field for layer kind 'conv1d'"),
        ("no-time-axis.json", layers(#"{ "kind": "flatten", "name": "f" }, { "kind": "lstm", "name": "lstm", "hidden": 4 }, { "kind": "linear", "name": "out", "features": "classes" }"#),
         "no-time-axis.json: layers[1]: lstm 'lstm' cannot take its input: needs a time axis, got (F=32)"),
        ("heads.json", layers(#"{ "kind": "linear", "name": "embed", "features": 10 }, { "kind": "attention-pooling", "name": "attention", "heads": 3 }, { "kind": "linear", "name": "out", "features": "classes" }"#),
         "heads.json: layers[1].heads: 10 features are not divisible by 3 heads"),
        ("no-logits.json", layers(#"{ "kind": "conv1d", "name": "c", "channels": 4, "kernel": 3 }"#),
         #"no-logits.json: layers[0]: the model ends in (T=32, F=4), expected 1 logit(s) per series (end in a layer with "features": "classes")"#),
        ("zero-kernel.json", layers(#"{ "kind": "conv1d", "name": "c", "channels": 4, "kernel": 0 }, { "kind": "cam-classifier", "name": "classifier" }"#),
         "zero-kernel.json: layers[0].kernel: must be a positive integer, got 0"),
        ("winograd-kernel.json", layers(#"{ "kind": "conv1d", "name": "c", "channels": 4, "kernel": 8, "algorithm": "winograd" }, { "kind": "cam-classifier", "name": "classifier" }"#),
         "winograd-kernel.json: layers[0].algorithm: winograd supports kernels up to 7, got 8"),
        ("duplicate-layer.json", layers(#"{ "kind": "relu", "name": "a" }, { "kind": "relu", "name": "a" }"#),
         "duplicate-layer.json: layers[1].name: layer name 'a' is used twice"),
        ("not-json.json", "{ \"name\": ",
         "not-json.json: not valid JSON"),  // then the parser's detail, which varies by platform
    ]

    @Test(arguments: invalid.indices)
    func invalidDefinitionGivesOneLineNamingFileAndField(index: Int) throws {
        let (file, json, message) = Self.invalid[index]
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent(file)
        try Data(json.utf8).write(to: url)
        do {
            var registry = try ModelRegistry(pluginDirectories: [])
            try registry.loadDirectory(directory.path)
            Issue.record("\(file) was accepted")
        } catch let error as DefinitionError {
            let expected = message.replacingOccurrences(of: "\(file):", with: "\(url.path):")
            #expect(file == "not-json.json" ? error.description.hasPrefix(expected) : error.description == expected)
            #expect(!error.description.contains("\n"))
        }
    }

    /// A conv1d layer's "algorithm" field, else the model's choice (the CLI's --convolution).
    @Test func convolutionAlgorithmFromTheDefinitionOrTheModel() throws {
        func algorithms(_ json: String, choice: ConvolutionChoice = .auto) throws -> [ConvolutionAlgorithm] {
            let definition = try ModelRegistry.decode(Data(json.utf8), file: "conv.json")
            let model = try ModelRegistry(pluginDirectories: []).build(definition, file: "conv.json", inputChannels: 16, classCount: 2,
                                                                      length: 20, convolution: choice, as: Double.self)
            return model.layers.compactMap { ($0 as? Conv1D<Double>)?.algorithm }
        }
        let json = Self.layers(#"{ "kind": "conv1d", "name": "a", "channels": 16, "kernel": 3 }, { "kind": "conv1d", "name": "b", "channels": 16, "kernel": 3, "algorithm": "direct" }, { "kind": "cam-classifier", "name": "classifier" }"#)
        #expect(try algorithms(json) == [.winograd(outputsPerTile: 4), .direct])
        #expect(try algorithms(json, choice: .direct) == [.direct, .direct])
        #expect(try algorithms(json, choice: .winograd) == [.winograd(outputsPerTile: 4), .direct])
        #expect(throws: DefinitionError.self) {
            _ = try algorithms(json.replacingOccurrences(of: #""direct""#, with: #""fft""#))
        }
    }

    @Test func duplicateModelNameAndUnknownModel() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("mine.json")
        try Data(Self.wideCNN.replacingOccurrences(of: "fcn-wide", with: "cnn").utf8).write(to: url)
        #expect(throws: DefinitionError(file: url.path, field: "name", "model 'cnn' is already defined by Plugins/cnn.json (built-in)")) {
            _ = try ModelRegistry(pluginDirectories: [directory.path])
        }
        #expect(throws: ModelError.self) { _ = try ModelCatalog.make("resnet", inputChannels: 1, pluginDirectories: []) as SequentialClassifier<Float> }
        #expect(throws: DefinitionError.self) { _ = try ModelCatalog.make("ffn", inputChannels: 1, pluginDirectories: []) as SequentialClassifier<Float> }
    }

    /// Every built-in takes C ≥ 1 channels and K ≥ 2 classes: one logit for K = 2, K logits above.
    @Test(arguments: ["bilstm-attention", "bilstm-multihead", "posenc-attention", "ffn", "cnn"])
    func everyModelTakesAnyChannelsAndClasses(name: String) throws {
        for (channels, classes) in [(1, 2), (3, 2), (2, 5)] {
            let model: SequentialClassifier<Float> = try ModelCatalog.make(name, inputChannels: channels, classCount: classes,
                                                                           length: 12, pluginDirectories: [])
            model.initialize(seed: 3)
            let outputs = classes == 2 ? 1 : classes
            #expect(model.outputCount == outputs)
            let x = (0..<(2 * 12 * channels)).map { Float($0 % 7) / 7 }
            let logits = try model.forward(x, batch: 2, time: 12, training: true)
            #expect((0..<(2 * outputs)).allSatisfy { logits[$0].isFinite }, "\(name) C=\(channels) K=\(classes)")
            if let map = model.importance { #expect((0..<24).allSatisfy { map[$0].isFinite }) }
        }
    }

    /// A definition round-trips through its JSON (what a checkpoint stores) to the same model.
    @Test func definitionRoundTripsThroughJSON() throws {
        let registry = try ModelRegistry(pluginDirectories: [])
        for source in registry.sources {
            let decoded = try ModelRegistry.decode(Data(source.definition.encodedJSON().utf8), file: "round trip")
            #expect(decoded == source.definition, "\(source.definition.name)")
            let model: SequentialClassifier<Float> = try ModelCatalog.make(definition: decoded, inputChannels: 2, length: 16)
            #expect(model.definition == source.definition)
        }
    }
}

/// The state_dict round trip a checkpoint relies on: written with PyTorch's names and dtypes
/// (num_batches_tracked as I64), read back into a fresh model, same evaluation logits.
@Suite struct StateDictionaryTests {
    @Test(arguments: ["cnn", "posenc-attention", "bilstm-multihead"])
    func roundTripKeepsParametersAndRunningStatistics(name: String) throws {
        let model: SequentialClassifier<Float> = try ModelCatalog.make(name, inputChannels: 2, pluginDirectories: [])
        model.initialize(seed: 5)
        let x = (0..<(3 * 10 * 2)).map { Float(sin(Double($0))) }
        _ = try model.forward(x, batch: 3, time: 10, training: true)  // moves BatchNorm's running statistics
        let expected = Array(UnsafeBufferPointer(start: try model.forward(x, batch: 3, time: 10, training: false), count: 3))
        var file = SafeTensors()
        model.parameters.addStateDictionary(to: &file)
        let reread = try SafeTensors(data: file.serialized())
        if name == "cnn" {
            #expect(reread.tensors["features.1.num_batches_tracked"]?.dtype == .int64)
            #expect(reread.tensors["features.1.num_batches_tracked"]?.shape == [])
            #expect(try reread.doubles("features.1.num_batches_tracked") == [1])
        }
        let fresh: SequentialClassifier<Float> = try ModelCatalog.make(name, inputChannels: 2, pluginDirectories: [])
        try fresh.parameters.loadStateDictionary(from: reread)
        let logits = try fresh.forward(x, batch: 3, time: 10, training: false)
        #expect((0..<3).map { logits[$0] } == expected)
        file = SafeTensors()
        #expect(throws: ParameterError.missing(model.parameters.layout.specs[0].name)) { try fresh.parameters.loadStateDictionary(from: file) }
    }
}
