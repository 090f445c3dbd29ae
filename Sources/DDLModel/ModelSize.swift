import Foundation
import Layers

/// How large a model of a configuration is, found without building it: the state-dict entry
/// count of a DDM (or DFEM) is a quadratic in the width and linear in the class counts, so
/// three tiny models per class count give it exactly for any width.
public enum ModelSize {
    /// Bounds no real configuration comes near, checked before anything is allocated.
    public static let maximumWidth = 4096
    /// The largest class count accepted (expression or factor).
    public static let maximumClasses = 100_000
    /// The largest input side accepted.
    public static let maximumInputSize = 4096

    /// The number of state-dict scalars (parameters and buffers) of the DDM of `config`.
    public static func ddmScalars(_ config: DDLConfig) -> Double {
        // Linear in the expression classes: f(k) = f(2) + (k − 2)·(f(3) − f(2)).
        func at(_ classes: Int) -> Double {
            quadratic(config.width) { w in
                var c = config
                c.width = w
                c.classes = classes
                return DDM<Float>(c, seed: 0).stateShapes().reduce(0) { $0 + $1.shape.reduce(1, *) }
            }
        }
        let two = at(2), three = at(3)
        return two + Double(config.classes - 2) * (three - two)
    }

    /// The number of state-dict scalars of a DFEM of `width` with `factors`.
    public static func dfemScalars(width: Int, factors: [Factor], finalPReLU: Bool) -> Double {
        // Each head is linear in its class count: take every factor at 2 and 3 classes.
        func at(_ classes: [Int]) -> Double {
            quadratic(width) { w in
                let f = zip(factors, classes).map { Factor($0.0.name, $0.1) }
                return DFEM<Float>(width: w, factors: f, finalPReLU: finalPReLU, seed: 0)
                    .stateShapes().reduce(0) { $0 + $1.shape.reduce(1, *) }
            }
        }
        let base = at(factors.map { _ in 2 })
        var total = base
        for (i, f) in factors.enumerated() {
            var classes = factors.map { _ in 2 }
            classes[i] = 3
            total += Double(f.classes - 2) * (at(classes) - base)
        }
        return total
    }

    /// p(w) from p(1), p(2), p(3) by Lagrange's formula (exact for a quadratic).
    static func quadratic(_ width: Int, _ p: (Int) -> Int) -> Double {
        if width <= 3 { return Double(p(max(width, 1))) }
        let w = Double(width), p1 = Double(p(1)), p2 = Double(p(2)), p3 = Double(p(3))
        return p1 * (w - 2) * (w - 3) / 2 - p2 * (w - 1) * (w - 3) + p3 * (w - 1) * (w - 2) / 2
    }

    /// The memory of this machine in bytes.
    public static var physicalMemory: Double { Double(ProcessInfo.processInfo.physicalMemory) }

    /// `bytes` for messages: `3.2 GB`.
    public static func describe(bytes: Double) -> String {
        let units = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"]
        var value = bytes, unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(Int(value)) bytes" : "\((value * 10).rounded() / 10) \(units[unit])"
    }

    /// Problems with a configuration's sizes (width, input side, class counts) against the
    /// bounds, each naming the value; empty when it is sane.
    public static func boundProblems(_ config: DDLConfig) -> [String] {
        var problems: [String] = []
        if !(1...maximumWidth).contains(config.width) {
            problems.append("width \(config.width) is outside 1…\(maximumWidth)")
        }
        if !(2...maximumClasses).contains(config.classes) {
            problems.append("\(config.classes) expression classes is outside 2…\(maximumClasses)")
        }
        if !(1...maximumInputSize).contains(config.inputSize) {
            problems.append("input size \(config.inputSize) is outside 1…\(maximumInputSize)")
        }
        for f in config.factors where !(1...maximumClasses).contains(f.classes) {
            problems.append(
                "factor \(f.name) has \(f.classes) classes, outside 1…\(maximumClasses)")
        }
        return problems
    }
}
