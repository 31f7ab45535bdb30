import Foundation

/// A real HTTP(S) server on 127.0.0.1 for client tests: a Python script (stdlib only) run as a child
/// process. It binds port 0 and reports its port on stdout; `start` waits for that line.
///
/// Endpoints: `/fixed` (200, `X-Test: one`, two `X-Multi`, body "hello"), `/status/N`,
/// `/redirect/N` (a chain of N 302s ending in 200 "done"), `/loop` (302 to itself), `/stall`
/// (headers with Content-Length 100 and 10 body bytes, then nothing until the client leaves),
/// `/gzip` (gzip-encoded "compressed hello" ×100), `/echo` (JSON of method, path, headers as
/// [[name, value]], body), `/slow` (200 after 200 ms), `/big/N` (N bytes of "x"). With a
/// ``CloudflaredMode``, `/metrics` and `/ready` answer as a cloudflared metrics server.
/// With `certificate`/`key` it speaks TLS (optionally capped at `maxTLS` "1.2", and requiring a
/// client certificate signed by `clientCA`). `/echo` also reports the request's HTTP version, and
/// an absolute-form request target (as sent to a proxy) shows up in its `path`.
public final class HTTPTestServer: @unchecked Sendable {
    public let port: Int
    private let process: Process

    /// How `/metrics` and `/ready` answer, for the cloudflared prober's tests: as a connector
    /// that is connected, or not, or as one that misbehaves.
    public enum CloudflaredMode: String, Sendable {
        /// `/metrics` serves the fixture file, `/ready` 200 `{"status":200,"readyConnections":4,…}`.
        case ready
        /// `/metrics` serves the fixture with `cloudflared_tunnel_ha_connections 0`, `/ready` 503
        /// `{"status":503,"readyConnections":0,…}`.
        case notReady = "not-ready"
        /// `/metrics` is binary garbage (with a 200 and a text Content-Type); `/ready` as `ready`.
        case garbage
        /// `/metrics` announces the fixture's length but sends half of it, then closes.
        case truncated
        /// `/metrics` sends 64 MiB of valid-looking samples.
        case huge
        /// Every endpoint waits 30 s before answering (the client gives up first).
        case slow
        /// `/ready` answers 200 with a body that is not JSON.
        case readyGarbage = "ready-garbage"
    }

    /// `port` 0 picks a free one; `cloudflared` (with `fixture`, the path of a cloudflared
    /// exposition) makes `/metrics` and `/ready` answer as a tunnel connector in that mode.
    public static func start(certificate: String? = nil, key: String? = nil, maxTLS: String? = nil,
                             clientCA: String? = nil, port: Int = 0, cloudflared: CloudflaredMode? = nil,
                             fixture: String? = nil) async throws -> HTTPTestServer {
        let directory = try TemporaryDirectory()
        let script = try directory.write("server.py", httpTestServerScript)
        var arguments = [script]
        if let certificate, let key { arguments += ["--cert", certificate, "--key", key] }
        if let maxTLS { arguments += ["--max-tls", maxTLS] }
        if let clientCA { arguments += ["--client-ca", clientCA] }
        if port != 0 { arguments += ["--port", String(port)] }
        if let cloudflared { arguments += ["--cloudflared", cloudflared.rawValue, "--fixture", fixture ?? "/dev/null"] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["/usr/bin/python3"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let port: Int = try await withCheckedThrowingContinuation { continuation in
            let reader = LineReader(continuation)
            output.fileHandleForReading.readabilityHandler = { handle in
                reader.feed(handle.availableData, handle)
            }
            do { try process.run() } catch {
                output.fileHandleForReading.readabilityHandler = nil
                reader.fail(error)
            }
        }
        return HTTPTestServer(port: port, process: process)
    }

    private init(port: Int, process: Process) {
        self.port = port
        self.process = process
    }

    /// `http(s)://127.0.0.1:PORT` + path.
    public func url(_ path: String, scheme: String = "http") -> String {
        "\(scheme)://127.0.0.1:\(port)\(path)"
    }

    /// Kills the server (SIGKILL: the test runner's children inherit a mask that blocks SIGTERM).
    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// Waits for "PORT n" on the child's stdout; resumes once.
private final class LineReader: @unchecked Sendable {
    private let lock = NSLock()
    private var buffer = Data()
    private var continuation: CheckedContinuation<Int, any Error>?

    init(_ continuation: CheckedContinuation<Int, any Error>) { self.continuation = continuation }

    func feed(_ data: Data, _ handle: FileHandle) {
        lock.lock(); defer { lock.unlock() }
        guard let continuation else { return }
        if data.isEmpty {
            handle.readabilityHandler = nil
            self.continuation = nil
            continuation.resume(throwing: ExporterProcess.StartFailure(description: "test HTTP server exited before listening"))
            return
        }
        buffer.append(data)
        let text = String(decoding: buffer, as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("PORT ") }), text.contains("\n"),
              let port = Int(line.dropFirst(5).trimmingCharacters(in: .whitespaces)) else { return }
        handle.readabilityHandler = nil
        self.continuation = nil
        continuation.resume(returning: port)
    }

    func fail(_ error: any Error) {
        lock.lock(); defer { lock.unlock() }
        continuation?.resume(throwing: error)
        continuation = nil
    }
}

private let httpTestServerScript = #"""
import base64, gzip, json, socketserver, ssl, sys, time, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

args = sys.argv[1:]
def option(name):
    return args[args.index(name) + 1] if name in args else None

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()
        super().setup()

    def send(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = urllib.parse.urlsplit(self.path).path
        parts = path.strip("/").split("/")
        if cloudflared and path in ("/metrics", "/ready"):
            self.cloudflared(path)
        elif path == "/fixed":
            self.send(200, b"hello", [("X-Test", "one"), ("X-Multi", "a"), ("X-Multi", "b"), ("Content-Type", "text/plain")])
        elif parts[0] == "status":
            self.send(int(parts[1]), b"status " + parts[1].encode())
        elif parts[0] == "redirect":
            n = int(parts[1])
            if n == 0:
                self.send(200, b"done")
            else:
                self.send(302, b"", [("Location", "/redirect/%d" % (n - 1))])
        elif path == "/loop":
            self.send(302, b"", [("Location", "/loop")])
        elif path == "/stall":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"x" * 10)
            self.wfile.flush()
            self.rfile.read(1)  # blocks until the client closes the connection
            self.close_connection = True
        elif path == "/gzip":
            data = gzip.compress(b"compressed hello" * 100)
            self.send(200, data, [("Content-Encoding", "gzip")])
        elif path == "/echo":
            out = {"method": self.command, "path": self.path, "version": self.request_version,
                   "headers": [[k, v] for k, v in self.headers.items()],
                   "body": body.decode("utf-8", "replace")}
            self.send(200, json.dumps(out).encode(), [("Content-Type", "application/json")])
        elif path == "/slow":
            time.sleep(0.2)
            self.send(200, b"slow")
        elif path == "/to":
            target = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)["url"][0]
            self.send(302, b"", [("Location", target)])
        elif path == "/lastmod":
            self.send(200, b"page", [("Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT"), ("Set-Cookie", "id=1; Secure")])
        elif parts[0] == "big":
            self.send(200, b"x" * int(parts[1]))
        else:
            self.send(404, b"not found")

