/// How pixel bytes become network inputs.
public enum InputScaling: String, Codable, Sendable, CaseIterable {
    /// `x·2/255 − 1`: bytes 0…255 to [−1, 1] (what `Augmentation.batch` computes).
    case symmetric = "x*2/255-1"

    /// The network input for byte `x`.
    public func apply(_ x: UInt8) -> Double {
        switch self {
        case .symmetric: Double(x) * 2 / 255 - 1
        }
    }
}
