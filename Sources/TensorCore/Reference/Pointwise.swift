import RealModule

/// Elementwise binary operations with broadcasting.
public enum BinaryOperation: Sendable, Equatable {
    /// Addition, subtraction, multiplication and division.
    case add, sub, mul, div
}

/// Unary pointwise maps.
public enum PointwiseOperation: Sendable, Equatable {
    /// The parameterless maps: `max(x, 0)`, `σ(x)`, `tanh x`, `eˣ`, `ln x`, `√x`, `x²`, `−x`.
    case relu, sigmoid, tanh, exp, log, sqrt, square, negate
    /// `x` for `x > 0`, else `slope·x`.
    case leakyRelu(slope: Double)
    /// `xᵖ` for the exponent `p` (an integer power when `p` is a whole number).
    case pow(Double)
    /// `x·s`.
    case scale(Double)
    /// `x + s`.
    case shift(Double)
}

/// Gradients of the pointwise maps: `saved` is the map's input `x` or its output `y`.
public enum PointwiseGradient: Sendable, Equatable {
    /// `g·[x > 0]` (saved: x).
    case relu
    /// `g·(x > 0 ? 1 : slope)` (saved: x).
    case leakyRelu(slope: Double)
    /// `g·y·(1 − y)` (saved: y).
    case sigmoid
    /// `g·y` (saved: y).
    case exp
    /// `g/x` (saved: x).
    case log
    /// `g/(2y)` (saved: y).
    case sqrt
    /// `g/(2y)` where `y > 0`, else 0: the square root inside a Euclidean norm, whose
    /// gradient at 0 is taken as 0 (as PyTorch's `vector_norm`) (saved: y).
    case sqrtOfNorm
    /// `g·(1 − y²)` (saved: y).
    case tanh
    /// `2·g·x` (saved: x).
    case square
    /// `g·p·x^(p−1)` (saved: x).
    case pow(Double)
}

extension Tensor {
    /// A unary pointwise map in a loop specialised for the operation.
    public static func pointwiseKernel(_ op: PointwiseOperation, _ x: Tensor) -> Tensor {
        switch op {
        case .relu: return x.map { $0 > 0 ? $0 : 0 }
        case .sigmoid: return x.map { sigmoid($0) }
        case .exp: return x.map { Scalar.exp($0) }
        case .log: return x.map { Scalar.log($0) }
        case .sqrt: return x.map { $0.squareRoot() }
        case .square: return x.map { $0 * $0 }
        case .negate: return x.map { -$0 }
        case .tanh: return x.map { Scalar.tanh($0) }
        case .leakyRelu(let slope):
            let a = Scalar(slope)
            return x.map { $0 > 0 ? $0 : a * $0 }
        case .pow(let p):
            let e = Scalar(p)
            if p.rounded() == p && abs(p) < Double(1 << 30) {
                let n = Int(p)
                return x.map { Scalar.pow($0, n) }
            }
            return x.map { Scalar.pow($0, e) }
        case .scale(let s):
            let k = Scalar(s)
            return x.map { $0 * k }
        case .shift(let s):
            let k = Scalar(s)
            return x.map { $0 + k }
        }
    }

    /// The gradient of a pointwise map for upstream `g`.
    public static func pointwiseGradientKernel(
        _ op: PointwiseGradient, _ g: Tensor, _ saved: Tensor
    ) -> Tensor {
        switch op {
        case .relu: return g.zip(saved) { d, x in x > 0 ? d : 0 }
        case .leakyRelu(let slope):
            let a = Scalar(slope)
            return g.zip(saved) { d, x in x > 0 ? d : a * d }
        case .sigmoid: return g.zip(saved) { d, y in d * y * (1 - y) }
        case .exp: return g.zip(saved) { d, y in d * y }
        case .log: return g.zip(saved) { d, x in d / x }
        case .sqrt: return g.zip(saved) { d, y in d / (2 * y) }
        case .sqrtOfNorm: return g.zip(saved) { d, y in y > 0 ? d / (2 * y) : 0 }
        case .square: return g.zip(saved) { d, x in 2 * x * d }
        case .tanh: return g.zip(saved) { d, y in d * (1 - y * y) }
        case .pow(let p):
            let e = Scalar(p)
            if (p - 1).rounded() == p - 1 && abs(p) < Double(1 << 30) {
                let n = Int(p) - 1
                return g.zip(saved) { d, x in d * e * Scalar.pow(x, n) }
            }
            return g.zip(saved) { d, x in d * e * Scalar.pow(x, e - 1) }
        }
    }
}

