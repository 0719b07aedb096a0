import Foundation
import Testing
@testable import Datasets

/// Every malformed file gives one line naming the file, the line or byte offset, and the reason.
@Suite struct MalformedInputTests {
    func message(_ file: String, _ options: LoadOptions = LoadOptions()) -> String? {
        do {
            _ = try SeriesDataset.load(path: Fixtures.malformed(file), options: options)
            return nil
        } catch {
            return String(describing: error)
        }
    }

    func expectError(_ file: String, _ expected: String, options: LoadOptions = LoadOptions()) {
        let path = Fixtures.malformed(file)
        let text = message(file, options)
        #expect(text == path + expected, "\(file)")
        #expect(text?.contains("\n") == false)
    }

    @Test func tsErrors() {
        expectError("empty.ts", ": the file is empty")
        expectError("missing_data.ts", ":4: no @data line: the header never ends")
        expectError("ragged_rows.ts", ":8: ragged row: 4 values, expected 3 (@seriesLength)")
        expectError("non_numeric.ts", ":6: non-numeric value 2: 'x2'")
        expectError("nan_value.ts", ":6: missing or non-finite value 2 (pass --impute-missing to interpolate)")
        expectError("missing_value.ts", ":6: missing or non-finite value 2 (pass --impute-missing to interpolate)")
        expectError("wrong_dimensions.ts", ":7: found 3 dimensions, the header declares 2")
        expectError("undeclared_label.ts", ":6: label 'c' is not among the classes declared by @classLabel (a b)")
        expectError("ragged_dimensions.ts", ":6: ragged row: dimension 2 has 2 values, dimension 1 has 3")
    }

    @Test func imputationInterpolatesWithinTheSeries() throws {
        var options = LoadOptions()
        options.imputeMissing = true
        let missing = try SeriesDataset.load(path: Fixtures.malformed("missing_value.ts"), options: options)
        // 1,?,?,4 → 1,2,3,4; ?,2,3,? → 2,2,3,3 (ends copy the nearest value).
        #expect(missing.values == [1, 2, 3, 4, 2, 2, 3, 3])
        let nan = try SeriesDataset.load(path: Fixtures.malformed("nan_value.ts"), options: options)
        #expect(Array(nan.values[4..<8]) == [1, 2, 3, 4])
    }

    @Test func delimitedErrors() {
        var options = LoadOptions()
        options.labelColumn = "label"
        expectError("ragged_rows.csv", ":3: ragged row: 3 fields, the header has 4", options: options)
        expectError("no_label_column.csv", ":1: no column named 'label' in the header (columns: name, t0, t1)", options: options)
        expectError("non_numeric.tsv", ":2: non-numeric value 3 (field 4): 'three'")
        expectError("ragged_rows.csv", ":1: non-numeric value 1 (field 2): 't0' (if the first row is a header, name the label column with --label-column)")
    }

    @Test func npyErrors() {
        expectError("truncated.npy", ": byte 171: truncated: shape (3, 4) of <f4 needs 48 data bytes from byte 128, the file has 43")
        expectError("header_too_long.npy", ": byte 8: header length 32767 runs past the end of the file (176 bytes)")
        expectError("fortran_order.npy", ": byte 10: Fortran-order arrays are not supported; save with np.ascontiguousarray")
        expectError("big_endian.npy", ": byte 10: unsupported dtype '>f4' (supported: little-endian float32/float64, integers, uint8, bool)")
        var options = LoadOptions()
        options.labelsPath = Fixtures.malformed("integer_values.npy")
        expectError("integer_values.npy", ": byte 10: values must be float32 or float64, the file holds <i4", options: options)
    }

    @Test func labelsThatDoNotMatchTheValues() throws {
        let directory = try Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = SyntheticConfiguration()
        configuration.count = 3
        configuration.length = 4
        try configuration.generate().write(to: "\(directory)/x.npy")
        try "a\nb\n".write(toFile: "\(directory)/two.txt", atomically: true, encoding: .utf8)
        var options = LoadOptions()
        options.labelsPath = "\(directory)/two.txt"
        #expect(throws: DatasetError(file: "\(directory)/two.txt", line: 2, message: "has 2 labels, the values have 3 series")) {
            try SeriesDataset.load(path: "\(directory)/x.npy", options: options)
        }
        try FileManager.default.removeItem(atPath: "\(directory)/x.labels.npy")
        #expect(throws: DatasetError(file: "\(directory)/x.npy", message: "no labels: pass a labels file (--labels) or put x.labels.npy beside it")) {
            try SeriesDataset.load(path: "\(directory)/x.npy")
        }
    }

    @Test func unknownExtensionAndMissingFile() {
        #expect(throws: DatasetError(file: "data.parquet", message: "unknown extension '.parquet': expected .ts, .tsv, .csv or .npy")) {
            try SeriesDataset.load(path: "data.parquet")
        }
        #expect(throws: DatasetError(file: "/nonexistent/x.ts", message: "no such file")) {
            try SeriesDataset.load(path: "/nonexistent/x.ts")
        }
    }
}
