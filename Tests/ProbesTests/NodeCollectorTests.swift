import Foundation
import Testing
import TestSupport
import VandineCore
@testable import Probes

/// The collectors' parsers on a hand-written Raspberry Pi 4 (`Fixtures/node/pi4`: 4 CPUs,
/// cpu-thermal, mmcblk0 + partitions, eth0/wlan0, Raspberry Pi OS) and on files captured from
/// this machine (`Fixtures/node/vm`), checked against a golden exposition and promtool.
@Suite struct NodeCollectorTests {
    static let piFilesystems: [String: NodeFiles.FilesystemStat?] = [
        "/": NodeFiles.FilesystemStat(blockSize: 4096, blocks: 7_574_056, blocksFree: 5_912_311, blocksAvailable: 5_592_870,
                                      files: 1_908_736, filesFree: 1_780_101),
        "/boot/firmware": NodeFiles.FilesystemStat(blockSize: 512, blocks: 1_046_528, blocksFree: 940_112, blocksAvailable: 940_112,
                                                   files: 0, filesFree: 0),
        "/run": NodeFiles.FilesystemStat(blockSize: 4096, blocks: 194_217, blocksFree: 193_900, blocksAvailable: 193_900,
                                         files: 485_540, filesFree: 484_720),
        "/run/lock": NodeFiles.FilesystemStat(blockSize: 4096, blocks: 1280, blocksFree: 1278, blocksAvailable: 1278,
                                              files: 485_540, filesFree: 485_537),
        "/run/user/1000": NodeFiles.FilesystemStat(blockSize: 4096, blocks: 97108, blocksFree: 97106, blocksAvailable: 97106,
                                                   files: 97108, filesFree: 97087),
        "/dev/shm": NodeFiles.FilesystemStat(blockSize: 4096, blocks: 485_540, blocksFree: 485_540, blocksAvailable: 485_540,
                                             files: 485_540, filesFree: 485_539),
        "/mnt/usb disk": NodeFiles.FilesystemStat?.none,
    ]

    static var golden: String { NodeTestSupport.fixture("pi4.prom") }

    /// The whole Pi exposition equals the golden file (regenerate with VANDINE_UPDATE_GOLDEN=1 and review the diff).
    @Test func piFixtureMatchesTheGoldenExposition() throws {
        let (metrics, failures) = NodeTestSupport.collect(NodeTestSupport.files("pi4", filesystems: Self.piFilesystems))
        #expect(failures == [:])
        let text = ExpositionEncoder.encode(metrics)
        if ProcessInfo.processInfo.environment["VANDINE_UPDATE_GOLDEN"] == "1" {
            try text.write(toFile: Self.golden, atomically: true, encoding: .utf8)
        }
        let golden = try String(contentsOfFile: Self.golden, encoding: .utf8)
        #expect(text == golden)
    }

    @Test func goldenExpositionPassesPromtool() async throws {
        let golden = try String(contentsOfFile: Self.golden, encoding: .utf8)
        #expect(try await NodeTestSupport.promtoolProblems(golden) == [])
    }

