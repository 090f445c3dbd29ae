import FaceDatasets
import Foundation
import Testing

@Suite("JPEG and PNG through the C shims")
struct CodecTests {
    @Test func pngRoundTripsExactly() throws {
        let image = testImage(width: 17, height: 9, seed: 3)
        let data = try ImageCodecs.encode(image, as: .png)
        #expect(ImageFormat.sniff(data) == .png)
        #expect(try ImageCodecs.decode(data, file: "x.png") == image)
    }

    @Test func greyImagesBecomeThreeEqualChannels() throws {
        let image = testImage(width: 8, height: 6, seed: 1)
        for format in ImageFormat.allCases {
            let decoded = try ImageCodecs.decode(try ImageCodecs.encode(image, as: format, grey: true), file: "grey")
            #expect(decoded.width == 8 && decoded.height == 6)
            for i in 0..<(8 * 6) {
                #expect(decoded.pixels[3 * i] == decoded.pixels[3 * i + 1] && decoded.pixels[3 * i] == decoded.pixels[3 * i + 2])
            }
            if format == .png { #expect(decoded.grey == image.grey) }
        }
    }

    @Test func jpegRoundTripsClosely() throws {
        let image = RGBImage(width: 32, height: 24) { x, y in (UInt8(4 * x), UInt8(5 * y), 128) }
        let data = try ImageCodecs.encode(image, as: .jpeg, quality: 98)
        #expect(ImageFormat.sniff(data) == .jpeg)
        let decoded = try ImageCodecs.decode(data, file: "x.jpg")
        #expect(decoded.width == 32 && decoded.height == 24)
        let worst = zip(decoded.pixels, image.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
        #expect(worst <= 8)
    }

    @Test func filesAreReadWhateverTheirExtension() throws {
        let dir = scratchFolder()
        try ImageCodecs.write(testImage(seed: 2), to: dir + "/really-a-png.jpg", as: .png)
        #expect(try ImageCodecs.read(dir + "/really-a-png.jpg") == testImage(seed: 2))
    }

    /// The decoder's error for bytes written to a file.
    func failure(_ bytes: Data, _ name: String) -> DatasetError? {
        let path = scratchFolder() + "/" + name
        #expect(FileManager.default.createFile(atPath: path, contents: bytes))
        do {
            _ = try ImageCodecs.read(path)
            return nil
        } catch {
            #expect(error.file == path)
            return error
        }
    }

    @Test func corruptJPEGIsAnErrorNotAnExit() throws {
        let error = try #require(failure(try corruptJPEG(), "corrupt.jpg"))
        #expect(error.kind == .unreadableImage)
        #expect(error.reason == "corrupt JPEG: Empty JPEG image (DNL not supported)")
        let junk = try #require(failure(Data([0xFF, 0xD8, 0xFF, 0x01, 0x02, 0x03]), "junk.jpg"))
        #expect(junk.kind == .unreadableImage)
    }

    @Test func truncatedJPEGIsAnError() throws {
        let data = try ImageCodecs.encode(testImage(width: 64, height: 64, seed: 5), as: .jpeg)
        let error = try #require(failure(data.prefix(data.count / 2), "cut.jpg"))
        #expect(error.reason.hasPrefix("truncated JPEG"))
        #expect(error.reason.contains("Premature end"))
    }

    @Test func truncatedPNGIsAnError() throws {
        let data = try ImageCodecs.encode(testImage(width: 64, height: 64, seed: 5), as: .png)
        let error = try #require(failure(data.prefix(data.count / 2), "cut.png"))
        #expect(error.kind == .unreadableImage)
        #expect(error.reason.hasPrefix("truncated PNG"))
    }

    @Test func corruptPNGIsAnError() throws {
        var data = try ImageCodecs.encode(testImage(width: 16, height: 16, seed: 5), as: .png)
        for i in 40..<min(70, data.count) { data[i] ^= 0x5A }  // inside IDAT: CRC and zlib break
        let error = try #require(failure(data, "bad.png"))
        #expect(error.reason.hasPrefix("corrupt PNG"))
    }

    @Test func otherFilesAreNotImages() throws {
        let text = try #require(failure(Data("hello".utf8), "notes.jpg"))
        #expect(text.reason.contains("neither JPEG nor PNG (starts with 68 65 6C 6C)"))
        let empty = try #require(failure(Data(), "empty.png"))
        #expect(empty.reason.contains("empty file"))
    }

    @Test func missingFilesAreNamed() {
        #expect(throws: DatasetError(.missingFile, file: "/nowhere/x.png", "no such image")) { try ImageCodecs.read("/nowhere/x.png") }
    }
}
