import Autodiff
import Foundation
import DDLModel
import FixtureCheck
import Layers
import Testing
import FastKernels
import TensorCore
import Training

/// Ways a stage-2 or stage-1 step can be wrong, injected into a step written out here.
enum StepFault: Sendable {
    /// The DDM's step on the joint loss before D's step on L_AD.
    case ddmBeforeD
    /// D's gradients not cleared before its step (the last step's L_AD and L_adv gradients
    /// are added in).
    case discriminatorNotZeroed
    /// The DDM's (or the DFEM's) gradients not cleared before its step.
    case modelNotZeroed
}

/// The stage-2 step written out op by op, optionally with one fault: without a fault it is
/// `DDLStep.run`'s sequence, so its passing shows the faults below are the only change.
func stageTwo(fault: StepFault?) -> StageTwoStep {
    { m, x, labels, mode in
        let out = m.ddm(x, mode: mode)
        let ce = crossEntropy(logits: out.logits, labels: labels)
        var losses = ["loss_ce": Double(ce.value.scalar)]
        guard let d = m.discriminator, let dOptimizer = m.discriminatorOptimizer, let fd = out.fd else {
            if fault != .modelNotZeroed { m.optimizer.zeroGrad() }
            ce.backward()
            m.optimizer.step()
            losses["loss"] = losses["loss_ce"]
            return losses
        }
        let frozen = withoutGradients { m.dfems.map { $0(x, mode: .eval) } }
        func discriminatorStep() {
            let ad = adversarialDiscriminatorLoss(d, fp: frozen.map(\.fp), fd: fd, mode: mode)
            losses["loss_ad"] = Double(ad.value.scalar)
            if fault != .discriminatorNotZeroed { dOptimizer.zeroGrad() }
            ad.backward()
            dOptimizer.step()
        }
        func ddmStep() {
            let adv = adversarialLoss(d, fd: fd, mode: mode)
            let at = attentionTransferLoss(out.attentionTransferMaps, frozen.map(\.attentionTransferMaps),
                                           normalisation: m.ddm.config.atNormalisation)
            let loss = jointLoss(ce: ce, adversarial: adv, attentionTransfer: at,
                                 lambda1: m.ddm.config.lambda1, lambda2: m.ddm.config.lambda2)
            losses["loss_adv"] = Double(adv.value.scalar)
            losses["loss_at"] = Double(at.value.scalar)
            losses["loss"] = Double(loss.value.scalar)
            if fault != .modelNotZeroed { m.optimizer.zeroGrad() }
            loss.backward()
            if fault != .discriminatorNotZeroed { d.zeroGrad() }
            m.optimizer.step()
        }
        if fault == .ddmBeforeD {
            ddmStep()
            discriminatorStep()
        } else {
            discriminatorStep()
            ddmStep()
        }
        return losses
    }
}

/// The stage-1 step written out, optionally without clearing the DFEM's gradients.
func stageOne(fault: StepFault?) -> StageOneStep {
    { dfem, optimizer, x, labels, mode in
        let out = dfem(x, mode: mode)
        let loss = dfemLoss(out.logits, labels: labels)
        if fault != .modelNotZeroed { optimizer.zeroGrad() }
        loss.backward()
        optimizer.step()
        return ["loss": Double(loss.value.scalar)]
    }
}

@Suite("Training trajectories against PyTorch")
struct TrajectoryTests {
    static let stageTwoFiles = ["ddl_paper_ddl_gar", "ddl_official_ddl_gar_id_il_p"]

    func verify(_ name: String, _ runner: TrajectoryRunner) throws -> FixtureReport {
        let verifier = FixtureVerifier(runners: [runner])
        return try verifier.verify(path: fixturesFolder + "/trajectory/\(name).h5")
    }