    /// Spot checks of the Pi's values against the fixture text, unit conversions included.
    @Test func piValuesAreNodeExportersUnitsAndLabels() {
        let (m, _) = NodeTestSupport.collect(NodeTestSupport.files("pi4", filesystems: Self.piFilesystems))
        // cpu: ticks / USER_HZ, 4 CPUs × 8 modes.
        #expect(m.sample(named: "node_cpu_seconds_total", labels: ["cpu": "2", "mode": "user"]) == 4557.61)
        #expect(m.sample(named: "node_cpu_seconds_total", labels: ["cpu": "3", "mode": "steal"]) == 0)
        #expect(m.family(named: "node_cpu_seconds_total")?.samples.count == 32)
        #expect(m.family(named: "node_cpu_guest_seconds_total")?.samples.count == 8)
        // stat
        #expect(m.sample(named: "node_boot_time_seconds") == 1_732_012_345)
        #expect(m.sample(named: "node_intr_total") == 283_760_917)
        #expect(m.sample(named: "node_forks_total") == 1_288_211)
        #expect(m.sample(named: "node_procs_running") == 2)
        // meminfo: kB × 1024, (anon) renamed, no unit → no _bytes.
        #expect(m.sample(named: "node_memory_MemTotal_bytes") == Double(3_884_324 * 1024))
        #expect(m.sample(named: "node_memory_Active_anon_bytes") == Double(458_348 * 1024))
        #expect(m.sample(named: "node_memory_Inactive_file_bytes") == Double(1_098_128 * 1024))
        #expect(m.family(named: "node_memory_MemTotal_bytes")?.type == .gauge)
        // loadavg
        #expect(m.sample(named: "node_load15") == 0.31)
        // filesystem: excluded types (devtmpfs, proc, sysfs, devpts, cgroup2) and mount points (/dev/…) are gone;
        // the escaped mount point is unescaped; a failed statfs is device_error 1 only.
        let fs = ["device": "/dev/mmcblk0p2", "fstype": "ext4", "mountpoint": "/"]
        #expect(m.sample(named: "node_filesystem_size_bytes", labels: fs) == Double(7_574_056 * 4096))
        #expect(m.sample(named: "node_filesystem_avail_bytes", labels: fs) == Double(5_592_870 * 4096))
        #expect(m.sample(named: "node_filesystem_readonly", labels: fs) == 0)
        let usb = ["device": "/dev/sda1", "fstype": "ext4", "mountpoint": "/mnt/usb disk"]
        #expect(m.sample(named: "node_filesystem_device_error", labels: usb) == 1)
        #expect(m.sample(named: "node_filesystem_size_bytes", labels: usb) == nil)
        let mountpoints = Set(m.family(named: "node_filesystem_device_error")?.samples.compactMap { $0.labels["mountpoint"] } ?? [])
        #expect(mountpoints == ["/", "/boot/firmware", "/run", "/run/lock", "/run/user/1000", "/mnt/usb disk"])
        // netdev / netclass
        #expect(m.sample(named: "node_network_receive_bytes_total", labels: ["device": "eth0"]) == 9_876_543_210)
        #expect(m.sample(named: "node_network_receive_multicast_total", labels: ["device": "eth0"]) == 40213)
        #expect(m.sample(named: "node_network_up", labels: ["device": "eth0"]) == 1)
        #expect(m.sample(named: "node_network_up", labels: ["device": "wlan0"]) == 0)
        #expect(m.sample(named: "node_network_speed_bytes", labels: ["device": "eth0"]) == 125_000_000)
        #expect(m.sample(named: "node_network_speed_bytes", labels: ["device": "wlan0"]) == nil)
        #expect(m.sample(named: "node_network_mtu_bytes", labels: ["device": "lo"]) == 65536)
        #expect(m.sample(named: "node_network_flags", labels: ["device": "eth0"]) == 4099)
        #expect(m.sample(named: "node_network_info", labels: ["device": "eth0", "address": "dc:a6:32:12:34:56", "broadcast": "ff:ff:ff:ff:ff:ff",
                                                               "duplex": "full", "ifalias": "", "operstate": "up"]) == 1)
        // diskstats: ram/loop and sd partitions excluded, mmcblk partitions kept, sectors × 512, ms / 1000.
        let disks = Set(m.family(named: "node_disk_reads_completed_total")?.samples.compactMap { $0.labels["device"] } ?? [])
        #expect(disks == ["mmcblk0", "mmcblk0p1", "mmcblk0p2", "sda"])
        #expect(m.sample(named: "node_disk_read_bytes_total", labels: ["device": "mmcblk0"]) == Double(3_917_602 * 512))
        #expect(m.sample(named: "node_disk_io_time_seconds_total", labels: ["device": "mmcblk0"]) == 1189.34)
        #expect(m.sample(named: "node_disk_flush_requests_total", labels: ["device": "mmcblk0"]) == 31022)
        // vmstat (untyped, default fields only), sockstat (mem in pages and bytes), netstat (default fields).
        #expect(m.family(named: "node_vmstat_pgfault")?.type == .untyped)
        #expect(m.family(named: "node_vmstat_nr_free_pages") == nil)
        #expect(m.sample(named: "node_sockstat_TCP_mem_bytes") == Double(2 * 4096))
        #expect(m.sample(named: "node_sockstat_TCP6_inuse") == 4)
        #expect(m.sample(named: "node_sockstat_sockets_used") == 178)
        #expect(m.sample(named: "node_netstat_Tcp_CurrEstab") == 9)
        #expect(m.sample(named: "node_netstat_TcpExt_TCPOFOQueue") == 1203)
        #expect(m.sample(named: "node_netstat_Ip6_InOctets") == 18_812_345)
        #expect(m.sample(named: "node_netstat_UdpLite_InErrors") == 0)
        #expect(m.family(named: "node_netstat_Tcp_RtoMin") == nil)
        // tcpstat: three listeners (one v6), two established, one time_wait; tx queue 0x40.
        #expect(m.sample(named: "node_tcp_connection_states", labels: ["state": "listen"]) == 3)
        #expect(m.sample(named: "node_tcp_connection_states", labels: ["state": "established"]) == 2)
        #expect(m.sample(named: "node_tcp_connection_states", labels: ["state": "time_wait"]) == 1)
        #expect(m.sample(named: "node_tcp_connection_states", labels: ["state": "tx_queued_bytes"]) == 64)
        // thermal + hwmon: the Pi's cpu-thermal zone, its hwmon chip named after the zone device.
        #expect(m.sample(named: "node_thermal_zone_temp", labels: ["type": "cpu-thermal", "zone": "0"]) == 48.686)
        #expect(m.sample(named: "node_cooling_device_max_state", labels: ["name": "0", "type": "rpi-poe-fan"]) == 4)
        #expect(m.sample(named: "node_hwmon_temp_celsius", labels: ["chip": "thermal_thermal_zone0", "sensor": "temp1"]) == 48.686)
        #expect(m.sample(named: "node_hwmon_temp_crit_celsius", labels: ["chip": "thermal_thermal_zone0", "sensor": "temp1"]) == 110)
        #expect(m.sample(named: "node_hwmon_chip_names", labels: ["chip": "thermal_thermal_zone0", "chip_name": "cpu_thermal"]) == 1)
        #expect(m.sample(named: "node_hwmon_in_lcrit_alarm_volts", labels: ["chip": "soc:firmware_raspberrypi_hwmon", "sensor": "in0"]) == 0)
        #expect(m.sample(named: "node_hwmon_sensor_label", labels: ["chip": "soc:firmware_raspberrypi_hwmon", "sensor": "in0",
                                                                      "label": "under-voltage"]) == 1)
        // uname, os, time, pressure, entropy, filefd
        #expect(m.sample(named: "node_uname_info", labels: ["sysname": "Linux", "nodename": "pi1", "release": "6.6.51+rpt-rpi-v8",
                                                              "version": "#1 SMP PREEMPT Debian 1:6.6.51-1+rpt3 (2024-10-08)",
                                                              "machine": "aarch64", "domainname": "(none)"]) == 1)
        #expect(m.family(named: "node_os_info")?.samples.first?.labels["pretty_name"] == "Debian GNU/Linux 12 (bookworm)")
        #expect(m.family(named: "node_os_info")?.samples.first?.labels["version_codename"] == "bookworm")
        #expect(m.sample(named: "node_os_version", labels: ["id": "debian", "id_like": "", "name": "Debian GNU/Linux"]) == 12)
        #expect(m.sample(named: "node_time_seconds") == 1_732_112_345.5)
        #expect(m.sample(named: "node_time_zone_offset_seconds", labels: ["time_zone": "CET"]) == 3600)
        #expect(m.sample(named: "node_time_clocksource_current_info", labels: ["clocksource": "arch_sys_counter", "device": "0"]) == 1)
        #expect(m.sample(named: "node_pressure_io_stalled_seconds_total") == 31.234567)
        #expect(m.sample(named: "node_pressure_irq_stalled_seconds_total") == nil)
        #expect(m.sample(named: "node_entropy_available_bits") == 256)
        #expect(m.sample(named: "node_filefd_maximum") == Double(Int64.max))
    }

    /// This machine's captured files: every collector that has files works, and the values are the file's.
    @Test func capturedFilesOfThisKindOfMachineParse() async throws {
        let files = NodeTestSupport.files("vm", filesystems: ["/": NodeFiles.FilesystemStat(blockSize: 4096, blocks: 10, blocksFree: 5,
                                                                                                 blocksAvailable: 4, files: 8, filesFree: 2)])
        let (m, failures) = NodeTestSupport.collect(files)
        // No hwmon on this VM (node_exporter fails that collector here too).
        #expect(Set(failures.keys).isSubset(of: ["hwmon"]), "\(failures)")
        let cpus = try String(contentsOfFile: NodeTestSupport.fixture("vm/proc/stat"), encoding: .utf8)
            .split(separator: "\n").filter { $0.hasPrefix("cpu") && !$0.hasPrefix("cpu ") }.count
        #expect(m.family(named: "node_cpu_seconds_total")?.samples.count == cpus * 8)
        let memTotal = try String(contentsOfFile: NodeTestSupport.fixture("vm/proc/meminfo"), encoding: .utf8)
            .split(separator: "\n")[0].split(separator: " ", omittingEmptySubsequences: true)[1]
        #expect(m.sample(named: "node_memory_MemTotal_bytes") == Double(memTotal)! * 1024)
        #expect(m.sample(named: "node_network_up", labels: ["device": "lo"]) == 0)
        #expect(m.family(named: "node_uname_info")?.samples.first?.labels["machine"] == "x86_64")
        #expect(try await NodeTestSupport.promtoolProblems(ExpositionEncoder.encode(m)) == [])
    }

    /// node_exporter's cpu cache: a counter never goes backwards for one target; a drop of more
    /// than 3 s (a CPU that went offline) is taken as a reset; another target has its own cache.
    @Test func cpuCountersNeverGoBackwards() {
        let state = NodeCollectorState()
        func user(_ ticks: Int, target: String = "pi1") -> Double? {
            var files = NodeFiles()
            files.files["/proc/stat"] = "cpu  1 2 3 4 5 6 7 8 9 10\ncpu0 \(ticks) 0 0 500 10 0 0 0 0 0\n"
            let (m, _) = NodeTestSupport.collect(files, state: state, target: target, options: NodeOptions(collectors: ["cpu"]))
            return m.sample(named: "node_cpu_seconds_total", labels: ["cpu": "0", "mode": "user"])
        }
        #expect(user(1000) == 10)
        #expect(user(1100) == 11)
        #expect(user(1050) == 11)  // 0.5 s back: kept
        #expect(user(1100) == 11)
        #expect(user(1150) == 11.5)
        #expect(user(100) == 1)    // 10.5 s back: a reset, taken
        #expect(user(100, target: "pi0") == 1)
        #expect(user(90, target: "pi0") == 1)
        #expect(user(120) == 1.2)
    }

    /// Two hwmon nodes under one device (node_exporter #3646): told apart by their name files,
    /// else by hwmonN.
    @Test func hwmonNodesSharingADeviceAreDisambiguated() {
        var files = NodeFiles()
        for (hwmon, name) in [("hwmon3", "asus"), ("hwmon4", "asus_wmi"), ("hwmon5", "asus"), ("hwmon6", "asus")] {
            files.files["/sys/class/hwmon/\(hwmon)/name"] = "\(name)\n"
            files.files["/sys/class/hwmon/\(hwmon)/pwm1_enable"] = "2\n"
        }
        files.links["/sys/class/hwmon/hwmon3/device"] = "/sys/devices/platform/asus-nb-wmi"
        files.links["/sys/class/hwmon/hwmon4/device"] = "/sys/devices/platform/asus-nb-wmi"
        files.links["/sys/class/hwmon/hwmon5/device"] = "/sys/devices/platform/other"
        files.links["/sys/class/hwmon/hwmon6/device"] = "/sys/devices/platform/other"
        let chips = HwmonCollector.chipNames(files, hwmons: ["hwmon3", "hwmon4", "hwmon5", "hwmon6"])
        #expect(chips == ["hwmon3": "platform_asus_nb_wmi_asus", "hwmon4": "platform_asus_nb_wmi_asus_wmi",
                          "hwmon5": "platform_other_hwmon5", "hwmon6": "platform_other_hwmon6"])
        let (m, _) = NodeTestSupport.collect(files, options: NodeOptions(collectors: ["hwmon"]))
        #expect(m.family(named: "node_hwmon_pwm_enable")?.samples.count == 4)
    }

    @Test func mountPointEscapesAreUndone() {
        #expect(FilesystemCollector.unescape("/mnt/a\\040b\\011c\\134d") == "/mnt/a b\tc\\d")
        #expect(FilesystemCollector.unescape("/plain") == "/plain")
    }
}

