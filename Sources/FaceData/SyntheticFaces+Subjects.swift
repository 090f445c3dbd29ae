import FastKernels
import TensorCore

/// The labelled attributes of one synthetic subject: they never change between its images.
public struct SyntheticSubject: Sendable, Equatable {
    /// The identity id, in `0..<spec.identities`.
    public let identity: Int
    /// 0 male, 1 female, 2 unsure.
    public let gender: Int
    /// One of three skin-tone and hair-colour palettes.
    public let race: Int
    /// 0 infant, 1 youth, 2 adult, 3 middle-aged, 4 elderly.
    public let age: Int
}

/// Everything fixed about a subject's appearance, already scaled by the world's strength.
/// Lengths are in head units: the head is about 2 units tall, x right, y down, the origin
/// between the eyes and the mouth.
struct SubjectTraits: Sendable {
    var gender = 0, race = 0, age = 0
    var faceWidth: Float = 0.74, faceHeight: Float = 1.0
    /// Width of the lower face relative to the upper at the chin end; squareness exponent.
    var jawWidth: Float = 0.9, jawPower: Float = 2.3
    var sag: Float = 0
    var eyeSpacing: Float = 0.29, eyeY: Float = -0.02
    var eyeWidth: Float = 0.115, eyeHeight: Float = 0.055
    var browGap: Float = 0.13, browThickness: Float = 0.045, browWidth: Float = 0.14
    var noseTip: Float = 0.25, noseWidth: Float = 0.085
    var mouthY: Float = 0.47, mouthWidth: Float = 0.21, lipThickness: Float = 0.035
    var hairline: Float = -0.55, hairLength: Float = -0.1, hairVolume: Float = 0.08
    var hairDensity: Float = 1, fringe: Float = 0
    var beard: Float = 0, wrinkles: Float = 0, blush: Float = 0, lashes: Float = 0
    var skin = RGB(0.78, 0.62, 0.52)
    var hair = RGB(0.28, 0.20, 0.14)
    var iris = RGB(0.30, 0.22, 0.15)
    var lip = RGB(0.70, 0.42, 0.40)
}

extension SyntheticFaces {
    /// The labelled attributes of `identity` in the world fixed by `seed`.
    ///
    /// Gender, race and age are balanced over every block of 3 (3, 5) consecutive
    /// identities and depend only on `seed` and `identity`, not on the spec.
    public static func subject(identity: Int, seed: UInt64) -> SyntheticSubject {
        precondition(identity >= 0, "SyntheticFaces.subject: identity \(identity) is negative")
        return SyntheticSubject(
            identity: identity,
            gender: balancedClass(
                seed: seed, salt: 0x6E, identity: identity, classes: SyntheticFaceSpec.genders),
            race: balancedClass(
                seed: seed, salt: 0x72, identity: identity, classes: SyntheticFaceSpec.races),
            age: balancedClass(
                seed: seed, salt: 0x61, identity: identity, classes: SyntheticFaceSpec.ages))
    }

    /// Class of `identity` under a seeded permutation of `0..<classes` per block of
    /// `classes` consecutive identities, so every block holds each class once.
    static func balancedClass(seed: UInt64, salt: UInt64, identity: Int, classes: Int) -> Int {
        var g = RandomGenerator(seed: mixSeed(mixSeed(seed, salt), UInt64(identity / classes)))
        var order = Array(0..<classes)
        for i in stride(from: classes - 1, to: 0, by: -1) { order.swapAt(i, g.drawIndex(i + 1)) }
        return order[identity % classes]
    }

