/// Choices that some layouts take; each layout rejects the ones it has no use for.
public struct LayoutOptions: Sendable, Equatable {
    /// The part of a database with a fixed split: RAF-DB `train` or `test`, SFEW `train` or
    /// `val`, AffectNet `training` or `validation`; nil reads every part.
    public var split: String?
    /// The list file of the `mmi` and `generic` layouts (`path label subject`); without it
    /// they read folder-per-class.
    public var list: String?
    /// Frames per labelled sequence (CK+ peak frames, Oulu-CASIA last frames); 3 in the paper.
    public var peakFrames = 3
    /// RAF-DB: read `Image/original` and align by the annotated eyes instead of taking the
    /// distributed 100×100 aligned images.
    public var rafdbOriginal = false
    /// Oulu-CASIA: the sub-tree read, below the root.
    public var ouluFolder = "VL/Strong"

    /// The defaults: every part, three frames, RAF-DB's aligned images, Oulu-CASIA VL/Strong.
    public init() {}
}

/// The database layouts read as they are distributed (see docs/DATASETS.md for each folder
/// tree). Every layout maps its labels to the order of `expressionNames`.
public enum FaceLayout: String, Sendable, CaseIterable {
    /// RAF-DB basic: the seven-expression set, with gender, race and age where annotated.
    case rafdb
    /// RAF-DB basic's attribute-labelled set (gender, race, age), expressions withheld.
    case rafdbAttributes = "rafdb-attributes"
    /// SFEW 2.0 Train and Val, one folder per emotion.
    case sfew
    /// CK+: the peak frames of each labelled sequence, subjects `Sxxx`, contempt as class 6.
    case ckplus
    /// Oulu-CASIA VL/Strong: the last frames of each sequence, six classes, subjects `Pxxx`.
    case ouluCASIA = "oulu-casia"
    /// MMI frames, six classes: a list file `path label subject` or folder-per-class.
    case mmi
    /// Multi-PIE: identity, pose (15 cameras) and illumination (20) from the file names.
    case multiPIE = "multipie"
    /// AffectNet's manually annotated lists, seven classes (codes 7–10 left out).
    case affectNet = "affectnet"
    /// Any other database: folder-per-class or a list file.
    case generic

    /// The layout called `name` (also accepting `ck+`, `oulu`, `multi-pie`, `raf-db`…).
    public init?(name: String) {
        let key = name.lowercased()
        let aliases: [String: FaceLayout] = [
            "raf-db": .rafdb, "raf": .rafdb, "raf-db-attributes": .rafdbAttributes, "ck+": .ckplus,
            "ck": .ckplus,
            "oulu": .ouluCASIA, "oulu_casia": .ouluCASIA, "multi-pie": .multiPIE,
            "multi_pie": .multiPIE,
        ]
        guard let layout = FaceLayout(rawValue: key) ?? aliases[key] else { return nil }
        self = layout
    }

    /// One line saying what the layout reads.
    public var summary: String {
        switch self {
        case .rafdb: "RAF-DB basic: EmoLabel/list_patition_label.txt, Image/aligned, "
            + "Annotation/manual (gender, race, age)"
        case .rafdbAttributes: "RAF-DB basic attribute-labelled set: gender, race, age from "
            + "Annotation/manual; expressions withheld"
        case .sfew: "SFEW 2.0: Train and Val, one folder per emotion"
        case .ckplus: "CK+: cohn-kanade-images, Emotion (codes 1–7, contempt = class 6), optional "
            + "Landmarks; peak frames"
        case .ouluCASIA: "Oulu-CASIA: VL/Strong/Pxxx/<Emotion>/*.jpeg, last frames, six classes"
        case .mmi:
            "MMI: a list file 'path label subject' or <Emotion>/[<subject>/]images, six classes"
        case .multiPIE:
            "Multi-PIE: subject_session_recording_camera_illumination.png → identity, pose, "
                + "illumination"
        case .affectNet:
            "AffectNet: Manually_Annotated_file_lists/*.csv and Manually_Annotated_Images, "
                + "seven classes"
        case .generic: "generic: <class>/[<subject>/]images or a list file 'path label [subject]'"
        }
    }

