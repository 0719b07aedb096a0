import Testing
@testable import Reports

@Suite struct SVGTests {
    @Test func numbersHaveAtMostTwoDecimalsAndNoNegativeZero() {
        #expect(svgNumber(3) == "3")
        #expect(svgNumber(3.14159) == "3.14")
        #expect(svgNumber(2.5) == "2.5")
        #expect(svgNumber(-0.001) == "0")
        #expect(svgNumber(-12.345) == "-12.35" || svgNumber(-12.345) == "-12.34")
        #expect(svgNumber(.nan) == "0")
    }

    @Test func textIsEscaped() {
        #expect(escapeXML("a<b & \"c\" 'd'>") == "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;")
    }

    @Test func polylineSplitsAtNonFinitePoints() {
        var canvas = SVGCanvas(width: 10, height: 10)
        canvas.polyline([(0, 0), (1, 1), (2, .nan), (3, 3), (4, 4), (5, .infinity)], style: StrokeStyle(color: "#000"))
        #expect(canvas.body.count == 2)
        #expect(canvas.body[0].contains("points=\"0,0 1,1\""))
        #expect(canvas.body[1].contains("points=\"3,3 4,4\""))
    }
}
