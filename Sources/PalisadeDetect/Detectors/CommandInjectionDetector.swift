/// OS command injection found by reading the input as a shell would: after a command separator,
/// a substitution or a pipe, is the next word (with quotes, backslashes and `${IFS}` removed) a
/// program an attacker runs? Plain words after `&` in prose ("Tom & Jerry") are not programs.
struct CommandInjectionDetector {
    static let gate = ByteSet(";|&`$\n\r(){}<>")
    /// Programs that are rarely English words, so any use after a separator counts.
    static let programs = WordList([
        "bash", "sh", "zsh", "ksh", "csh", "tcsh", "dash", "ash", "busybox", "wget", "curl", "nc", "ncat", "netcat", "socat", "telnet",
        "ssh", "scp", "sftp", "ftp", "tftp", "whoami", "uname", "ifconfig", "ipconfig", "nslookup", "dig", "host", "python", "python2", "python3",
        "perl", "ruby", "php", "node", "lua", "java", "gcc", "chmod", "chown", "chattr", "mkfifo", "mknod", "nohup", "crontab", "passwd",
        "useradd", "usermod", "sudo", "su", "base64", "xxd", "hexdump", "strings", "awk", "gawk", "sed", "xargs", "uniq", "printenv", "env",
        "systeminfo", "tasklist", "taskkill", "netstat", "certutil", "bitsadmin", "powershell", "pwsh", "cmd", "wmic", "reg", "regsvr32",
        "rundll32", "mshta", "cscript", "wscript", "schtasks", "net", "sc", "rm", "cp", "mv", "ls", "id", "ps", "kill", "pkill", "killall", "grep",
        "egrep", "fgrep", "tac", "nl", "od", "dd", "tee", "wc", "ping", "traceroute", "cat", "echo", "sleep", "timeout", "head", "tail", "find",
        "more", "less", "sort", "type", "dir", "set", "export", "eval", "exec", "source", "touch", "mkdir", "rmdir", "ln", "unset", "uptime", "w",
        "who", "last", "lsof", "pwd", "cd", "tar", "zip", "unzip", "gzip", "openssl", "aws", "jq", "vi", "vim", "nano", "apt", "yum", "apk", "pip",
        "npm", "docker", "kubectl", "mail", "sendmail", "shutdown", "reboot", "halt", "init", "systemctl", "service", "iptables", "route",
    ])
    /// Programs that are also everyday words: they count only with shell-looking arguments.
    static let ambiguous = WordList([
        "cat", "echo", "sleep", "timeout", "head", "tail", "find", "more", "less", "sort", "type", "dir", "set", "export", "source", "touch",
        "id", "ps", "kill", "ping", "host", "last", "who", "w", "cd", "net", "sc", "reg", "init", "route", "mail", "service", "halt", "env",
        "cp", "mv", "ln", "wc", "dd", "od", "nl", "tac", "uniq", "strings", "exec", "eval", "sh", "su", "ls", "rm", "tee", "pwd", "zip",
    ])

    /// What each rule needs: a separator that starts a command (`(`, `<`, `>` and `$` only before a
    /// `(`), or all of `/dev/tcp/` or `/dev/udp/`; the Shellshock text holds a `{`. A phone number's
    /// brackets or a path's slashes are none of these.
    static let gateSets: [ByteSet] = ";|&`{\n\r".utf8.map { ByteSet().adding($0) }
        + [ByteSet("$("), ByteSet("<("), ByteSet(">("), ByteSet(devTCP), ByteSet(devUDP)]
    static let shellshockStart = Array("() {".utf8)
    static let shellshock = Array("() { :;".utf8)
    static let devTCP = Array("/dev/tcp/".utf8)
    static let devUDP = Array("/dev/udp/".utf8)
    /// The bytes `/dev/tcp/` and `/dev/udp/` share: most paths and URLs lack one.
    static let devBytes = ByteSet("/dev")
    static let ifsBraced = Array("${ifs}".utf8)
    static let ifs = Array("$ifs".utf8)
    static let exe = Array(".exe".utf8)
    /// What may follow an everyday word for it to read as a command (digits too).
    static let shellArgumentStarts = ByteSet("-/.$~`);|&><'\"")