/// The local transport's netlink dump of TCP states agrees with `/proc/net/tcp` + `tcp6` read a
/// moment later (other tests open and close sockets meanwhile: a small tolerance), and it counts a
/// listener this test holds open.
@Suite struct TCPStateDumpTests {
    @Test func netlinkCountsMatchTheProcFiles() async throws {
        let server = try await TCPTestServer()
        let states = try #require(TCPStateDump.states())
        var files = NodeFiles()
        for path in TCPStatCollector.files { files.files[path] = LocalNodeReader.readFile(path, limit: 1 << 24) }
        var fromFiles = MetricSet()
        try TCPStatCollector().collect(NodeCollectorInput(files: files), into: &fromFiles)
        let total = { (pairs: [(String, Double)]) in pairs.filter { !$0.0.hasSuffix("_bytes") }.reduce(0) { $0 + $1.1 } }
        let fileStates = fromFiles.family(named: "node_tcp_connection_states")?.samples.map { ($0.labels["state"] ?? "", $0.value) } ?? []
        #expect(abs(total(states.map { ($0.key, $0.value) }) - total(fileStates)) <= 30, "netlink \(states) files \(fileStates)")
        #expect((states["listen"] ?? 0) >= 1)
        // The collector reports the dump as it is when the transport filled it.
        var withDump = NodeFiles()
        withDump.tcpStates = ["listen": 2, "tx_queued_bytes": 4224, "rx_queued_bytes": 0]
        var metrics = MetricSet()
        try TCPStatCollector().collect(NodeCollectorInput(files: withDump), into: &metrics)
        #expect(metrics.sample(named: "node_tcp_connection_states", labels: ["state": "tx_queued_bytes"]) == 4224)
        #expect(metrics.sample(named: "node_tcp_connection_states", labels: ["state": "listen"]) == 2)
        await server.stop()
    }
}
