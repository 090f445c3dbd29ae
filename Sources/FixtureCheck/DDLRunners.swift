import Autodiff
import DDLModel
import Layers
import FastKernels
import TensorCore

/// The settings a DDL component fixture's `config` may carry.
struct ComponentConfig: Decodable {
    var cin: Int?
    var cout: Int?
    var stride: Int?
    var first: Bool?
    var pool: Bool?
    var preset: Preset?
    var training: Bool?
    var width: Int?
    var classes: Int?
    var factors: [Factor]?
    var dfems: DFEMCount?
    var lambda1: Double?
    var lambda2: Double?

    enum CodingKeys: String, CodingKey {
        case cin, cout, stride, first, pool, preset, training, width, classes, factors, dfems,
            lambda1, lambda2
        case inChannels = "in_channels"
    }
    var inChannels: Int?

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        cin = try c.decodeIfPresent(Int.self, forKey: .cin)
        cout = try c.decodeIfPresent(Int.self, forKey: .cout)
        stride = try c.decodeIfPresent(Int.self, forKey: .stride)
        first = try c.decodeIfPresent(Bool.self, forKey: .first)
        pool = try c.decodeIfPresent(Bool.self, forKey: .pool)
        preset = try c.decodeIfPresent(Preset.self, forKey: .preset)
        training = try c.decodeIfPresent(Bool.self, forKey: .training)
        width = try c.decodeIfPresent(Int.self, forKey: .width)
        classes = try c.decodeIfPresent(Int.self, forKey: .classes)
        factors = try c.decodeIfPresent([Factor].self, forKey: .factors)
        dfems = try c.decodeIfPresent(DFEMCount.self, forKey: .dfems)
        lambda1 = try c.decodeIfPresent(Double.self, forKey: .lambda1)
        lambda2 = try c.decodeIfPresent(Double.self, forKey: .lambda2)
        inChannels = try c.decodeIfPresent(Int.self, forKey: .inChannels)
    }

    /// `dfems` is a count in loss fixtures and a list of factor lists in `ddl_step`.
    enum DFEMCount: Decodable {
        case count(Int)
        case groups([[Factor]])
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let n = try? c.decode(Int.self) {
                self = .count(n)
            } else {
                self = .groups(try c.decode([[Factor]].self))
            }
        }
        var count: Int {
            switch self {
            case .count(let n): n
            case .groups(let g): g.count
            }
        }
    }

    /// Batch statistics without dropout masks (fixtures never draw dropout masks).
    var mode: Mode { Mode(training: training ?? false, dropout: false, random: nil) }
}

extension Fixture {
    /// Loads a component's parameters and buffers from the fixture's `parameters/` and
    /// `buffers/` under `prefix`, checking names and shapes; returns the parameters by their
    /// fixture names. Counters (`num_batches_tracked`) are not part of fixtures.
    func bind<C: StateContainer>(
        _ container: C, prefix: String = ""
    ) throws -> [String: Variable<C.Scalar>] {
        let parameters = try tensors("parameters", as: C.Scalar.self)
        let buffers = try tensors("buffers", as: C.Scalar.self)
        var bound: [String: Variable<C.Scalar>] = [:]
        var problems: [String] = []
        for entry in container.stateEntries() {
            let name = prefix + entry.name
            switch entry {
            case .parameter(_, let v):
                guard let t = parameters[name] else {
                    problems.append("missing /parameters/\(name)"); continue
                }
                guard t.shape == v.shape else {
                    problems.append(
                        "/parameters/\(name): \(describe(t.shape)), model \(describe(v.shape))");
                    continue
                }
                v.assign(t)
                bound[name] = v
            case .buffer(_, let b):
                guard let t = buffers[name] else {
                    problems.append("missing /buffers/\(name)"); continue
                }
                guard t.shape == b.value.shape else {
                    problems.append(
                        "/buffers/\(name): \(describe(t.shape)), model \(describe(b.value.shape))");
                    continue
                }
                b.value = t
            case .counter:
                break
            }
        }
        guard problems.isEmpty else {
            throw error(
                "/parameters", "does not fit the component: " + problems.joined(separator: "; "))
        }
        return bound
    }

