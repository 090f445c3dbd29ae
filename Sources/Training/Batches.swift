import FaceData
import FastKernels
import TensorCore

/// How images become network inputs: the `preprocessing` (none by default), a square crop
/// of `crop` pixels (random in training, centred in evaluation), a random horizontal flip in
/// training, and pixels scaled to [−1, 1] by `(x/255 − 0.5)/0.5`.
public struct Augmentation: Sendable, Equatable {
    /// Side of the network input (90 in the paper, from 100×100 faces).
    public var crop: Int
    /// Random horizontal flips in training.
    public var flip: Bool
    /// Resize and grayscale before the crop; rotation and colour jitter in training.
    public var preprocessing: Preprocessing

    /// An augmentation; see the properties.
    public init(crop: Int, flip: Bool = true, preprocessing: Preprocessing = .plain) {
        self.crop = crop
        self.flip = flip
        self.preprocessing = preprocessing
    }

    /// One batch of images as a `[B, 3, crop, crop]` tensor.
    ///
    /// Per image, training draws from `generator` the crop's row and column offsets and the
    /// flip (when `flip`), then `preprocessing.draw` (nothing for plain preprocessing, so
    /// plain batches draw as they always have).
    /// - Parameters:
    ///   - training: random crops, flips, rotations and jitter drawn from `generator`;
    ///     otherwise centre crops of the resized (and grayscale) images.
    public func batch<S: TensorScalar>(
        _ set: FaceSet, indices: [Int], training: Bool, generator: inout RandomGenerator,
        as: S.Type = S.self
    ) -> Tensor<S> {
        let size = preprocessing.side(after: set.size), c = crop
        precondition(c <= size, "Augmentation: crop \(c) is larger than the \(size)×\(size) images")
        var offsets: [(y: Int, x: Int, flip: Bool)] = []
        var draws: [Preprocessing.Draw] = []
        for _ in indices {
            if training {
                let y = Int(generator.next() % UInt64(size - c + 1))
                let x = Int(generator.next() % UInt64(size - c + 1))
                offsets.append((y, x, flip && generator.next() & 1 == 1))
                draws.append(preprocessing.draw(&generator))
            } else {
                offsets.append(((size - c) / 2, (size - c) / 2, false))
                draws.append(Preprocessing.Draw())
            }
        }
        if preprocessing.isPlain {
            return Self.cropped(set.pixels, side: size, sources: indices, offsets: offsets, crop: c)
        }
        var images: [UInt8] = []
        images.reserveCapacity(indices.count * 3 * size * size)
        for (b, i) in indices.enumerated() {
            var im = preprocessing.prepared(FaceImage(set, index: i))
            if training && preprocessing.isRandom { im = preprocessing.randomised(im, draws[b]) }
            images += im.pixels
        }
        return Self.cropped(
            images, side: size, sources: Array(indices.indices), offsets: offsets, crop: c)
    }

    /// The crops (flipped where asked) of images `sources` of `pixels` (images of side
    /// `side`, NCHW bytes), scaled to [−1, 1].
    static func cropped<S: TensorScalar>(
        _ pixels: [UInt8], side size: Int, sources: [Int], offsets: [(y: Int, x: Int, flip: Bool)],
        crop c: Int
    ) -> Tensor<S> {
        let scale = S(2.0 / 255.0)
        return Tensor(shape: [sources.count, 3, c, c]) { out in
            pixels.withUnsafeBufferPointer { px in
                for (b, i) in sources.enumerated() {
                    let (oy, ox, flipped) = offsets[b]
                    for ch in 0..<3 {
                        let src = i * 3 * size * size + ch * size * size
                        let dst = ((b * 3) + ch) * c * c
                        for y in 0..<c {
                            let row = src + (oy + y) * size + ox
                            for x in 0..<c {
                                let sx = flipped ? c - 1 - x : x
                                out[dst + y * c + x] = S(px[row + sx]) * scale - 1
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The order in which an epoch visits a set: a seeded shuffle per epoch, cut into batches
/// (the last one may be short; with `dropLast` it is left out).
public struct EpochOrder: Sendable {
    /// The batches, as indices into the set, in order.
    public let batches: [[Int]]

    /// The batches of epoch `epoch` for a run seeded with `seed`: the same every time.
    public init(
        count: Int, batchSize: Int, seed: UInt64, epoch: Int, shuffle: Bool = true,
        dropLast: Bool = false
    ) {
        precondition(batchSize > 0, "EpochOrder: batch size must be positive")
        var order = Array(0..<count)
        if shuffle {
            var g = RandomGenerator(seed: deriveSeed(seed, "order", epoch))
            order.shuffle(using: &g)
        }
        var batches: [[Int]] = []
        var start = 0
        while start < count {
            let end = min(start + batchSize, count)
            if !(dropLast && end - start < batchSize) { batches.append(Array(order[start..<end])) }
            start = end
        }
        self.batches = batches
    }
}

/// A seed for one purpose of one epoch of a run, so that every epoch's randomness can be
/// recreated from the run's seed alone (which is what makes resuming exact).
public func deriveSeed(_ seed: UInt64, _ purpose: String, _ epoch: Int) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ seed
    for byte in purpose.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    h = (h ^ UInt64(bitPattern: Int64(epoch))) &* 0x0000_0100_0000_01B3
    var g = RandomGenerator(seed: h)
    return g.next()
}
