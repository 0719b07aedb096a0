import Foundation
import Testing
@testable import Datasets

@Suite struct RoundTripTests {
    func synthetic(channels: [ChannelSignal] = [.sine], count: Int = 40, length: Int = 30) throws -> SeriesDataset {
        var configuration = SyntheticConfiguration()
        configuration.count = count
        configuration.length = length
        configuration.kind = .mixed
        configuration.channels = channels
        configuration.seed = 11
        return try configuration.generate()
    }

    @Test func tsUnivariateAndMultivariate() throws {
        let directory = try Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for channels in [[ChannelSignal.sine], [.sine, .cosine, .randomWalk]] {
            let original = try synthetic(channels: channels)
            let path = "\(directory)/set\(channels.count).ts"
            try original.write(to: path)
            let loaded = try SeriesDataset.load(path: path)
            #expect(loaded.values.map(\.bitPattern) == original.values.map(\.bitPattern), "C = \(channels.count)")
            #expect(loaded.labels == original.labels)
            #expect(loaded.classNames == original.classNames)
            #expect(loaded.channels == channels.count)
        }
    }

    @Test func csvRoundTripKeepsLabelIndices() throws {
        let directory = try Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let original = try synthetic()
        let path = "\(directory)/set.csv"
        try original.write(to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("label,t0,t1,"))
        var options = LoadOptions()
        options.labelColumn = "label"
        let loaded = try SeriesDataset.load(path: path, options: options)
        #expect(loaded.values.map(\.bitPattern) == original.values.map(\.bitPattern))
        #expect(loaded.labels == original.labels)
        #expect(loaded.classNames == ["0", "1"])
        let multichannel = try synthetic(channels: [.sine, .cosine])
        #expect(throws: DatasetError.self) { try multichannel.write(to: "\(directory)/multi.csv") }
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/multi.csv"))
    }

    @Test func npyRoundTripWithMask() throws {
        let directory = try Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let original = try synthetic(channels: [.sine, .randomWalk])
        let path = "\(directory)/set.npy"
        try original.write(to: path)
        for sibling in ["set.labels.npy", "set.mask.npy", "set.classes.txt"] {
            #expect(FileManager.default.fileExists(atPath: "\(directory)/\(sibling)"), "\(sibling)")
        }
        let loaded = try SeriesDataset.load(path: path)
        #expect(loaded.values.map(\.bitPattern) == original.values.map(\.bitPattern))
        #expect(loaded.labels == original.labels)
        #expect(loaded.classNames == ["normal", "anomalous"])
        #expect(loaded.anomalyMask == original.anomalyMask)
        #expect((loaded.count, loaded.length, loaded.channels) == (40, 30, 2))
    }

    /// A header-less CSV with the label last, and labels for an .npy from a text file.
    @Test func csvLabelLastAndTextLabels() throws {
        let directory = try Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "1.5,2,3,b\n4,5,6.25,a\n".write(toFile: "\(directory)/last.csv", atomically: true, encoding: .utf8)
        var options = LoadOptions()
        options.labelPosition = .last
        let loaded = try SeriesDataset.load(path: "\(directory)/last.csv", options: options)
        #expect(loaded.values == [1.5, 2, 3, 4, 5, 6.25])
        #expect(loaded.classNames == ["a", "b"] && loaded.labels == [1, 0])

        let values = try synthetic(count: 3, length: 5)
        try values.write(to: "\(directory)/x.npy")
        try "7\n3\n7\n".write(toFile: "\(directory)/labels.txt", atomically: true, encoding: .utf8)
        options = LoadOptions()
        options.labelsPath = "\(directory)/labels.txt"
        let withTextLabels = try SeriesDataset.load(path: "\(directory)/x.npy", options: options)
        #expect(withTextLabels.classNames == ["3", "7"] && withTextLabels.labels == [1, 0, 1])
    }

