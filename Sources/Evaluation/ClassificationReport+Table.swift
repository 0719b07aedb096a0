extension ClassificationReport {
    /// A fixed-width plain-text rendering for the terminal: a header with counts and threshold,
    /// one row per metric (4 decimals, or `undefined (reason)`), a per-class table for
    /// multi-class reports (undefined cells are explained below it), and the confusion matrix.
    public func table() -> String {
        var lines: [String] = []
        let countsText = zip(classNames, classCounts).map { "\($0) \($1)" }.joined(separator: ", ")
        lines.append("\(task == .binary ? "Binary" : "Multi-class") classification, \(sampleCount) samples (\(countsText))")
        if let threshold, let binary {
            lines.append("threshold: \(threshold) (score >= threshold predicts '\(classNames[1])'); "
                + "TP \(binary.truePositives), FP \(binary.falsePositives), "
                + "TN \(binary.trueNegatives), FN \(binary.falseNegatives)")
        }
        lines.append("")

        let rows = namedMetrics
        let nameWidth = max("metric".count, rows.map(\.name.count).max() ?? 0)
        lines.append(pad("metric", nameWidth) + "  value")
        lines.append(String(repeating: "-", count: nameWidth) + "  " + String(repeating: "-", count: 10))
        for row in rows {
            lines.append(pad(row.name, nameWidth) + "  " + row.value.description)
        }

        if let multiclass {
            lines.append("")
            lines.append(contentsOf: perClassTable(multiclass.perClass))
        }

        lines.append("")
        lines.append("confusion matrix (rows true, columns predicted)")
        lines.append(confusionMatrix.table())
        return lines.joined(separator: "\n") + "\n"
    }

    private func perClassTable(_ perClass: [PerClassMetrics]) -> [String] {
        let headers = ["class", "support", "predicted", "precision", "recall", "F1", "ROC-AUC (OvR)"]
        var notes: [String] = []
        func cell(_ value: MetricValue, _ metricName: String, _ className: String) -> String {
            if let number = value.value { return MetricValue.formatted(number) }
            notes.append("\(metricName) of '\(className)' undefined: \(value.undefinedReason ?? "")")
            return "undefined"
        }
        let body: [[String]] = perClass.map { metrics in
            [
                metrics.className,
                String(metrics.support),
                String(metrics.predictedCount),
                cell(metrics.precision, "precision", metrics.className),
                cell(metrics.recall, "recall", metrics.className),
                cell(metrics.f1, "F1", metrics.className),
                cell(metrics.rocAUC, "ROC-AUC", metrics.className),
            ]
        }
        let widths = headers.indices.map { column in
            max(headers[column].count, body.map { $0[column].count }.max() ?? 0)
        }
        func render(_ cells: [String]) -> String {
            // Class names left-aligned, numbers right-aligned.
            cells.indices.map { $0 == 0 ? pad(cells[$0], widths[$0]) : padLeft(cells[$0], widths[$0]) }
                .joined(separator: "  ")
        }
        var lines = [render(headers), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        lines.append(contentsOf: body.map(render))
        if !notes.isEmpty {
            lines.append("")
            lines.append(contentsOf: notes.map { "  " + $0 })
        }
        lines.append("(macro and weighted averages count an undefined per-class value as 0, as scikit-learn does)")
        return lines
    }
}