    /// Every parameter the fixture holds under `prefix` must have been bound.
    func requireAllBound(_ bound: [String: Variable<some TensorScalar>], prefix: String = "") throws
    {
        let extra = try names("parameters").filter { $0.hasPrefix(prefix) && bound[$0] == nil }
        guard extra.isEmpty else {
            throw error(
                "/parameters",
                "unexpected entries for this component: \(extra.joined(separator: ", "))")
        }
    }

    /// The buffers of a container after the forward pass, under `prefix`.
    func buffersAfter<C: StateContainer>(
        _ container: C, prefix: String = ""
    ) -> [String: Tensor<C.Scalar>] {
        var result: [String: Tensor<C.Scalar>] = [:]
        for case .buffer(let n, let b) in container.stateEntries() { result[prefix + n] = b.value }
        return result
    }

    /// An input leaf by name.
    func input<S>(
        _ leaves: [(name: String, leaf: Variable<S>)], _ name: String
    ) throws -> Variable<S> {
        guard let v = leaves.first(where: { $0.name == name })?.leaf else {
            throw error("/inputs/\(name)", "missing input")
        }
        return v
    }

    func need<T>(_ value: T?, _ key: String) throws -> T {
        guard let value else { throw error("/@config", "\(component) needs '\(key)'") }
        return value
    }
}

/// Runs the DDL components of `fixtures/ddl/` (see `fixtures/README.md`).
struct DDLComponentRunner: ComponentRunner {
    let components = [
        "preact_block", "trunk", "attention_block", "multilevel_concat", "expression_head",
        "disturbance_head",
        "dfem", "discriminator", "loss_at", "joint_loss", "ddm", "ddl_step",
    ]

