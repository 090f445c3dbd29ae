import Autodiff
import DDLModel
import FaceData
import FaceDatasets
import Foundation
import Layers
import FastKernels
import TensorCore
import Training

/// Figure 5 of the paper: the concatenated map of Eq. 10 (the expression head's input)
/// summed over channels, upsampled to the image and laid over it as a heat map.
public enum AttentionMaps {
    /// The channel sum of the expression head's input for each image, `[N, h, w]`, in
    /// evaluation mode on centre crops (`augmentation`, by default the plain centred crop of
    /// the model's input size; `Augmentation.evaluation(of:)` for a checkpoint's own).
    public static func maps(
        _ ddm: DDM<Float>, _ set: FaceSet, indices: [Int], augmentation: Augmentation? = nil
    ) -> (crops: Tensor<Float>, maps: Tensor<Float>) {
        var unused = RandomGenerator(seed: 0)
        let x = (augmentation ?? Augmentation(crop: ddm.config.inputSize, flip: false)).batch(
            set, indices: indices, training: false, generator: &unused, as: Float.self)
        let out = withoutGradients { ddm(Variable(x), mode: .eval) }
        return (x, out.aOut.value.sum(alongAxes: [1]))
    }

    /// A colour for a heat value in [0, 1] (blue, cyan, yellow, red).
    static func heat(_ t: Float) -> (Float, Float, Float) {
        let v = min(max(t, 0), 1)
        return (
            min(max(1.5 - abs(4 * v - 3), 0), 1), min(max(1.5 - abs(4 * v - 2), 0), 1),
            min(max(1.5 - abs(4 * v - 1), 0), 1)
        )
    }

    /// One row of overlays: each crop with its map (normalised per image to [0, 1],
    /// upsampled bilinearly) blended at `opacity`, `gap` white pixels apart.
    public static func overlay(
        crops: Tensor<Float>, maps: Tensor<Float>, opacity: Float = 0.5, gap: Int = 2
    ) -> RGBImage {
        LineChart.side(by: overlays(crops: crops, maps: maps, opacity: opacity), gap: gap)
    }

    /// Each crop (`[N, 3, s, s]`, scaled to [−1, 1]) with its map (`[N, h, w]`, normalised
    /// per image to [0, 1], upsampled bilinearly to s × s) blended at `opacity`.
    public static func overlays(
        crops: Tensor<Float>, maps: Tensor<Float>, opacity: Float = 0.5
    ) -> [RGBImage] {
        let n = crops.shape[0], side = crops.shape[2], h = maps.shape[1], w = maps.shape[2]
        return (0..<n).map { i in
            var pixels = [UInt8](repeating: 255, count: side * side * 3)
            let plane = Array(maps.scalars[(i * h * w)..<((i + 1) * h * w)])
            let lo = plane.min() ?? 0, hi = plane.max() ?? 1
            let span = hi > lo ? hi - lo : 1
            for y in 0..<side {
                for x in 0..<side {
                    // Bilinear sample of the map at the pixel centre.
                    let fy = (Float(y) + 0.5) * Float(h) / Float(side) - 0.5,
                        fx = (Float(x) + 0.5) * Float(w) / Float(side) - 0.5
                    let y0 = max(0, min(h - 1, Int(fy.rounded(.down)))),
                        x0 = max(0, min(w - 1, Int(fx.rounded(.down))))
                    let y1 = min(h - 1, y0 + 1), x1 = min(w - 1, x0 + 1)
                    let ty = min(max(fy - Float(y0), 0), 1), tx = min(max(fx - Float(x0), 0), 1)
                    let v = (plane[y0 * w + x0] * (1 - tx) + plane[y0 * w + x1] * tx) * (1 - ty)
                        + (plane[y1 * w + x0] * (1 - tx) + plane[y1 * w + x1] * tx) * ty
                    let (r, g, b) = heat((v - lo) / span)
                    let colour = [r, g, b]
                    for c in 0..<3 {
                        let image = (crops.scalars[((i * 3 + c) * side + y) * side + x] + 1) / 2
                        let blended = (1 - opacity) * image + opacity * colour[c]
                        pixels[(y * side + x) * 3 + c] = UInt8(
                            min(max(blended * 255, 0), 255).rounded())
                    }
                }
            }
            return RGBImage(width: side, height: side, pixels: pixels)
        }
    }
}
