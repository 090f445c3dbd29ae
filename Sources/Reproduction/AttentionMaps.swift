import Autodiff
import DDLModel
import FaceData
import FaceDatasets
import Foundation
import Layers
import TensorCore
import Training

/// Figure 5 of the paper: the concatenated map of Eq. 10 (the expression head's input)
/// summed over channels, upsampled to the image and laid over it as a heat map.
public enum AttentionMaps {
    /// The channel sum of the expression head's input for each image, `[N, h, w]`, in
    /// evaluation mode on centre crops.
    public static func maps(_ ddm: DDM<Float>, _ set: FaceSet, indices: [Int]) -> (crops: Tensor<Float>, maps: Tensor<Float>) {
        var unused = RandomGenerator(seed: 0)
        let x = Augmentation(crop: ddm.config.inputSize, flip: false).batch(set, indices: indices, training: false, generator: &unused, as: Float.self)
        let out = withoutGradients { ddm(Variable(x), mode: .eval) }
        return (x, out.aOut.value.sum(alongAxes: [1]))
    }

    /// A colour for a heat value in [0, 1] (blue, cyan, yellow, red).
    static func heat(_ t: Float) -> (Float, Float, Float) {
        let v = min(max(t, 0), 1)
        return (min(max(1.5 - abs(4 * v - 3), 0), 1), min(max(1.5 - abs(4 * v - 2), 0), 1), min(max(1.5 - abs(4 * v - 1), 0), 1))
    }

    /// One row of overlays: each crop with its map (normalised per image to [0, 1],
    /// upsampled bilinearly) blended at `opacity`.
    public static func overlay(crops: Tensor<Float>, maps: Tensor<Float>, opacity: Float = 0.5, gap: Int = 2) -> RGBImage {
        let n = crops.shape[0], side = crops.shape[2], h = maps.shape[1], w = maps.shape[2]
        let width = n * side + (n - 1) * gap
        var pixels = [UInt8](repeating: 255, count: width * side * 3)
        for i in 0..<n {
            let plane = Array(maps.scalars[(i * h * w)..<((i + 1) * h * w)])
            let lo = plane.min() ?? 0, hi = plane.max() ?? 1
            let span = hi > lo ? hi - lo : 1
            for y in 0..<side {
                for x in 0..<side {
                    // Bilinear sample of the map at the pixel centre.
                    let fy = (Float(y) + 0.5) * Float(h) / Float(side) - 0.5, fx = (Float(x) + 0.5) * Float(w) / Float(side) - 0.5
                    let y0 = max(0, min(h - 1, Int(fy.rounded(.down)))), x0 = max(0, min(w - 1, Int(fx.rounded(.down))))
                    let y1 = min(h - 1, y0 + 1), x1 = min(w - 1, x0 + 1)
                    let ty = min(max(fy - Float(y0), 0), 1), tx = min(max(fx - Float(x0), 0), 1)
                    let v = (plane[y0 * w + x0] * (1 - tx) + plane[y0 * w + x1] * tx) * (1 - ty)
                        + (plane[y1 * w + x0] * (1 - tx) + plane[y1 * w + x1] * tx) * ty
                    let (r, g, b) = heat((v - lo) / span)
                    let colour = [r, g, b]
                    for c in 0..<3 {
                        let image = (crops.scalars[((i * 3 + c) * side + y) * side + x] + 1) / 2
                        let blended = (1 - opacity) * image + opacity * colour[c]
                        pixels[(y * width + i * (side + gap) + x) * 3 + c] = UInt8(min(max(blended * 255, 0), 255).rounded())
                    }
                }
            }
        }
        return RGBImage(width: width, height: side, pixels: pixels)
    }
}

/// Loss and accuracy curves of a run's log as an SVG line chart.
public enum Curves {
    /// An SVG with one panel of the loss terms and one of the accuracies, per epoch.
    public static func svg(_ records: [EpochRecord], title: String) -> String {
        let width = 720.0, height = 300.0, margin = 40.0
        let colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"]
        func panel(x0: Double, label: String, series: [(String, [Double?])], fixedMax: Double?) -> String {
            let panelWidth = width / 2 - margin * 1.5
            let values = series.flatMap { $0.1.compactMap { $0 } }
            let top = fixedMax ?? max(values.max() ?? 1, 1e-9)
            let count = max(records.count - 1, 1)
            var s = "<g transform=\"translate(\(x0),\(margin))\">"
            s += "<rect width=\"\(panelWidth)\" height=\"\(height - 2 * margin)\" fill=\"none\" stroke=\"#999\"/>"
            s += "<text x=\"0\" y=\"-8\" font-size=\"12\">\(label) (max \(String(format: "%.3g", top)))</text>"
            for (k, (name, ys)) in series.enumerated() {
                let points = ys.enumerated().compactMap { i, y -> String? in
                    guard let y else { return nil }
                    let px = Double(i) / Double(count) * panelWidth, py = (1 - y / top) * (height - 2 * margin)
                    return String(format: "%.1f,%.1f", px, py)
                }
                s += "<polyline fill=\"none\" stroke=\"\(colours[k % colours.count])\" stroke-width=\"1.5\" points=\"\(points.joined(separator: " "))\"/>"
                s += "<text x=\"\(panelWidth + 4)\" y=\"\(12 * (k + 1))\" font-size=\"10\" fill=\"\(colours[k % colours.count])\">\(name)</text>"
            }
            return s + "</g>"
        }
        let keys = Set(records.flatMap { $0.losses.keys }).sorted()
        let losses = keys.map { key in (key, records.map { $0.losses[key] }) }
        let accuracies = [("train", records.map(\.trainAccuracy)), ("test", records.map(\.testAccuracy))]
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\">"
        svg += "<text x=\"\(margin)\" y=\"16\" font-size=\"13\">\(title) — \(records.count) epochs</text>"
        svg += panel(x0: margin, label: "losses", series: losses, fixedMax: nil)
        svg += panel(x0: width / 2 + margin / 2, label: "accuracy", series: accuracies, fixedMax: 1)
        return svg + "</svg>\n"
    }
}
