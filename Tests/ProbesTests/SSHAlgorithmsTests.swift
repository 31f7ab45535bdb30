import Testing
import VandineCore
@testable import Probes

/// The algorithm names the config loader accepts (VandineCore's ``SSHAlgorithms``) are the ones the
/// linked libssh negotiates.
@Suite struct SSHAlgorithmsTests {
    @Test(arguments: [
        (LibSSH.AlgorithmList.kex, SSHAlgorithms.kex), (.hostKeys, SSHAlgorithms.hostKeys),
        (.ciphers, SSHAlgorithms.ciphers), (.macs, SSHAlgorithms.macs),
    ])
    func everyAcceptedNameIsSupportedByLibSSH(list: LibSSH.AlgorithmList, names: [String]) {
        for name in names { #expect(LibSSH.supports(name, as: list), "libssh \(LibSSH.version) refuses \(name)") }
        #expect(!LibSSH.supports("no-such-algorithm", as: list), "the check can fail")
    }
}