    def cloudflared(self, path):
        mode = cloudflared
        if mode == "slow":
            time.sleep(30)
        if path == "/ready":
            if mode == "not-ready":
                self.send(503, b'{"status":503,"readyConnections":0,"connectorId":"4b2e7d1c-0c7e-4a55-9d7a-2f4c1b8e9a10"}',
                          [("Content-Type", "application/json")])
            elif mode == "ready-garbage":
                self.send(200, b"<html>ok</html>", [("Content-Type", "text/html")])
            else:
                self.send(200, b'{"status":200,"readyConnections":4,"connectorId":"4b2e7d1c-0c7e-4a55-9d7a-2f4c1b8e9a10"}',
                          [("Content-Type", "application/json")])
            return
        text = "text/plain; version=0.0.4; charset=utf-8"
        if mode == "garbage":
            self.send(200, bytes(range(256)) * 16 + b"\n", [("Content-Type", text)])
        elif mode == "truncated":
            self.send_response(200)
            self.send_header("Content-Type", text)
            self.send_header("Content-Length", str(len(fixture)))
            self.end_headers()
            self.wfile.write(fixture[: len(fixture) // 2])
            self.wfile.flush()
            self.close_connection = True
        elif mode == "huge":
            line = b'cloudflared_tunnel_padding{conn_index="0"} 1\n'
            count = (64 << 20) // len(line)
            self.send_response(200)
            self.send_header("Content-Type", text)
            self.send_header("Content-Length", str(count * len(line)))
            self.end_headers()
            try:
                chunk = line * 4096
                for _ in range(count // 4096):
                    self.wfile.write(chunk)
            except OSError:
                pass
            self.close_connection = True
        elif mode == "not-ready":
            body = fixture.replace(b"cloudflared_tunnel_ha_connections 4", b"cloudflared_tunnel_ha_connections 0")
            self.send(200, body, [("Content-Type", text)])
        else:
            self.send(200, fixture, [("Content-Type", text)])

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any

class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass

cloudflared = option("--cloudflared")
fixture = open(option("--fixture"), "rb").read() if cloudflared else b""
server = Server(("127.0.0.1", int(option("--port") or 0)), Handler)
cert, key = option("--cert"), option("--key")
if cert:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    if option("--max-tls") == "1.2":
        context.maximum_version = ssl.TLSVersion.TLSv1_2
    if option("--client-ca"):
        context.load_verify_locations(option("--client-ca"))
        context.verify_mode = ssl.CERT_REQUIRED
    server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
print("PORT %d" % server.server_address[1], flush=True)
server.serve_forever()
"""#