    func run<S: TensorScalar>(_ f: Fixture, as: S.Type) throws -> ComponentRun<S> {
        let c = try f.config(ComponentConfig.self)
        let leaves = try f.inputLeaves(as: S.self)
        var run = ComponentRun<S>()
        for (n, v) in leaves { run.inputs[n] = v }
        var g = RandomGenerator(seed: 0)
        let mode = c.mode
        func expectShape(_ v: Variable<S>, _ shape: [Int], _ name: String) throws {
            guard v.shape == shape else {
                throw f.error(
                    "/inputs/\(name)",
                    "shape \(describe(v.shape)), the component needs \(describe(shape))")
            }
        }
        switch f.component {
        case "preact_block":
            let block = PreActBlock<S>(
                try f.need(c.cin, "cin"), try f.need(c.cout, "cout"), stride: c.stride ?? 1,
                generator: &g)
            run.parameters = try f.bind(block)
            let x = try f.input(leaves, "x")
            guard x.shape.count == 4, x.shape[1] == c.cin else {
                throw f.error(
                    "/inputs/x", "needs [N, \(c.cin ?? 0), H, W], got \(describe(x.shape))")
            }
            run.outputs["output"] = block(x, mode: mode)
            run.buffersAfter = f.buffersAfter(block)
        case "trunk":
            let trunk = Trunk<S>(width: try f.need(c.width, "width"), generator: &g)
            run.parameters = try f.bind(trunk)
            let x = try f.input(leaves, "x")
            guard x.shape.count == 4, x.shape[1] == 3 else {
                throw f.error("/inputs/x", "needs [N, 3, H, W], got \(describe(x.shape))")
            }
            for (j, u) in trunk(x, mode: mode).enumerated() { run.outputs["u\(j + 1)"] = u }
            run.buffersAfter = f.buffersAfter(trunk)
        case "attention_block":
            let first = c.first ?? false
            let block = AttentionBlock<S>(
                try f.need(c.cin, "cin"), try f.need(c.cout, "cout"), first: first,
                pool: c.pool ?? true,
                preactivation: (c.preset ?? .paper) == .official, generator: &g)
            run.parameters = try f.bind(block)
            let u = try f.input(leaves, "u")
            guard u.shape.count == 4, u.shape[1] == c.cin else {
                throw f.error(
                    "/inputs/u", "needs [N, \(c.cin ?? 0), H, W], got \(describe(u.shape))")
            }
            let previous = first ? nil : try f.input(leaves, "a_prev")
            if let previous { try expectShape(previous, u.shape, "a_prev") }
            let (z, a) = block(u, previous: previous, mode: mode)
            run.outputs["z"] = z
            run.outputs["a"] = a
            run.buffersAfter = f.buffersAfter(block)
        case "multilevel_concat":
            let levels = try (1...5).map { try f.input(leaves, "a\($0)") }
            run.outputs["a_out"] = multilevelConcat(levels)
        case "expression_head":
            let preset = c.preset ?? .paper
            let head = ExpressionHead<S>(
                channels: try f.need(c.inChannels, "in_channels"),
                classes: try f.need(c.classes, "classes"),
                finalPReLU: preset == .official, generator: &g)
            run.parameters = try f.bind(head)
            run.outputs["logits"] = head(try f.input(leaves, "x"), mode: mode)
        case "disturbance_head":
            let head = DisturbanceHead<S>(width: try f.need(c.width, "width"), generator: &g)
            run.parameters = try f.bind(head)
            run.outputs["f_d"] = head(try f.input(leaves, "a5"), mode: mode)
        case "dfem":
            let factors = try f.need(c.factors, "factors")
            let dfem = DFEM<S>(
                width: try f.need(c.width, "width"), factors: factors,
                finalPReLU: (c.preset ?? .paper) == .official, seed: 0)
            run.parameters = try f.bind(dfem)
            var labels: [String: [Int]] = [:]
            for factor in factors {
                labels[factor.name] = try f.integers("inputs", "labels_\(factor.name)")
            }
            let out = dfem(try f.input(leaves, "x"), mode: mode)
            run.outputs["f_p"] = out.fp
            for (factor, l) in out.logits { run.outputs["logits_\(factor.name)"] = l }
            run.outputs["loss"] = dfemLoss(out.logits, labels: labels)
            run.buffersAfter = f.buffersAfter(dfem)
        case "discriminator":
            // D(f_p_0), L_AD over the DFEM features (f_d detached) and L_adv, back-propagated
            // together.
            let d = Discriminator<S>(generator: &g)
            run.parameters = try f.bind(d)
            let fps = try (0..<(c.dfems?.count ?? 1)).map { try f.input(leaves, "f_p_\($0)") }
            let fd = try f.input(leaves, "f_d")
            run.outputs["logits"] = d(fps[0], mode: mode)
            run.outputs["loss_ad"] = adversarialDiscriminatorLoss(d, fp: fps, fd: fd, mode: mode)
            run.outputs["loss_adv"] = adversarialLoss(d, fd: fd, mode: mode)
        case "loss_at":
            let ddmMaps = try (0..<5).map { try f.input(leaves, "d_\($0)") }
            let groups = try (0..<(c.dfems?.count ?? 1)).map { k in
                try (0..<5).map { try f.input(leaves, "p_\(k)_\($0)") }
            }
            for (k, group) in groups.enumerated() {
                for (j, p) in group.enumerated() {
                    try expectShape(p, ddmMaps[j].shape, "p_\(k)_\(j)")
                }
            }
            let normalisation: ATNormalisation =
                (c.preset ?? .paper) == .official ? .batch : .perSample
            run.outputs["loss"] = attentionTransferLoss(
                ddmMaps, groups, normalisation: normalisation)
        case "joint_loss":
            run.outputs["loss"] = jointLoss(
                ce: try f.input(leaves, "ce"), adversarial: try f.input(leaves, "adv"),
                attentionTransfer: try f.input(leaves, "at"),
                lambda1: S(try f.need(c.lambda1, "lambda1")),
                lambda2: S(try f.need(c.lambda2, "lambda2")))
        case "ddm":
            let config = try f.config(DDLConfig.self)
            let ddm = DDM<S>(config, seed: 0)
            run.parameters = try f.bind(ddm)
            let x = try f.input(leaves, "x")
            try expectShape(x, [x.shape.first ?? 1, 3, config.inputSize, config.inputSize], "x")
            let out = ddm(x, mode: mode)
            run.outputs["logits"] = out.logits
            run.outputs["a_out"] = out.aOut
            if let fd = out.fd { run.outputs["f_d"] = fd }
            run.buffersAfter = f.buffersAfter(ddm)
        case "ddl_step":
            return try runStep(f, c, leaves, as: S.self)
        default:
            throw f.error("/@component", "no DDL runner for '\(f.component)'")
        }
        try f.requireAllBound(run.parameters)
        return run
    }