    @Test func bothPresetsAndThreeVariantsAreCommitted() {
        let names = Set(committedFixtures.filter { $0.hasPrefix("trajectory/") })
        for preset in ["paper", "official"] {
            for variant in ["baseline_mat", "ddl_gar", "ddl_gar_id_il_p"] {
                #expect(names.contains("trajectory/ddl_\(preset)_\(variant).h5"))
            }
        }
        #expect(names.contains("trajectory/dfem_paper_gender_race_age.h5"))
        #expect(names.contains("trajectory/dfem_official_identity_illumination_pose.h5"))
    }

    @Test func aTrajectoryCrossesAMilestoneAndRecordsEveryParameterAndMoment() throws {
        let f = try Fixture(path: fixturesFolder + "/trajectory/ddl_official_ddl_gar_id_il_p.h5")
        let rates = try (0..<6).map { try f.tensor("outputs", "lr_\($0)", as: Double.self).scalars[0] }
        #expect(Set(rates).count == 2, "the rate changes inside the K steps: \(rates)")
        let parameters = try f.names("parameters")
        #expect(parameters.contains { $0.hasPrefix("discriminator.") })
        #expect(parameters.contains { $0.hasPrefix("dfem.1.") })
        let outputs = Set(try f.names("outputs"))
        for p in parameters { #expect(outputs.contains("final.\(p)"), "final.\(p)") }
        let summary = try f.tensor("outputs", "summary_5", as: Double.self)
        let ddmAndD = parameters.filter { !$0.hasPrefix("dfem.") }.count
        // parameters + running statistics + two Adam moments of every DDM and D parameter
        #expect(summary.shape == [parameters.count + (try f.names("buffers")).count + 2 * ddmAndD, 5])
    }

    @Test("the steps written out here match, so the faults are the only change", arguments: stageTwoFiles)
    func writtenOutStepMatches(_ name: String) throws {
        #expect(try verify(name, TrajectoryRunner(stageTwo: stageTwo(fault: nil))).passed)
    }

    @Test("a wrong ordering or a missed zeroing fails the stage-2 trajectory",
          arguments: [StepFault.ddmBeforeD, .discriminatorNotZeroed, .modelNotZeroed])
    func stageTwoFaultFails(_ fault: StepFault) throws {
        for name in Self.stageTwoFiles {
            let report = try verify(name, TrajectoryRunner(stageTwo: stageTwo(fault: fault)))
            #expect(!report.passed, "\(fault) on \(name) passed")
            #expect(report.comparisons.contains { !$0.result.passed && $0.name.hasPrefix("outputs/final.") })
        }
    }

    @Test func missedZeroingFailsTheBaselineAndStageOne() throws {
        #expect(try verify("ddl_paper_baseline_mat", TrajectoryRunner(stageTwo: stageTwo(fault: nil))).passed)
        #expect(try !verify("ddl_paper_baseline_mat", TrajectoryRunner(stageTwo: stageTwo(fault: .modelNotZeroed))).passed)
        let dfem = "dfem_official_identity_illumination_pose"
        #expect(try verify(dfem, TrajectoryRunner(stageOne: stageOne(fault: nil))).passed)
        #expect(try !verify(dfem, TrajectoryRunner(stageOne: stageOne(fault: .modelNotZeroed))).passed)
    }

    func copied(_ attribute: @escaping (String, String) -> String) throws -> String {
        let source = fixturesFolder + "/trajectory/dfem_paper_gender_race_age.h5"
        let target = NSTemporaryDirectory() + "ddl-trajectory-\(UUID().uuidString).h5"
        try copyFixture(source, to: target, attribute: attribute)
        return target
    }

    @Test func aFloat32TrajectoryIsRefusedByName() throws {
        let path = try copied { key, value in key == "dtype" ? "float32" : value }
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect { try FixtureVerifier().verify(path: path) } throws: { "\($0)".contains(path) && "\($0)".contains("float64") }
    }

    @Test func aSummaryRowTheModelDoesNotHaveIsNamed() throws {
        let path = try copied { key, value in
            key == "config" ? value.replacingOccurrences(of: "\"embed.fc.bias\"", with: "\"embed.nothing\"") : value
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect { try FixtureVerifier().verify(path: path) } throws: { "\($0)".contains("embed.nothing") }
    }
}
