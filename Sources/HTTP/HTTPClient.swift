import CCurl
import Synchronization
#if canImport(Glibc)
import Glibc
import Support
#endif

/// Many concurrent HTTP exchanges over libcurl's multi interface. One thread drives every transfer,
/// so callers in any number of tasks share one connection cache: no TLS handshake per call, and no
/// cooperative thread is ever blocked on the network.
public final class HTTPClient: @unchecked Sendable {
    public static let shared = HTTPClient()

    /// Only the loop thread touches the multi handle, but for curl_multi_wakeup, which is thread-safe.
    private let multi: UnsafeMutableRawPointer
    private let queue = Mutex<[Transfer]>([])
    private let caBundle: String?

    public init(environment: [String: String] = ProcessEnvironment.current) {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        multi = curl_multi_init()
        caBundle = CABundle.locate(environment: environment)
        let box = Unmanaged.passRetained(LoopContext(client: self))
        var thread = pthread_t()
        pthread_create(&thread, nil, { context in
            let box = Unmanaged<LoopContext>.fromOpaque(context!).takeRetainedValue()
            box.client.runLoop()
            return nil
        }, box.toOpaque())
        pthread_detach(thread)
    }

    /// Cancelling the calling task ends the exchange at once: the loop thread takes the transfer
    /// out of the multi handle (closing its connection) and the call throws `.cancelled`.
    public func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        let cancellation = CancellationFlag()
        let result: Result<HTTPResponse, TransportError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let transfer = Transfer(request: request, caBundle: caBundle, cancellation: cancellation, continuation: continuation)
                queue.withLock { $0.append(transfer) }
                curl_multi_wakeup(multi)
            }
        } onCancel: {
            cancellation.cancel()
            curl_multi_wakeup(multi)
        }
        return try result.get()
    }

    private func runLoop() {
        var active: [UnsafeMutableRawPointer: Transfer] = [:]
        while true {
            // Every transfer is finished exactly once, here, by whichever of completion and
            // cancellation the loop sees first: a transfer leaves `active` when it is finished.
            for transfer in queue.withLock({ pending in defer { pending.removeAll() }; return pending }) {
                if transfer.cancellation.isCancelled {
                    transfer.finishCancelled()
                    continue
                }
                active[transfer.easy] = transfer
                curl_multi_add_handle(multi, transfer.easy)
            }
            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            var remaining: Int32 = 0
            while let message = curl_multi_info_read(multi, &remaining) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                      let transfer = active.removeValue(forKey: easy) else { continue }
                let code = message.pointee.data.result
                curl_multi_remove_handle(multi, easy)
                transfer.finish(code)
            }
            for (easy, transfer) in active where transfer.cancellation.isCancelled {
                active.removeValue(forKey: easy)
                curl_multi_remove_handle(multi, easy)
                transfer.finishCancelled()
            }
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }
}

/// Set by the cancelled caller's task, read by the loop thread.
private final class CancellationFlag: Sendable {
    private let state = Atomic<Bool>(false)
    func cancel() { state.store(true, ordering: .releasing) }
    var isCancelled: Bool { state.load(ordering: .acquiring) }
}

private final class LoopContext {
    let client: HTTPClient
    init(client: HTTPClient) { self.client = client }
}

/// One request in flight: its easy handle, the body being read out, the response being read in.
/// Unchecked: the caller builds it and hands it over through the locked queue, and from then on
/// only the loop thread touches it (libcurl's callbacks run on that thread too).
private final class Transfer: @unchecked Sendable {
    let easy: UnsafeMutableRawPointer
    let request: HTTPRequest
    let cancellation: CancellationFlag
    let continuation: CheckedContinuation<Result<HTTPResponse, TransportError>, Never>
    var headerList: UnsafeMutablePointer<curl_slist>?
    var uploadOffset = 0
    var responseHeaders: [(name: String, value: String)] = []
    var responseBody: [UInt8] = []
    var exceededSizeLimit = false
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    init(request: HTTPRequest, caBundle: String?, cancellation: CancellationFlag,
         continuation: CheckedContinuation<Result<HTTPResponse, TransportError>, Never>) {
        self.request = request
        self.cancellation = cancellation
        self.continuation = continuation
        easy = curl_easy_init()
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        configure(caBundle: caBundle)
    }

    deinit {
        curl_slist_free_all(headerList)
        curl_easy_cleanup(easy)
        errorBuffer.deallocate()
    }

