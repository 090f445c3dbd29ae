import Foundation
import Training

/// Draws training events on standard error: a live bar on a terminal, one line per epoch
/// otherwise (logs, CI).
public final class ProgressPrinter {
    let live: Bool
    private var lastDraw = ContinuousClock.now
    private let clock = ContinuousClock()
    private var epochStart = ContinuousClock.now

    /// A printer; `live` (a terminal on standard error by default) redraws one bar.
    public init(live: Bool = isatty(STDERR_FILENO) != 0) { self.live = live }

    /// Draws `event`: the bar during an epoch, a line at its end.
    public func callAsFunction(_ event: TrainingEvent) {
        switch event {
        case .batch(
            let stage, let epoch, let epochs, let batch, let batches, let loss, let accuracy,
            let speed):
            if batch == 0 { epochStart = clock.now }
            guard live, clock.now - lastDraw > .milliseconds(200) || batch + 1 == batches else {
                return
            }
            lastDraw = clock.now
            let width = 24, done = (batch + 1) * width / max(batches, 1)
            let bar =
                String(repeating: "█", count: done) + String(repeating: "·", count: width - done)
            let remaining =
                Double(batches - batch - 1) / Double(max(batch + 1, 1))
                * seconds(clock.now - epochStart)
            var line =
                "\r\(stage) epoch \(epoch + 1)/\(epochs) \(bar) \(batch + 1)/\(batches) loss "
                    + "\(format(loss, 4))"
            if let accuracy { line += " acc \(format(accuracy * 100, 1))%" }
            line += " \(Int(speed)) img/s ETA \(duration(remaining))   "
            StandardStreams.error(line)
        case .epoch(let r):
            if live { StandardStreams.error("\r\u{1B}[K") }
            var line = "\(r.stage) epoch \(r.epoch): lr \(r.learningRate)"
            for key in r.losses.keys.sorted() { line += " \(key) \(format(r.losses[key] ?? 0, 4))" }
            if let a = r.trainAccuracy { line += " train \(format(a * 100, 1))%" }
            if let a = r.testAccuracy { line += " test \(format(a * 100, 1))%" }
            line += " (\(format(r.seconds, 1)) s, \(Int(r.imagesPerSecond)) img/s)\n"
            StandardStreams.error(line)
        case .note(let text):
            StandardStreams.error("\(text)\n")
        }
    }

    /// Clears a live bar so that a line of text can follow.
    public func clear() {
        if live { StandardStreams.error("\r\u{1B}[K") }
    }

    func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}

/// `x` with `digits` decimals.
func format(_ x: Double, _ digits: Int) -> String {
    guard x.isFinite else { return "\(x)" }
    let scale = Double.pow(10, Double(digits))
    let r = (x * scale).rounded() / scale
    var s = String(r)
    if let dot = s.firstIndex(of: ".") {
        let decimals = s.distance(from: dot, to: s.endIndex) - 1
        if decimals < digits { s += String(repeating: "0", count: digits - decimals) }
    } else if digits > 0 {
        s += "." + String(repeating: "0", count: digits)
    }
    return s
}

/// `m:ss` or `h:mm:ss`.
func duration(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0 else { return "?" }
    let s = Int(seconds.rounded())
    let two = { (n: Int) in n < 10 ? "0\(n)" : "\(n)" }
    return s >= 3600 ? "\(s / 3600):\(two(s / 60 % 60)):\(two(s % 60))" : "\(s / 60):\(two(s % 60))"
}