    /// The appearance of `identity`: canonical values plus `strength` times its deviations.
    static func traits(identity: Int, spec: SyntheticFaceSpec, seed: UInt64) -> SubjectTraits {
        let who = subject(identity: identity, seed: seed)
        var g = RandomGenerator(seed: mixSeed(mixSeed(seed, 0x67), UInt64(identity)))
        let s = Float(spec.strength)
        let male: Float = who.gender == 0 ? 1 : 0, female: Float = who.gender == 1 ? 1 : 0
        let unsure: Float = who.gender == 2 ? 1 : 0
        let infant: Float = who.age == 0 ? 1 : 0, youth: Float = who.age == 1 ? 1 : 0
        let middle: Float = who.age == 3 ? 1 : 0, elder: Float = who.age == 4 ? 1 : 0
        let broadNose: Float = who.race == 2 ? 1 : 0

        var t = SubjectTraits()
        t.gender = who.gender
        t.race = who.race
        t.age = who.age
        // Every subject makes the same draws in the same order.
        t.faceWidth += s * (g.drawSymmetric(0.09) + 0.04 * male - 0.04 * female + 0.07 * infant)
        t.faceHeight += s * (g.drawSymmetric(0.08) + 0.03 * male - 0.12 * infant - 0.04 * youth)
        t.jawWidth +=
            s * (g.drawSymmetric(0.09) + 0.06 * male - 0.05 * female + 0.08 * infant + 0.05 * elder)
        t.jawPower += s * (g.drawSymmetric(0.5) + 0.6 * male - 0.2 * female + 0.3 * elder)
        t.sag = s * (0.4 * middle + 1.0 * elder)
        t.eyeSpacing += s * g.drawSymmetric(0.04)
        t.eyeY += s * (g.drawSymmetric(0.05) + 0.13 * infant + 0.05 * youth + 0.02 * elder)
        t.eyeWidth += s * (g.drawSymmetric(0.02) + 0.02 * infant)
        t.eyeHeight += s * (g.drawSymmetric(0.012) + 0.02 * infant - 0.012 * elder + 0.005 * female)
        t.browGap += s * (g.drawSymmetric(0.03) + 0.02 * female)
        t.browThickness +=
            s * (g.drawSymmetric(0.008) + 0.016 * male - 0.014 * female - 0.02 * infant)
        t.browWidth += s * g.drawSymmetric(0.025)
        t.noseTip += s * (g.drawSymmetric(0.05) - 0.03 * infant + 0.03 * elder)
        t.noseWidth += s * (g.drawSymmetric(0.02) + 0.035 * broadNose - 0.02 * infant)
        t.mouthY += s * (g.drawSymmetric(0.04) - 0.03 * infant + 0.03 * elder)
        t.mouthWidth += s * (g.drawSymmetric(0.035) - 0.04 * infant)
        t.lipThickness +=
            s * (g.drawSymmetric(0.008) + 0.012 * female + 0.014 * broadNose - 0.014 * elder)

        // Hair: gender sets length and fringe; old men may be bald; infants have little.
        let baldDraw = g.nextUnit()
        let bald: Float = (male * elder > 0 && baldDraw < 0.6) ? 1 : 0
        let length =
            male * (-0.05 + g.drawSymmetric(0.08)) + female * (1.15 + g.drawSymmetric(0.35))
            + unsure * (0.45 + g.drawSymmetric(0.2))
        t.hairLength += s * ((1 - infant) * length - 0.1 * infant)
        t.hairline += s * (g.drawSymmetric(0.06) - 0.3 * bald + 0.05 * middle * male)
        t.hairVolume += s * (g.drawSymmetric(0.04) + 0.06 * female - 0.06 * infant - 0.06 * bald)
        t.hairDensity -= s * (0.6 * infant + 0.35 * bald)
        t.fringe = s * g.drawFloat(0, 1) * (0.9 * female + 0.6 * unsure + 0.3 * male)
        let bearded: Float = g.nextUnit() < Double(0.3 + 0.3 * (middle + elder)) ? 1 : 0
        t.beard = s * male * (1 - infant - youth) * bearded * g.drawFloat(0.5, 1)
        t.wrinkles = s * (0.5 * middle + 1.0 * elder)
        t.blush = s * (0.45 * female + 0.7 * infant)
        t.lashes = s * (0.8 * female + 0.3 * unsure)

        // Colours: the race palette, the subject's own variation, greying with age.
        let shade = 1 + g.drawSymmetric(0.08)
        let palette: [RGB] = [RGB(0.96, 0.80, 0.70), RGB(0.82, 0.61, 0.41), RGB(0.45, 0.30, 0.21)]
        t.skin = t.skin.mixed(with: palette[who.race] * shade, s)
        let hairs: [[RGB]] = [
            [
                RGB(0.86, 0.71, 0.42), RGB(0.50, 0.33, 0.18), RGB(0.64, 0.31, 0.14),
                RGB(0.32, 0.21, 0.12),
            ],
            [
                RGB(0.20, 0.14, 0.10), RGB(0.32, 0.21, 0.13), RGB(0.24, 0.16, 0.09),
                RGB(0.14, 0.10, 0.08),
            ],
            [
                RGB(0.08, 0.06, 0.05), RGB(0.13, 0.10, 0.08), RGB(0.10, 0.07, 0.06),
                RGB(0.16, 0.11, 0.08),
            ],
        ]
        let grey = 0.35 * middle + 0.85 * elder
        let ownHair = hairs[who.race][g.drawIndex(4)].mixed(with: RGB(0.84, 0.84, 0.86), grey)
        t.hair = t.hair.mixed(with: ownHair, s)
        let irises = [
            RGB(0.28, 0.44, 0.66), RGB(0.34, 0.48, 0.32), RGB(0.36, 0.24, 0.14),
            RGB(0.20, 0.13, 0.08),
        ]
        let irisDraw = g.drawIndex(4)
        let iris = who.race == 0 ? irises[irisDraw] : irises[3]
        t.iris = t.iris.mixed(with: iris, s)
        let naturalLip = t.skin * RGB(0.90, 0.62, 0.64)
        t.lip = naturalLip.mixed(with: RGB(0.74, 0.22, 0.28), s * (0.55 * female + 0.15 * unsure))
        return t
    }
}