    private func configure(caBundle: String?) {
        let me = Unmanaged.passUnretained(self).toOpaque()
        ccurl_setopt_string(easy, CURLOPT_URL, request.url)
        ccurl_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        ccurl_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1)
        ccurl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, request.timeouts.connectMilliseconds)
        if let total = request.timeouts.totalMilliseconds { ccurl_setopt_long(easy, CURLOPT_TIMEOUT_MS, total) }
        if let stall = request.timeouts.stallSeconds {
            ccurl_setopt_long(easy, CURLOPT_LOW_SPEED_LIMIT, 1)
            ccurl_setopt_long(easy, CURLOPT_LOW_SPEED_TIME, stall)
        }
        if request.bypassProxy { ccurl_setopt_string(easy, CURLOPT_PROXY, "") }
        if let caBundle { ccurl_setopt_string(easy, CURLOPT_CAINFO, caBundle) }
        ccurl_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer)
        // The signer signs the path as given; curl must not squash `..` and `.` segments of an
        // S3 key into another key.
        ccurl_setopt_long(easy, CURLOPT_PATH_AS_IS, 1)
        ccurl_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https")
        ccurl_setopt_string(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        // Refuses a declared length over the limit before any byte; the write callback enforces
        // it for bodies of unknown length.
        ccurl_setopt_offt(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(request.maxResponseBytes))

        switch request.method {
        case "GET": break
        case "HEAD": ccurl_setopt_long(easy, CURLOPT_NOBODY, 1)
        case "POST", "PUT":
            // Upload mode streams the body from our buffer through the read callback, without
            // curl copying it, and sends an exact Content-Length.
            ccurl_setopt_long(easy, CURLOPT_UPLOAD, 1)
            ccurl_setopt_offt(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(request.body.count))
            ccurl_setopt_pointer(easy, CURLOPT_READDATA, me)
            ccurl_setopt_callback(easy, CURLOPT_READFUNCTION) { buffer, size, count, context in
                let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
                let n = min(size * count, transfer.request.body.count - transfer.uploadOffset)
                transfer.request.body.withUnsafeBytes { body in
                    UnsafeMutableRawPointer(buffer!).copyMemory(from: body.baseAddress! + transfer.uploadOffset, byteCount: n)
                }
                transfer.uploadOffset += n
                return n
            }
        default: break
        }
        if request.method != "GET" { ccurl_setopt_string(easy, CURLOPT_CUSTOMREQUEST, request.method) }

        // An empty "Expect:" stops curl waiting for 100-continue before every upload.
        for line in request.headers.map({ "\($0.name): \($0.value)" }) + ["Expect:"] {
            headerList = curl_slist_append(headerList, line)
        }
        ccurl_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList)

        ccurl_setopt_pointer(easy, CURLOPT_WRITEDATA, me)
        ccurl_setopt_callback(easy, CURLOPT_WRITEFUNCTION) { buffer, size, count, context in
            let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
            guard transfer.responseBody.count + size * count <= transfer.request.maxResponseBytes else {
                transfer.exceededSizeLimit = true
                return 0
            }
            transfer.responseBody.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: size * count))
            return size * count
        }
        ccurl_setopt_pointer(easy, CURLOPT_HEADERDATA, me)
        ccurl_setopt_callback(easy, CURLOPT_HEADERFUNCTION) { buffer, size, count, context in
            let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
            transfer.readHeaderLine(UnsafeRawBufferPointer(start: buffer, count: size * count))
            return size * count
        }
    }

    /// Read from the bytes curl hands over: only the name and the trimmed value become Strings.
    private func readHeaderLine(_ line: UnsafeRawBufferPointer) {
        if line.starts(with: "HTTP/".utf8) {
            // A new status line (after a 100 Continue or a redirect) starts a new header block.
            responseHeaders.removeAll()
            return
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        let isBlank = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        var start = colon + 1, end = line.endIndex
        while start < end, isBlank(line[start]) { start += 1 }
        while end > start, isBlank(line[end - 1]) { end -= 1 }
        responseHeaders.append((String(decoding: line[..<colon], as: UTF8.self).lowercased(),
                                String(decoding: line[start..<end], as: UTF8.self)))
    }

    func finishCancelled() {
        continuation.resume(returning: .failure(TransportError(kind: .cancelled, curlCode: Int(CURLE_ABORTED_BY_CALLBACK.rawValue),
                                                               message: "cancelled by the caller")))
    }

    func finish(_ code: CURLcode) {
        var status = 0
        ccurl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        if code == CURLE_OK {
            continuation.resume(returning: .success(HTTPResponse(status: status, headers: responseHeaders, body: responseBody)))
            return
        }
        if exceededSizeLimit || code == CURLE_FILESIZE_EXCEEDED {
            continuation.resume(returning: .failure(TransportError(kind: .tooLarge, curlCode: Int(code.rawValue),
                                                                   message: "response larger than the \(request.maxResponseBytes)-byte limit")))
            return
        }
        let kind: TransportError.Kind
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: kind = .connect
        case CURLE_OPERATION_TIMEDOUT: kind = .timeout
        case CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_SEND_FAIL_REWIND: kind = .reset
        case CURLE_PARTIAL_FILE: kind = .truncated
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE: kind = .tls
        default: kind = .other
        }
        let detail = String(cString: errorBuffer)
        let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        continuation.resume(returning: .failure(TransportError(kind: kind, curlCode: Int(code.rawValue), message: message)))
    }
}


/// Where the trusted CA certificates are: the AWS and OpenSSL variables first, then the Debian and
/// Amazon Linux locations.
enum CABundle {
    static func locate(environment: [String: String]) -> String? {
        for name in ["AWS_CA_BUNDLE", "SSL_CERT_FILE"] {
            if let path = environment[name], !path.isEmpty { return path }
        }
        return ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"]
            .first { access($0, R_OK) == 0 }
    }
}
