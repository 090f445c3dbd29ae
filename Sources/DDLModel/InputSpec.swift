import Foundation

/// What a network was trained on, stored in its checkpoint (root attribute `preprocessing`,
/// JSON with snake_case keys) so that `ddl predict` and the PyTorch scripts feed new images
/// the same way: square RGB faces of `image_size` (aligned as the prepared caches are), the
/// centred `input_size` crop, scaled by `scaling`, NCHW, and the expression class names in
/// the order of the logits.
public struct InputSpec: Codable, Equatable, Sendable {
    /// Side of the square face images of the training set (100 for prepared caches).
    public var imageSize: Int
    /// Side of the network input: the centred crop of the face in evaluation (training
    /// takes random crops of this side).
    public var inputSize: Int
    /// Pixel scaling.
    public var scaling: InputScaling
    /// The name of each expression class, in the order of the logits.
    public var classNames: [String]
    /// How faces were brought to `image_size`, in words (for readers of the file).
    public var alignment: String
    /// Side every face is resized to (bilinear, half-pixel centres) before the crop; nil or
    /// absent: none (docs/MODEL.md, "Preprocessing").
    public var resize: Int?
    /// Whether faces are turned to BT.601 grey replicated to three channels before the crop;
    /// nil or absent: no.
    public var grayscale: Bool?

    /// The alignment `ddl data prepare` applies (FaceAligner's defaults).
    public static let preparedAlignment =
        "eye centres at (0.32, 0.40) and (0.68, 0.40) of the side when landmarks exist, else the "
            + "largest centred square; bilinear"

    enum CodingKeys: String, CodingKey {
        case imageSize = "image_size", inputSize = "input_size", scaling,
            classNames = "class_names", alignment, resize, grayscale
    }

    /// A description of training on `imageSize` faces with `inputSize` crops.
    public init(
        imageSize: Int, inputSize: Int, classNames: [String], scaling: InputScaling = .symmetric,
        alignment: String = InputSpec.preparedAlignment, resize: Int? = nil, grayscale: Bool? = nil
    ) {
        self.resize = resize
        self.grayscale = grayscale
        self.imageSize = imageSize
        self.inputSize = inputSize
        self.scaling = scaling
        self.classNames = classNames
        self.alignment = alignment
    }

    /// What a checkpoint written before preprocessing was stored most likely used: the
    /// default crop (90% of the image side, so the image side is `input / 0.9` rounded),
    /// the symmetric scaling (the only one training has had), and `classNames`.
    public static func assumed(inputSize: Int, classNames: [String]) -> InputSpec {
        InputSpec(
            imageSize: Int((Double(inputSize) / 0.9).rounded()), inputSize: inputSize,
            classNames: classNames)
    }

    /// One line of JSON (sorted keys).
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Parses `json`.
    public static func parse(_ json: String) throws -> InputSpec {
        try JSONDecoder().decode(InputSpec.self, from: Data(json.utf8))
    }
}