    /// The whole stage-2 objective: DDM (training statistics), frozen DFEMs (evaluation), D.
    func runStep<S: TensorScalar>(
        _ f: Fixture, _ c: ComponentConfig, _ leaves: [(name: String, leaf: Variable<S>)],
        as: S.Type
    ) throws -> ComponentRun<S> {
        let config = try f.config(DDLConfig.self)
        guard case .groups(let groups)? = c.dfems else {
            throw f.error("/@config", "ddl_step needs 'dfems' as lists of factors")
        }
        var run = ComponentRun<S>()
        for (n, v) in leaves { run.inputs[n] = v }
        let ddm = DDM<S>(config, seed: 0)
        let dfems = groups.enumerated().map {
            DFEM<S>(
                width: config.width, factors: $0.element, finalPReLU: config.finalPReLU,
                seed: UInt64($0.offset))
        }
        var g = RandomGenerator(seed: 0)
        let d = Discriminator<S>(generator: &g)
        run.parameters = try f.bind(ddm, prefix: "ddm.")
        var everything = run.parameters
        for (k, dfem) in dfems.enumerated() {
            for (n, v) in try f.bind(dfem, prefix: "dfem.\(k).") { everything[n] = v }
        }
        for (n, v) in try f.bind(d, prefix: "discriminator.") {
            run.parameters[n] = v
            everything[n] = v
        }
        try f.requireAllBound(everything)
        let x = try f.input(leaves, "x")
        let labels = try f.integers("inputs", "labels")
        let out = ddm(x, mode: c.mode)
        let frozen = withoutGradients { dfems.map { $0(x, mode: .eval) } }
        guard let fd = out.fd else {
            throw f.error(
                "/@config", "ddl_step needs a ddl variant, got \(config.variant.rawValue)")
        }
        let ce = crossEntropy(logits: out.logits, labels: labels)
        let adv = adversarialLoss(d, fd: fd, mode: c.mode)
        let at = attentionTransferLoss(
            out.attentionTransferMaps, frozen.map(\.attentionTransferMaps),
            normalisation: config.atNormalisation)
        run.outputs["logits"] = out.logits
        run.outputs["loss_ce"] = ce
        run.outputs["loss_adv"] = adv
        run.outputs["loss_at"] = at
        run.outputs["loss_ad"] = adversarialDiscriminatorLoss(
            d, fp: frozen.map(\.fp), fd: fd, mode: c.mode)
        run.outputs["loss"] = jointLoss(
            ce: ce, adversarial: adv, attentionTransfer: at, lambda1: S(config.lambda1),
            lambda2: S(config.lambda2))
        run.buffersAfter = f.buffersAfter(ddm, prefix: "ddm.")
        for (k, dfem) in dfems.enumerated() {
            for (n, t) in f.buffersAfter(dfem, prefix: "dfem.\(k).") { run.buffersAfter[n] = t }
        }
        return run
    }
}
