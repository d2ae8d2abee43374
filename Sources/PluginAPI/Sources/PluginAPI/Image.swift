/// An image in memory: 8-bit pixels, rows `bytesPerRow` apart. Reference-counted and immutable,
/// so a detector may keep one (e.g. as an event's snapshot) after `process` returns.
public final class Image: @unchecked Sendable {
    /// How the bytes of one pixel are laid out.
    public enum PixelFormat: Int, Sendable {
        /// Three bytes per pixel: blue, green, red (OpenCV's order).
        case bgr8 = 3
        /// One byte per pixel.
        case gray8 = 1
    }

    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// Distance in bytes between the starts of two rows.
    public let bytesPerRow: Int
    /// Pixel layout.
    public let format: PixelFormat
    /// The first byte of the first row; valid as long as this object lives.
    public let baseAddress: UnsafeRawPointer
    private let release: @Sendable () -> Void

    /// Wraps memory owned elsewhere; `release` is called once when the image is freed.
    public init(width: Int, height: Int, bytesPerRow: Int, format: PixelFormat,
                baseAddress: UnsafeRawPointer, release: @escaping @Sendable () -> Void) {
        self.width = width; self.height = height; self.bytesPerRow = bytesPerRow
        self.format = format; self.baseAddress = baseAddress; self.release = release
    }

    /// Copies tightly packed pixels (`width * channels` bytes per row) into a new image.
    public convenience init(copying bytes: [UInt8], width: Int, height: Int, format: PixelFormat) {
        precondition(bytes.count >= width * height * format.rawValue, "Image: not enough bytes")
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        buffer.copyBytes(from: bytes)
        let address = UnsafeRawPointer(buffer.baseAddress!)
        nonisolated(unsafe) let owned = buffer
        self.init(width: width, height: height, bytesPerRow: width * format.rawValue, format: format,
                  baseAddress: address, release: { owned.deallocate() })
    }

    deinit { release() }

    /// Bytes per pixel.
    public var channels: Int { format.rawValue }

    /// The bytes of row `y`.
    public func row(_ y: Int) -> UnsafeRawBufferPointer {
        precondition(y >= 0 && y < height, "Image.row: \(y) out of 0..<\(height)")
        return UnsafeRawBufferPointer(start: baseAddress + y * bytesPerRow, count: width * channels)
    }
}
