import DDLModel

/// One arm of an experiment: a Table 1 variant trained with given weights of the joint
/// loss (Eq. 11). Table 2's arms are the nine variants at the paper's weights; an ablation
/// adds the full variant with λ1 or λ2 (or both) set to 0.
public struct Arm: Sendable, Hashable, Codable {
    /// The column name: the variant, with the weights appended when they are not the paper's.
    public var name: String
    /// The model trained.
    public var variant: Variant
    /// λ1, the weight of the adversarial loss.
    public var lambda1: Double
    /// λ2, the weight of the attention-transfer loss.
    public var lambda2: Double

    /// The paper's weights (Section 4.2).
    public static let paperLambda1 = 1.0, paperLambda2 = 0.05

    /// `variant` with the weights `lambda1`, `lambda2` (the paper's by default).
    public init(
        _ variant: Variant, lambda1: Double = Arm.paperLambda1, lambda2: Double = Arm.paperLambda2
    ) {
        self.variant = variant
        self.lambda1 = lambda1
        self.lambda2 = lambda2
        let paper = lambda1 == Arm.paperLambda1 && lambda2 == Arm.paperLambda2
        if paper || !variant.usesDisturbanceBranch {
            name = variant.rawValue
        } else {
            name = variant.rawValue + " λ1=\(Arm.number(lambda1)) λ2=\(Arm.number(lambda2))"
        }
    }

    /// A weight as typed: `1`, `0.05`, `0`.
    static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e6 ? String(Int(x)) : "\(x)"
    }

    /// A name safe as a folder name.
    var folder: String {
        name.replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "λ", with: "lambda")
            .replacingOccurrences(of: "/", with: "_")
    }

    /// The ablation of `variant`: full weights, λ1 = 0, λ2 = 0, and both 0.
    public static func ablation(
        of variant: Variant, lambda1: Double = Arm.paperLambda1, lambda2: Double = Arm.paperLambda2
    ) -> [Arm] {
        [
            Arm(variant, lambda1: lambda1, lambda2: lambda2),
            Arm(variant, lambda1: 0, lambda2: lambda2),
            Arm(variant, lambda1: lambda1, lambda2: 0), Arm(variant, lambda1: 0, lambda2: 0)
        ]
    }
}