    @Test func unequalLengthsArePaddedAndWrittenBack() throws {
        let loaded = try SeriesDataset.load(path: Fixtures.malformed("unequal_lengths.ts"))
        #expect((loaded.count, loaded.length, loaded.channels) == (2, 5, 2))
        #expect(loaded.validLengths == [3, 5])
        // Series 0 is (1,4),(2,5),(3,6) then zero padding.
        #expect(Array(loaded.values[0..<10]) == [1, 4, 2, 5, 3, 6, 0, 0, 0, 0])
        #expect(Array(loaded.values[10..<20]) == [7, 12, 8, 13, 9, 14, 10, 15, 11, 16])
        let directory = try Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for ext in ["ts", "npy"] {
            try loaded.write(to: "\(directory)/unequal.\(ext)")
            #expect(try SeriesDataset.load(path: "\(directory)/unequal.\(ext)") == loaded, ".\(ext)")
        }
        var options = LoadOptions()
        options.resampleLength = 3
        let resampled = try SeriesDataset.load(path: Fixtures.malformed("unequal_lengths.ts"), options: options)
        #expect(resampled.validLengths == nil && resampled.length == 3)
        #expect(Array(resampled.values[6..<12]) == [7, 12, 9, 14, 11, 16])
    }

    @Test func npyVersion2Float64WithFloatLabels() throws {
        let loaded = try SeriesDataset.load(path: "\(Fixtures.root)/npy/v2_float64.npy")
        #expect((loaded.count, loaded.length, loaded.channels) == (2, 2, 2))
        // float64 → Float rounds once, exactly as Float(Double) does.
        #expect(loaded.values == [0.1, -2, 3.5, 1e-7, 4, 5, 6, 7.25].map { Float($0 as Double) })
        #expect(loaded.classNames == ["2", "5"] && loaded.labels == [0, 1])
        #expect(loaded.anomalyMask == nil)
    }

    @Test func paddingToALongerLengthKeepsTheMask() throws {
        let data = try synthetic(count: 4, length: 6)
        let padded = data.padded(toLength: 9)
        #expect(padded.validLengths == [6, 6, 6, 6] && padded.length == 9)
        for n in 0..<4 {
            #expect(Array(padded.values[(n * 9)..<(n * 9 + 6)]) == Array(data.values[(n * 6)..<(n * 6 + 6)]))
            #expect(Array(padded.values[(n * 9 + 6)..<(n * 9 + 9)]) == [0, 0, 0])
            #expect(Array(padded.anomalyMask![(n * 9)..<(n * 9 + 6)]) == Array(data.anomalyMask![(n * 6)..<(n * 6 + 6)]))
        }
        #expect(data.padded(toLength: 6) == data)
    }

    /// Windows line endings, `@classLabel false` and comments between data lines.
    @Test func crlfAndUnlabelledTS() throws {
        let directory = try Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/crlf.ts"
        try "@problemName X\r\n@univariate true\r\n@classLabel false\r\n@data\r\n1,2,3\r\n# note\r\n4,5,6\r\n".write(toFile: path, atomically: true, encoding: .utf8)
        let loaded = try SeriesDataset.load(path: path)
        #expect(loaded.values == [1, 2, 3, 4, 5, 6])
        #expect(loaded.labels == [0, 0] && loaded.classNames == ["unlabelled"])
    }

    @Test func trailingNaNInTSVIsPadding() throws {
        let loaded = try SeriesDataset.load(path: Fixtures.malformed("nan_padded.tsv"))
        #expect(loaded.validLengths == [3, 1])
        #expect(loaded.values == [1, 2, 3, 4, 0, 0])
        #expect(loaded.classNames == ["a", "b"] && loaded.labels == [1, 0])
    }

    @Test func writingReplacesAtomically() throws {
        let directory = try Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/keep.csv"
        try "precious".write(toFile: path, atomically: false, encoding: .utf8)
        // A failing write (C > 1 in CSV) leaves the existing file as it was, and no temporary files.
        let multichannel = try synthetic(channels: [.sine, .cosine])
        #expect(throws: DatasetError.self) { try multichannel.write(to: path) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "precious")
        try synthetic().write(to: path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["keep.csv"])
    }
}
