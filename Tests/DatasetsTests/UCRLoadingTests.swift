import Testing
@testable import Datasets

/// Loads the real UCR/UEA files; expected numbers are read off the files (see Fixtures/ucr/README.md).
@Suite struct UCRLoadingTests {
    func classCounts(_ dataset: SeriesDataset) -> [Int] {
        (0..<dataset.classCount).map { c in dataset.labels.filter { $0 == c }.count }
    }

    @Test func gunPoint() throws {
        let train = try SeriesDataset.load(path: Fixtures.ucr("GunPoint", "TRAIN"))
        let test = try SeriesDataset.load(path: Fixtures.ucr("GunPoint", "TEST"))
        #expect((train.count, train.length, train.channels) == (50, 150, 1))
        #expect((test.count, test.length, test.channels) == (150, 150, 1))
        #expect(train.classNames == ["1", "2"])
        #expect(classCounts(train) == [24, 26])
        #expect(classCounts(test) == [76, 74])
        #expect(train.values[0] == -0.6478854)
        #expect(train.values[149] == -0.63865722)
        #expect(train.labels[0] == 1)  // the first row's label is "2"
        #expect(test.values[0] == -1.1250133)
        #expect(test.labels[0] == 0)
        #expect(train.validLengths == nil && train.anomalyMask == nil)
    }

    @Test func arrowHead() throws {
        let train = try SeriesDataset.load(path: Fixtures.ucr("ArrowHead", "TRAIN"))
        let test = try SeriesDataset.load(path: Fixtures.ucr("ArrowHead", "TEST"))
        #expect((train.count, train.length, train.channels) == (36, 251, 1))
        #expect((test.count, test.length, test.channels) == (175, 251, 1))
        #expect(train.classNames == ["0", "1", "2"])
        #expect(classCounts(train) == [12, 12, 12])
        #expect(classCounts(test) == [69, 53, 53])
        #expect(train.values[0] == -1.9630089)
        #expect(train.values[250] == -1.9091529)
        #expect(test.values[0] == -1.9077772)
    }

    @Test func basicMotionsIsMultivariate() throws {
        let train = try SeriesDataset.load(path: Fixtures.ucr("BasicMotions", "TRAIN"))
        let test = try SeriesDataset.load(path: Fixtures.ucr("BasicMotions", "TEST"))
        #expect((train.count, train.length, train.channels) == (40, 100, 6))
        #expect((test.count, test.length, test.channels) == (40, 100, 6))
        #expect(train.classNames == ["Standing", "Running", "Walking", "Badminton"])
        #expect(classCounts(train) == [10, 10, 10, 10])
        #expect(train.labels[0] == 0)
        // (n, t, c) layout: dimension 2's first value sits right after dimension 1's.
        #expect(train.values[0] == 0.079106)
        #expect(train.values[1] == 0.394032)
        #expect(train.values[99 * 6] == -0.20515)
        #expect(test.values[0] == -0.740653)
        #expect(test.values[1] == 0.756509)
    }

    @Test func gunPointTSVEqualsTS() throws {
        let ts = try SeriesDataset.load(path: Fixtures.ucr("GunPoint", "TRAIN"))
        let tsv = try SeriesDataset.load(path: Fixtures.ucr("GunPoint", "TRAIN", "tsv"))
        #expect(tsv == ts)
    }

    @Test func testFileTakesTheTrainingClasses() throws {
        let train = try SeriesDataset.load(path: Fixtures.ucr("GunPoint", "TRAIN"))
        var options = LoadOptions()
        options.classNames = ["1", "2"]
        let test = try SeriesDataset.load(path: Fixtures.ucr("GunPoint", "TEST"), options: options)
        #expect(test.classNames == train.classNames)
        options.classNames = ["2", "1"]
        #expect(throws: DatasetError.self) { try SeriesDataset.load(path: Fixtures.ucr("GunPoint", "TEST"), options: options) }
    }

    @Test func resampleOption() throws {
        var options = LoadOptions()
        options.resampleLength = 75
        let resampled = try SeriesDataset.load(path: Fixtures.ucr("GunPoint", "TRAIN"), options: options)
        let original = try SeriesDataset.load(path: Fixtures.ucr("GunPoint", "TRAIN"))
        #expect(resampled.length == 75)
        // End points are kept exactly; the middle is a convex combination of its neighbours.
        #expect(resampled.values[0] == original.values[0])
        #expect(resampled.values[74] == original.values[149])
    }
}