    /// The faces of the database copy at `root`, not yet decoded.
    /// - Parameter skipBad: skip a face with bad input (keeping the problem in
    ///   `FaceManifest.skipped`) rather than throw.
    /// - Throws: `DatasetError` naming the file (and line) of the first problem.
    public func manifest(
        root: String, options: LayoutOptions = LayoutOptions(), skipBad: Bool = false
    ) throws(DatasetError) -> FaceManifest {
        guard Files.isFolder(root) else {
            throw DatasetError(
                .missingFile, file: root, "no such folder (the --root of the \(rawValue) layout)")
        }
        try check(options, root: root)
        var policy = BadInputPolicy(skipBad: skipBad)
        var manifest: FaceManifest
        switch self {
        case .rafdb:
            manifest = try RAFDB.manifest(
                root: root, options: options, attributesOnly: false, policy: &policy)
        case .rafdbAttributes:
            manifest = try RAFDB.manifest(
                root: root, options: options, attributesOnly: true, policy: &policy)
        case .sfew: manifest = try SFEW.manifest(root: root, options: options, policy: &policy)
        case .ckplus: manifest = try CKPlus.manifest(root: root, options: options, policy: &policy)
        case .ouluCASIA:
            manifest = try OuluCASIA.manifest(root: root, options: options, policy: &policy)
        case .mmi: manifest = try MMI.manifest(root: root, options: options, policy: &policy)
        case .multiPIE: manifest = try MultiPIE.manifest(root: root, policy: &policy)
        case .affectNet:
            manifest = try AffectNet.manifest(root: root, options: options, policy: &policy)
        case .generic:
            manifest = try GenericLayout.manifest(root: root, options: options, policy: &policy)
        }
        manifest.skipped = policy.skipped
        guard !manifest.records.isEmpty else {
            let skipped = policy.skipped.isEmpty ? "" : " (\(policy.skipped.count) skipped as bad)"
            throw DatasetError(.layout, file: root, "no faces found by the "
                + "\(rawValue) layout\(skipped); see docs/DATASETS.md for the folder tree "
                + "it expects")
        }
        return manifest
    }

    /// The splits a layout knows, by accepted spelling.
    var splits: [String: String] {
        switch self {
        case .rafdb, .rafdbAttributes: ["train": "train", "test": "test"]
        case .sfew: ["train": "Train", "val": "Val", "validation": "Val"]
        case .affectNet:
            [
                "training": "training", "train": "training", "validation": "validation",
                "val": "validation",
            ]
        default: [:]
        }
    }

    /// Rejects options this layout has no use for.
    func check(_ options: LayoutOptions, root: String) throws(DatasetError) {
        func reject(_ what: String) -> DatasetError {
            DatasetError(.layout, file: root, "the \(rawValue) layout takes no \(what)")
        }
        if let split = options.split, splits[split.lowercased()] == nil {
            if splits.isEmpty {
                throw reject("--split (it has no fixed split; use subject-independent folds)")
            }
            throw DatasetError(
                .layout, file: root,
                "the \(rawValue) layout has no split '\(split)' (use "
                    + "\(Set(splits.values).sorted().joined(separator: " or ")))"
            )
        }
        if options.list != nil && self != .mmi && self != .generic {
            throw reject("--list (only mmi and generic read list files)")
        }
        if options.rafdbOriginal && self != .rafdb && self != .rafdbAttributes {
            throw reject("--rafdb-original")
        }
        guard options.peakFrames >= 1 else {
            throw DatasetError(.layout, file: root, "--peak-frames must be at least 1")
        }
    }
}
