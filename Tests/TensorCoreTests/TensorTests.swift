import Testing
import FastKernels
import TensorCore

@Suite("Tensor storage, shapes and views")
struct TensorTests {
    @Test func shapeCountAndStrides() {
        #expect(Shape.count([2, 3, 4]) == 24)
        #expect(Shape.count([]) == 1)
        #expect(Shape.strides([2, 3, 4]) == [12, 4, 1])
    }

    @Test func subscriptsAreRowMajor() {
        let t = Tensor<Float>(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5])
        #expect(t[1, 2] == 5)
        #expect(t[0, 1] == 1)
        #expect(t.offset([1, 0]) == 3)
        #expect(t.multiIndex(4) == [1, 1])
    }

    /// Fills made from generic code (as another module's layers make them) hold the value's
    /// exact bits: +0 by a byte fill, −0, NaN and other values by a typed one.
    func filledGenerically<S: TensorElement>(_ value: S, _ shape: [Int]) -> Tensor<S> {
        Tensor(repeating: value, shape: shape)
    }

    @Test func fillsKeepTheBitsOfTheirValue() {
        for v: Float in [0, -0.0, 1.5, .nan, -.infinity, .leastNonzeroMagnitude] {
            let t = filledGenerically(v, [3, 5])
            #expect(t.shape == [3, 5] && t.count == 15)
            #expect(t.scalars.allSatisfy { $0.bitPattern == v.bitPattern }, "\(v)")
        }
        for v: Double in [0, -0.0, -2.25, .nan, .greatestFiniteMagnitude] {
            let t = filledGenerically(v, [7])
            #expect(t.scalars.allSatisfy { $0.bitPattern == v.bitPattern }, "\(v)")
        }
        #expect(filledGenerically(Float(1), [2, 0]).count == 0)
        #expect(Tensor<Double>.zeros([]).scalars == [0])
        #expect(Tensor<Float>.ones([4]).scalars == [1, 1, 1, 1])
    }

    @Test func broadcastToRepeatsEveryValueExactly() {
        let x = Tensor<Float>(shape: [2, 1, 3], scalars: [1, -0.0, .nan, -2, .infinity, 3e-39])
        let y = x.broadcast(to: [2, 4, 3])
        #expect(y.shape == [2, 4, 3])
        var same = 0
        for n in 0..<2 {
            for r in 0..<4 {
                for c in 0..<3 where y[n, r, c].bitPattern == x[n, 0, c].bitPattern { same += 1 }
            }
        }
        #expect(same == 24)
        let scalar = Tensor<Double>(shape: [1], scalars: [-0.0]).broadcast(to: [2, 2])
        #expect(scalar.scalars.allSatisfy { $0.bitPattern == (-0.0).bitPattern })
    }

    @Test func reshapeIsAViewWithInferredSize() {
        let t = Tensor<Double>(shape: [2, 3, 4], scalars: (0..<24).map(Double.init))
        let v = t.reshaped([6, -1])
        #expect(v.shape == [6, 4])
        #expect(v.scalars == t.scalars)
        #expect(t.flattened().shape == [2, 12])
    }

    @Test func reshapeValidationNamesBothShapes() {
        #expect(throws: ShapeError("reshape", "cannot view [2, 3] (6 elements) as [4, 2]")) {
            try Tensor<Float>.validateReshape([2, 3], [4, 2])
        }
        #expect(throws: ShapeError.self) { try Tensor<Float>.validateReshape([2, 3], [-1, -1]) }
    }

    @Test func equalityIsExactBits() {
        let a = Tensor<Float>(shape: [2], scalars: [1, 2])
        #expect(a == Tensor(shape: [2], scalars: [1, 2]))
        #expect(a != Tensor(shape: [2], scalars: [1, 2.0000002]))
        #expect(a != Tensor(shape: [1, 2], scalars: [1, 2]))
    }

    @Test func conversionBetweenScalars() {
        let d = Tensor<Double>(shape: [3], scalars: [0.5, -1.25, 3])
        #expect(d.converted(to: Float.self).scalars == [0.5, -1.25, 3])
    }

    @Test func compareUsesAtolPlusRtolAndReportsFirstIndex() {
        let ref = Tensor<Double>(shape: [2, 2], scalars: [1, 100, 0, -5])
        let ok = Tensor<Double>(shape: [2, 2], scalars: [1.0005, 100.05, 0.0005, -5.001])
        #expect(compare(ok, ref, atol: 1e-3, rtol: 1e-3).passed)
        let bad = Tensor<Double>(shape: [2, 2], scalars: [1, 100, 0.01, -5])
        let r = compare(bad, ref, atol: 1e-3, rtol: 1e-3)
        #expect(!r.passed)
        #expect(r.firstFailure == [1, 0])
        #expect(!compare(Tensor<Double>.zeros([4]), ref, atol: 1, rtol: 1).passed)
        let nan = Tensor<Double>(shape: [2, 2], scalars: [1, .nan, 0, -5])
        #expect(compare(nan, ref, atol: 1, rtol: 1).firstFailure == [0, 1])
    }
}

@Suite("Seeded random generator and initialisers")
struct RandomTests {
    @Test func sameSeedSameBits() {
        var a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42), c = RandomGenerator(seed: 43)
        let x = (0..<5).map { _ in a.next() }
        #expect(x == (0..<5).map { _ in b.next() })
        #expect(x != (0..<5).map { _ in c.next() })
    }

    @Test func uniformAndNormalMoments() {
        var g = RandomGenerator(seed: 7)
        let u = Tensor<Double>.uniform([20_000], low: -1, high: 3, generator: &g)
        #expect(u.scalars.allSatisfy { $0 >= -1 && $0 < 3 })
        #expect(abs(u.mean().scalar - 1) < 0.05)
        let n = Tensor<Double>.normal([20_000], mean: 2, std: 0.5, generator: &g)
        let m = n.mean().scalar
        let v = n.scalars.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(n.count)
        #expect(abs(m - 2) < 0.02)
        #expect(abs(v.squareRoot() - 0.5) < 0.02)
    }

    @Test func kaimingUniformUsesPyTorchBound() {
        var g = RandomGenerator(seed: 3)
        let w = Tensor<Float>.kaimingUniform([64, 16, 3, 3], generator: &g)
        let bound = Float(1 / (144.0).squareRoot())
        #expect(w.scalars.allSatisfy { abs($0) <= bound })
        #expect(w.scalars.map(abs).max()! > bound * 0.99)
    }
}
