import CHDF5

extension HDF5Preflight {
    /// Reads everything of `path` that the readers could: every group and its links, every
    /// attribute's value (strings included), every dataset's type and shape and the data of
    /// datasets of up to `smallElements` elements. Errors of single objects are what the
    /// readers report themselves and do not stop the walk; only a crash or a hang (which
    /// this process cannot survive) is what the walk is for. Run by `ddl hdf5-preflight`.
    /// - Throws: `HDF5Error` when the file cannot be opened at all.
    public static func walk(_ path: String, smallElements: Int = 1 << 22) throws(HDF5Error) {
        let file = try HDF5File.open(path, preflight: false)
        walk(try file.root, depth: 0, smallElements: smallElements)
    }

    private static func walk(_ group: HDF5Group, depth: Int, smallElements: Int) {
        guard depth < 64 else { return }  // a damaged file may link a group into itself
        for name in (try? group.attributeNames()) ?? [] {
            _ = group.hasAttribute(name)
            do {
                _ = try group.stringAttribute(name)
            } catch {
                _ = try? group.integerAttribute(name)
                _ = try? group.numberAttribute(name)
            }
        }
        for name in (try? group.names()) ?? [] {
            switch group.kind(of: name) {
            case .group?:
                if let child = try? group.group(name) {
                    walk(child, depth: depth + 1, smallElements: smallElements)
                }
            case .dataset?:
                guard let shape = try? group.shape(of: name),
                    let type = try? group.storedType(of: name)
                else { continue }
                let count = shape.reduce(1) {
                    $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1
                }
                guard count <= smallElements else { continue }
                switch type {
                case "float32": _ = try? group.read(name, as: Float.self)
                case "float64": _ = try? group.read(name, as: Double.self)
                case "uint8": _ = try? group.read(name, as: UInt8.self)
                default: _ = try? group.read(name, as: Int64.self)
                }
            default:
                break
            }
        }
    }
}
