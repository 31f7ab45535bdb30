import CLibSSH

/// One libssh channel with the callbacks that collect what the server sends on it: stdout and
/// stderr bytes (capped), end of file, close and exit status.
///
/// Data arrives through libssh's channel callbacks (libssh.h `ssh_channel_callbacks_struct`), not
/// `ssh_channel_read`: libssh 0.10's read refuses to hand out data that is still buffered once the
/// server's CHANNEL_CLOSE has been processed, and one `ssh_event_dopoll` often processes data, EOF,
/// exit-status and close together. Owned by one session thread; never touched from elsewhere.
final class SSHChannelBuffer {
    private(set) var channel: ssh_channel?
    private let callbacks: UnsafeMutablePointer<ssh_channel_callbacks_struct>
    /// Most bytes kept per stream; later bytes are counted as truncation and dropped.
    let limit: Int
    var stdout: [UInt8] = []
    var stderr: [UInt8] = []
    var truncated = false
    private(set) var endOfFile = false
    private(set) var closedByServer = false
    private(set) var exitStatus: Int32?

    /// A new channel on `session` (not opened yet); nil when libssh cannot allocate one.
    init?(session: ssh_session, limit: Int) {
        guard let channel = ssh_channel_new(session) else { return nil }
        self.channel = channel
        self.limit = max(0, limit)
        callbacks = .allocate(capacity: 1)
        callbacks.initialize(to: ssh_channel_callbacks_struct())
        callbacks.pointee.size = MemoryLayout<ssh_channel_callbacks_struct>.size
        callbacks.pointee.userdata = Unmanaged.passUnretained(self).toOpaque()
        callbacks.pointee.channel_data_function = { _, _, data, length, isStderr, userdata in
            let buffer = Unmanaged<SSHChannelBuffer>.fromOpaque(userdata!).takeUnretainedValue()
            buffer.append(UnsafeRawBufferPointer(start: data, count: Int(length)), stderr: isStderr != 0)
            return Int32(length)
        }
        callbacks.pointee.channel_eof_function = { _, _, userdata in
            Unmanaged<SSHChannelBuffer>.fromOpaque(userdata!).takeUnretainedValue().endOfFile = true
        }
        callbacks.pointee.channel_close_function = { _, _, userdata in
            let buffer = Unmanaged<SSHChannelBuffer>.fromOpaque(userdata!).takeUnretainedValue()
            buffer.closedByServer = true
            buffer.endOfFile = true
        }
        callbacks.pointee.channel_exit_status_function = { _, _, status, userdata in
            Unmanaged<SSHChannelBuffer>.fromOpaque(userdata!).takeUnretainedValue().exitStatus = status
        }
        ssh_set_channel_callbacks(channel, callbacks)
    }

    deinit {
        release(killing: false)
        callbacks.deallocate()
    }

    private func append(_ bytes: UnsafeRawBufferPointer, stderr isStderr: Bool) {
        let room = limit - (isStderr ? stderr.count : stdout.count)
        if bytes.count > room { truncated = true }
        let kept = bytes.prefix(max(0, room))
        if isStderr { stderr.append(contentsOf: kept) } else { stdout.append(contentsOf: kept) }
    }

    /// Takes the stdout bytes collected so far (for shells, which stream).
    func takeOutput() -> [UInt8] {
        defer { stdout.removeAll(keepingCapacity: true) }
        return stdout
    }

    /// Unhooks the callbacks and frees the channel. With `killing`, a command still running first
    /// gets SIGKILL (RFC 4254 §6.9 "signal"; OpenSSH 7.9+ delivers it), since closing a channel
    /// without a PTY does not stop the remote process.
    func release(killing: Bool) {
        guard let channel else { return }
        self.channel = nil
        if killing, ssh_channel_is_open(channel) != 0 { _ = ssh_channel_request_send_signal(channel, "KILL") }
        ssh_remove_channel_callbacks(channel, callbacks)
        if ssh_channel_is_open(channel) != 0 { _ = ssh_channel_close(channel) }
        ssh_channel_free(channel)
    }
}
