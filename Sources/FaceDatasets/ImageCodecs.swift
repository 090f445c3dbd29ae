import CImageCodecs
import Foundation

/// The image file formats read and written.
public enum ImageFormat: String, Sendable, CaseIterable {
    /// JPEG or PNG.
    case jpeg, png

    /// The format whose signature starts `bytes` (JPEG `FF D8 FF`, PNG `89 50 4E 47`), if any.
    public static func sniff(_ bytes: some Collection<UInt8>) -> ImageFormat? {
        let head = Array(bytes.prefix(4))
        if head.count >= 3, head[0] == 0xFF, head[1] == 0xD8, head[2] == 0xFF { return .jpeg }
        if head == [0x89, 0x50, 0x4E, 0x47] { return .png }
        return nil
    }
}

/// JPEG and PNG decoding and encoding through libjpeg-turbo and libpng (the only file that
/// imports the C shim). Corrupt and truncated files are errors naming the file, never a
/// crash or a process exit.
public enum ImageCodecs {
    /// Reads and decodes the image file at `path` (JPEG or PNG, told by its first bytes,
    /// whatever its extension); grey images become three equal channels.
    /// - Throws: `DatasetError` `.missingFile` or `.unreadableImage`, naming `path`.
    public static func read(_ path: String) throws(DatasetError) -> RGBImage {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            if FileManager.default.fileExists(atPath: path) {
                throw DatasetError(
                    .unreadableImage, file: path, "cannot be read: \(error.localizedDescription)")
            }
            throw DatasetError(.missingFile, file: path, "no such image")
        }
        return try decode(data, file: path)
    }

    /// Decodes a JPEG or PNG held in memory; `file` names it in errors.
    /// - Throws: `DatasetError.Kind.unreadableImage` with the decoder's reason.
    public static func decode(_ data: Data, file: String) throws(DatasetError) -> RGBImage {
        guard let format = ImageFormat.sniff(data) else {
            let head = data.prefix(4).map { String(format: "%02X", $0) }.joined(separator: " ")
            throw DatasetError(
                .unreadableImage, file: file,
                data.isEmpty
                    ? "empty file, not an image" : "neither JPEG nor PNG (starts with \(head))")
        }
        var image = ddl_image()
        var message = [CChar](repeating: 0, count: 512)
        let status = data.withUnsafeBytes { raw -> Int32 in
            let bytes = raw.bindMemory(to: UInt8.self)
            return message.withUnsafeMutableBufferPointer { m in
                switch format {
                case .jpeg:
                    ddl_jpeg_decode(bytes.baseAddress, bytes.count, &image, m.baseAddress, m.count)
                case .png:
                    ddl_png_decode(bytes.baseAddress, bytes.count, &image, m.baseAddress, m.count)
                }
            }
        }
        defer { ddl_image_free(&image) }
        guard status == 0, let pixels = image.pixels else {
            throw DatasetError(.unreadableImage, file: file, text(message))
        }
        let width = Int(image.width), height = Int(image.height), count = width * height
        let decoded = UnsafeBufferPointer(start: pixels, count: count * Int(image.channels))
        if image.channels == 1 {
            return RGBImage(width: width, height: height, grey: Array(decoded))
        }
        return RGBImage(width: width, height: height, pixels: Array(decoded))
    }

    /// Encodes an image as JPEG (quality 1–100) or PNG; `grey` writes one channel (the luma).
    /// - Throws: `DatasetError.Kind.layout` naming `file` if the encoder fails.
    public static func encode(
        _ image: RGBImage, as format: ImageFormat, grey: Bool = false, quality: Int = 95,
        file: String = "<memory>"
    ) throws(DatasetError) -> Data {
        let channels: Int32 = grey ? 1 : 3
        let bytes = grey ? image.grey : image.pixels
        var buffer = ddl_buffer()
        var message = [CChar](repeating: 0, count: 512)
        let status = bytes.withUnsafeBufferPointer { p in
            message.withUnsafeMutableBufferPointer { m in
                switch format {
                case .jpeg:
                    ddl_jpeg_encode(
                        p.baseAddress, Int32(image.width), Int32(image.height), channels,
                        Int32(quality), &buffer, m.baseAddress, m.count)
                case .png:
                    ddl_png_encode(
                        p.baseAddress, Int32(image.width), Int32(image.height), channels, &buffer,
                        m.baseAddress, m.count)
                }
            }
        }
        defer { ddl_buffer_free(&buffer) }
        guard status == 0, let encoded = buffer.bytes else {
            throw DatasetError(.layout, file: file, text(message))
        }
        return Data(bytes: encoded, count: buffer.size)
    }

    /// Encodes `image` and writes it to `path` (creating its folder).
    /// - Throws: `DatasetError` naming `path` if encoding or writing fails.
    public static func write(
        _ image: RGBImage, to path: String, as format: ImageFormat, grey: Bool = false,
        quality: Int = 95
    ) throws(DatasetError) {
        let data = try encode(image, as: format, grey: grey, quality: quality, file: path)
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url)
        } catch {
            throw DatasetError(
                .layout, file: path, "cannot be written: \(error.localizedDescription)")
        }
    }

    private static func text(_ message: [CChar]) -> String {
        let bytes = message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
