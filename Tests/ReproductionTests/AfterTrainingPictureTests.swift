import FaceDatasets
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Reproduction
import Testing
import Training

/// Three epochs of a DDL run's log: every term of Eq. 11 and L_AD, accuracies, the rate.
private func sampleRecords() -> [EpochRecord] {
    (1...3).map { (e: Int) -> EpochRecord in
        let x = Double(e)
        let losses: [String: Double] = ["loss": 3.0 / x, "loss_ce": 1.9 / x, "loss_adv": 0.7, "loss_at": 40.0 / x, "loss_ad": 1.4]
        let test: Double? = e == 2 ? nil : 0.15 * x
        return EpochRecord(stage: "ddm", epoch: e, learningRate: e < 3 ? 1e-3 : 1e-4, losses: losses,
                           trainAccuracy: 0.2 * x, testAccuracy: test, seconds: 1, imagesPerSecond: 10)
    }
}

/// The parser's verdict on an XML document: nil when well-formed, else its error.
private func xmlProblem(_ text: String) -> String? {
    final class Delegate: NSObject, XMLParserDelegate {
        var error: String?
        func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) { error = "\(parseError)" }
    }
    let parser = XMLParser(data: Data(text.utf8))
    let delegate = Delegate()
    parser.delegate = delegate
    return parser.parse() ? nil : (delegate.error ?? "not well-formed")
}

@Suite("Pictures after training")
struct AfterTrainingPictureTests {
    @Test func curvesHaveOnePanelPerTermAndEpochsFromOne() {
        let curves = TrainingCurves(sampleRecords(), title: "run")
        #expect(curves.panels.map(\.yLabel) == ["loss", "loss_ce", "loss_adv", "loss_at", "loss_ad", "accuracy (%)", "rate"])
        #expect(curves.panels[0].series[0].points.map(\.x) == [1, 2, 3])
        // The epoch without a test accuracy leaves a gap, not a zero.
        #expect(curves.panels[5].series[1].points.map(\.x) == [1, 3])
        let image = curves.render(panelWidth: 300, panelHeight: 200)
        #expect(image.width == 900 && image.height > 3 * 200)
    }

    @Test func curvesSVGIsWellFormedWithAnAwkwardTitleAndHasTicks() {
        let svg = TrainingCurves(sampleRecords(), title: "r&b<1> \"x\" 'y'\u{1}").svg()
        #expect(xmlProblem(svg) == nil, "\(xmlProblem(svg) ?? "")")
        #expect(svg.contains("r&amp;b&lt;1&gt; &quot;x&quot; &apos;y&apos;: 3 epochs"))
        // Epoch ticks 1, 2, 3 in every panel, and y ticks with grid lines.
        #expect(svg.components(separatedBy: "text-anchor=\"middle\">2</text>").count - 1 == 7)
        #expect(svg.components(separatedBy: "stroke=\"#e3e3e3\"").count - 1 >= 7 * 3)
        #expect(TrainingCurves.escape("a&b") == "a&amp;b")
    }

    @Test func attentionFigureLabelsEveryFaceAndHasAColourBar() {
        let face = RGBImage(width: 10, height: 10) { _, _ in (128, 128, 128) }
        let plain = AttentionFigure(faces: [face, face], labels: ["", ""], mapSide: 3).render(target: 40)
        let labelled = AttentionFigure(faces: [face, face], labels: ["anger", "fear"], predictions: ["anger", "happiness"], mapSide: 3)
            .render(target: 40)
        #expect(labelled.width == plain.width && labelled.height == plain.height)
        #expect(labelled.pixels != plain.pixels)
        // The colour bar's top is the heat scale's red end, its bottom the blue end.
        let red = stride(from: 0, to: labelled.pixels.count, by: 3).contains { labelled.pixels[$0] > 200 && labelled.pixels[$0 + 2] < 50 }
        let blue = stride(from: 0, to: labelled.pixels.count, by: 3).contains { labelled.pixels[$0 + 2] > 100 && labelled.pixels[$0] < 20 && labelled.pixels[$0 + 1] < 20 }
        #expect(red && blue)
    }

    @Test func confusionChartShadesByRowFraction() throws {
        let report = ClassificationReport(classes: 2, truth: [0, 0, 0, 1], predicted: [0, 0, 1, 1])
        let summary = EvaluationSummary(report: report, classNames: ["anger", "fear"], checkpoint: "c.h5", checkpointEpoch: 4,
                                        variant: "baseline", preset: "paper", testSource: "t.h5", dataDigest: "d", log: nil)
        #expect(summary.accuracy == 0.75 && abs(summary.meanClassAccuracy - (2.0 / 3 + 1) / 2) < 1e-12)
        let image = ConfusionChart(summary: summary).render(cell: 50)
        #expect(image.width > 100 && image.height > 100)
        // A full row's diagonal cell is the darkest shade.
        let dark = ChartColour(hex: 0x08306B)
        #expect(stride(from: 0, to: image.pixels.count, by: 3).contains {
            image.pixels[$0] == dark.red && image.pixels[$0 + 1] == dark.green && image.pixels[$0 + 2] == dark.blue
        })
    }
}