    func scan(_ input: ScanInput, scratch: inout DetectorScratch, into matches: inout [Match]) {
        let text = input.lower
        if input.present.contains(UInt8(ascii: "(")),
           ByteScan.hasPrefix(text, Self.shellshockStart, at: ByteScan.skipSpace(text, from: 0)) || ByteScan.find(Self.shellshock, in: text) != nil {
            matches.append(Match(category: .cmdi, rule: "cmdi.shellshock", message: "a Shellshock function definition", evidence: 0..<min(text.count, 40)))
            return
        }
        if Self.devBytes.isSubset(of: input.present.addingLowercase), let offset = ByteScan.find(Self.devTCP, in: text) ?? ByteScan.find(Self.devUDP, in: text) {
            matches.append(Match(category: .cmdi, rule: "cmdi.reverse-shell", message: "opens a network connection from the shell (/dev/tcp)", evidence: max(0, offset - 20)..<min(text.count, offset + 40)))
            return
        }
        guard input.present.intersects(Self.gate) else { return }
        var index = 0
        while index < text.count {
            let byte = text[index]
            var start: Int?
            var rule = "cmdi.chained-command"
            switch byte {
            case UInt8(ascii: ";"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "|"), UInt8(ascii: "&"), UInt8(ascii: "{"):
                start = index + 1
                while let next = start, next < text.count, text[next] == byte { start = next + 1 }
            case UInt8(ascii: "`"):
                start = index + 1
                rule = "cmdi.substitution"
            case UInt8(ascii: "$") where index + 1 < text.count && text[index + 1] == UInt8(ascii: "("):
                start = index + 2
                rule = "cmdi.substitution"
            case UInt8(ascii: "<") where index + 1 < text.count && text[index + 1] == UInt8(ascii: "("),
                 UInt8(ascii: ">") where index + 1 < text.count && text[index + 1] == UInt8(ascii: "("):
                start = index + 2
                rule = "cmdi.substitution"
            default:
                break
            }
            if let start, let end = Self.commandWord(text, from: start, into: &scratch.commandWord), isCommand(scratch.commandWord, text, end: end, rule: rule) {
                let evidenceEnd = min(text.count, end + 40)
                matches.append(Match(category: .cmdi, rule: rule, message: "runs \(String(decoding: scratch.commandWord, as: UTF8.self)) through the shell", evidence: index..<evidenceEnd))
                return
            }
            index += 1
        }
    }

    func isCommand(_ word: [UInt8], _ text: [UInt8], end: Int, rule: String) -> Bool {
        guard Self.programs.contains(word[...]) else { return false }
        guard Self.ambiguous.contains(word[...]) else { return true }
        // An everyday word needs shell-looking company: an option, a path, a variable, or nothing after it.
        let next = ByteScan.skipSpace(text, from: end)
        guard next < text.count else { return rule == "cmdi.substitution" || end == text.count }
        let argument = text[next]
        return Self.shellArgumentStarts.contains(argument) || (argument >= 0x30 && argument <= 0x39)
    }

    /// The next shell word with quoting and common obfuscations undone, into `word` (emptied first,
    /// its storage reused from separator to separator); a path keeps its last part. Returns where the
    /// word ends, or nil when there is none.
    static func commandWord(_ text: [UInt8], from start: Int, into word: inout [UInt8]) -> Int? {
        var index = start
        while index < text.count {
            if ByteScan.isSpace(text[index]) {
                index += 1
            } else if ByteScan.hasPrefix(text, Self.ifsBraced, at: index) {
                index += 6
            } else if ByteScan.hasPrefix(text, Self.ifs, at: index) {
                index += 4
            } else {
                break
            }
        }
        // Most separators are followed by no word: emptying an empty buffer would still cost a call.
        if !word.isEmpty { word.removeAll(keepingCapacity: true) }
        while index < text.count, word.count < 64 {
            let byte = text[index]
            if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "^") {
                index += 1
                continue
            }
            if byte == UInt8(ascii: "$"), index + 1 < text.count, text[index + 1] == UInt8(ascii: "@") || text[index + 1] == UInt8(ascii: "*") || (text[index + 1] >= 0x30 && text[index + 1] <= 0x39) {
                index += 2
                continue
            }
            if byte == UInt8(ascii: "/") {
                word.removeAll(keepingCapacity: true)
                index += 1
                continue
            }
            guard ByteScan.isIdentifier(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") else { break }
            word.append(byte)
            index += 1
        }
        if word.hasSuffix(Self.exe) { word.removeLast(4) }
        return word.isEmpty ? nil : index
    }
}

extension Array where Element == UInt8 {
    /// Compared index by index: `elementsEqual` over a slice stays generic here and costs a call per byte.
    func hasSuffix(_ suffix: [UInt8]) -> Bool {
        guard count >= suffix.count else { return false }
        let offset = count - suffix.count
        for index in suffix.indices where self[offset + index] != suffix[index] { return false }
        return true
    }
}
