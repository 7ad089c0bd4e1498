import CZlib

/// gzip (RFC 1952) through zlib, a piece at a time in both directions, so neither a backup being
/// written nor one being read is ever held whole to be (de)compressed.
public enum Gzip {
    /// The two bytes every gzip stream starts with.
    public static let magic: [UInt8] = [0x1F, 0x8B]

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let reason: String
        public var description: String { "gzip: \(reason)" }
    }

    /// Compresses what it is given into one gzip stream; `finish` ends the stream.
    public final class Compressor {
        private var stream = z_stream()

        public init() {
            // windowBits 15 + 16: a gzip header and trailer rather than zlib's. Level 6, zlib's default.
            let status = deflateInit2_(&stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                                       Int32(MemoryLayout<z_stream>.size))
            precondition(status == Z_OK, "deflateInit2 failed: \(status)")
        }

        deinit { deflateEnd(&stream) }

        /// The compressed bytes `input` yields so far (possibly none: zlib keeps some back).
        public func compress(_ input: [UInt8]) -> [UInt8] { run(input, flush: Z_NO_FLUSH) }

        /// The rest of the stream, trailer included.
        public func finish() -> [UInt8] { run([], flush: Z_FINISH) }

        private func run(_ input: [UInt8], flush: Int32) -> [UInt8] {
            var output: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 64 * 1024)
            input.withUnsafeBufferPointer { source in
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.avail_in = UInt32(source.count)
                repeat {
                    let produced = chunk.withUnsafeMutableBufferPointer { target -> Int in
                        stream.next_out = target.baseAddress
                        stream.avail_out = UInt32(target.count)
                        // Only misuse makes deflate fail here, and the stream is used as zlib asks.
                        _ = deflate(&stream, flush)
                        return target.count - Int(stream.avail_out)
                    }
                    output += chunk[..<produced]
                } while stream.avail_out == 0 || (flush == Z_FINISH && stream.avail_in > 0)
                stream.next_in = nil
            }
            return output
        }
    }

    /// Decompresses one gzip stream handed over in pieces of any size.
    public final class Decompressor {
        private var stream = z_stream()
        private(set) public var finished = false

        public init() {
            let status = inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
            precondition(status == Z_OK, "inflateInit2 failed: \(status)")
        }

        deinit { inflateEnd(&stream) }

        /// The decompressed bytes `input` yields. Throws on a damaged stream or data past its end
        /// that is not another gzip member: a backup longer than one Lambda invocation ends a
        /// member at each checkpoint, and RFC 1952 reads the members one after the other.
        public func decompress(_ input: [UInt8]) throws(Failure) -> [UInt8] {
            if finished && !input.isEmpty {
                inflateReset(&stream)
                finished = false
            }
            var output: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 256 * 1024)
            var failure: Failure?
            input.withUnsafeBufferPointer { source in
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.avail_in = UInt32(source.count)
                while failure == nil {
                    var status: Int32 = Z_OK
                    let produced = chunk.withUnsafeMutableBufferPointer { target -> Int in
                        stream.next_out = target.baseAddress
                        stream.avail_out = UInt32(target.count)
                        status = inflate(&stream, Z_NO_FLUSH)
                        return target.count - Int(stream.avail_out)
                    }
                    output += chunk[..<produced]
                    if status == Z_STREAM_END {
                        guard stream.avail_in == 0 else {
                            inflateReset(&stream)
                            continue
                        }
                        finished = true
                        break
                    }
                    if status == Z_BUF_ERROR || (status == Z_OK && stream.avail_in == 0 && stream.avail_out > 0) { break }
                    if status != Z_OK { failure = Failure(reason: "damaged compressed data (zlib \(status))") }
                }
                stream.next_in = nil
            }
            if let failure { throw failure }
            return output
        }
    }
}
