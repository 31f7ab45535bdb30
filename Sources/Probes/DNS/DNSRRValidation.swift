import VandineCore

/// blackbox_exporter's `validRRs`: checks the RRs of one reply section (in zone-file text) against
/// a ``DNSRRValidator``, with blackbox's exact semantics:
///
/// - `fail_if_matches_regexp`: fails when any RR matches any of the regexes.
/// - `fail_if_not_matches_regexp`: fails when some RR does not match one of the regexes, and when
///   the section is empty.
/// - `fail_if_all_match_regexp`: despite its name, fails unless every RR matches every regex
///   (blackbox's code and the PR that added it: "pass if all records match"); an empty section passes.
/// - `fail_if_none_matches_regexp`: fails when no RR matches one of the regexes, and when the
///   section is empty.
enum DNSRRValidation {
    /// Nil when the section passes, else the reason (one line).
    static func problem(section: String, records: [String], validator: DNSRRValidator, log: ProbeLog) -> String? {
        if records.isEmpty && !validator.failIfNotMatches.isEmpty {
            return "fail_if_not_matches_regexp is set for the \(section) section but the reply has no \(section) RRs"
        }
        if records.isEmpty && !validator.failIfNoneMatches.isEmpty {
            return "fail_if_none_matches_regexp is set for the \(section) section but the reply has no \(section) RRs"
        }
        var anyMatch = false
        var notAllMatch: (pattern: String, record: String)?
        for record in records {
            log.log("validating \(section) RR \(record.debugDescription)")
            for pattern in validator.failIfMatches where pattern.matches(record) {
                return "\(section) RR \(record.debugDescription) matches fail_if_matches_regexp \(pattern.pattern.debugDescription)"
            }
            for pattern in validator.failIfAllMatch where notAllMatch == nil && !pattern.matches(record) {
                notAllMatch = (pattern.pattern, record)
            }
            for pattern in validator.failIfNotMatches where !pattern.matches(record) {
                return "\(section) RR \(record.debugDescription) does not match fail_if_not_matches_regexp \(pattern.pattern.debugDescription)"
            }
            if validator.failIfNoneMatches.contains(where: { $0.matches(record) }) { anyMatch = true }
        }
        if let notAllMatch {
            return "not all \(section) RRs match fail_if_all_match_regexp \(notAllMatch.pattern.debugDescription): \(notAllMatch.record.debugDescription) does not"
        }
        if !validator.failIfNoneMatches.isEmpty && !anyMatch {
            let patterns = validator.failIfNoneMatches.map { $0.pattern.debugDescription }.joined(separator: ", ")
            return "no \(section) RR matches fail_if_none_matches_regexp \(patterns)"
        }
        return nil
    }
}
