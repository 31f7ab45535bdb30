import AlertCore
import Testing

@Suite struct GroupScheduleTests {
    @Test("XXH64 matches the reference vectors (xxhash_spec.md / cespare/xxhash)")
    func xxhashVectors() {
        #expect(XXHash64.hash("") == 0xEF46_DB37_51D8_E999)
        #expect(XXHash64.hash("a") == 0xD24E_C4F1_A98C_6E5B)
        #expect(XXHash64.hash("abc") == 0x44BC_2CF5_AD77_0999)
        #expect(XXHash64.hash("Nobody inspects the spammish repetition") == 0xFBCE_A83C_8A37_8BF1)
        // ≥ 32 bytes: the four-lane path.
        #expect(XXHash64.hash(String(repeating: "abcdefghijklmnopqrstuvwxyz012345", count: 3)) != XXHash64.hash("abc"))
    }

    @Test("slots are offset + k·interval with the offset from the group's hash, one interval apart")
    func slots() {
        let schedule = GroupSchedule(file: "/etc/rules/a.yml", name: "node", interval: 30)
        let expectedOffset = Int64(GroupSchedule.groupHash(file: "/etc/rules/a.yml", name: "node") % 30_000_000_000)
        #expect(schedule.offsetNanoseconds == expectedOffset)
        for now in [1_700_000_000.0, 1_700_000_012.345, 1_700_000_029.999] {
            let slot = schedule.slot(atOrBefore: now)
            #expect(slot <= now && now - slot < 30)
            // Unix times as Doubles carry ~240 ns of precision: compare the phase within 1 µs.
            let phase = ((Int64((slot * 1e9).rounded()) - expectedOffset) % 30_000_000_000 + 30_000_000_000) % 30_000_000_000
            #expect(min(phase, 30_000_000_000 - phase) < 1000, "phase \(phase) ns")
            let next = schedule.slot(after: now)
            #expect(abs(next - slot - 30) < 1e-6)
        }
        // Another group spreads elsewhere in the interval.
        #expect(GroupSchedule(file: "/etc/rules/a.yml", name: "other", interval: 30).offsetNanoseconds != schedule.offsetNanoseconds)
    }

    @Test("a round that overran skips the slots it missed and counts them (Prometheus's iterations_missed)")
    func missedSlots() {
        let schedule = GroupSchedule(file: "f", name: "g", interval: 10)
        #expect(schedule.next(after: 100, now: 103).slot == 110)
        #expect(schedule.next(after: 100, now: 103).missed == 0)
        #expect(schedule.next(after: 100, now: 125).slot == 120)
        #expect(schedule.next(after: 100, now: 125).missed == 1)
        #expect(schedule.next(after: 100, now: 131).missed == 2)
    }
}
