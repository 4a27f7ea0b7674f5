/// Code injection into interpreters the function may hand input to: JavaScript (`eval`, Node's
/// `child_process`), Python, PHP, and Java expression languages (OGNL, SpEL, EL). Each signature is
/// a construct, usually a call, that only code contains; a bare word such as "system" is not enough.
struct CodeInjectionDetector {
    struct Signature {
        let needle: [UInt8]
        let rule: String
        let message: String
        /// The needle must be followed by `(` (spaces and comments allowed).
        let call: Bool

        init(_ needle: String, _ rule: String, _ message: String, call: Bool = false) {
            self.needle = Array(needle.utf8)
            self.rule = rule
            self.message = message
            self.call = call
        }
    }

    static let gate = ByteSet("(.$#@<[_{")

    static let signatures: [Signature] = [
        // JavaScript / Node.js
        Signature("require", "code.js-require", "loads a Node.js module from input", call: true),
        Signature("child_process", "code.js-child-process", "reaches Node.js child_process"),
        Signature("process.mainmodule", "code.js-process", "reaches Node.js process internals"),
        Signature("process.binding", "code.js-process", "reaches Node.js process internals", call: true),
        Signature("global.process", "code.js-process", "reaches Node.js process internals"),
        Signature("constructor.constructor", "code.js-function-constructor", "builds a function from a string via constructor.constructor"),
        Signature("new function", "code.js-function-constructor", "builds a function from a string", call: true),
        Signature("settimeout", "code.js-eval", "evaluates a string as code", call: true),
        Signature("setinterval", "code.js-eval", "evaluates a string as code", call: true),
        Signature("eval", "code.eval", "evaluates a string as code", call: true),
        Signature("function", "code.js-function-constructor", "builds a function from a string", call: true),
        // Python
        Signature("__import__", "code.python-import", "imports a Python module from input", call: true),
        Signature("os.system", "code.python-os", "runs a shell command from Python", call: true),
        Signature("os.popen", "code.python-os", "runs a shell command from Python", call: true),
        Signature("subprocess.", "code.python-subprocess", "starts a process from Python"),
        Signature("__builtins__", "code.python-introspection", "reaches Python builtins"),
        Signature("__globals__", "code.python-introspection", "reaches a function's globals"),
        Signature("__subclasses__", "code.python-introspection", "walks Python's class tree", call: true),
        Signature("pickle.loads", "code.python-pickle", "unpickles attacker data", call: true),
        Signature("exec", "code.eval", "executes a string as code", call: true),
        Signature("compile", "code.python-compile", "compiles a string as code", call: true),
        // PHP
        Signature("<?php", "code.php-tag", "opens a PHP code block"),
        Signature("<?=", "code.php-tag", "opens a PHP echo block"),
        Signature("system", "code.php-exec", "runs a shell command", call: true),
        Signature("shell_exec", "code.php-exec", "runs a shell command", call: true),
        Signature("passthru", "code.php-exec", "runs a shell command", call: true),
        Signature("proc_open", "code.php-exec", "runs a shell command", call: true),
        Signature("popen", "code.php-exec", "runs a shell command", call: true),
        Signature("pcntl_exec", "code.php-exec", "runs a program", call: true),
        Signature("assert", "code.php-eval", "evaluates a string as PHP", call: true),
        Signature("create_function", "code.php-eval", "builds a function from a string", call: true),
        Signature("call_user_func", "code.php-eval", "calls a function named by input", call: true),
        Signature("base64_decode", "code.php-obfuscation", "decodes a hidden payload", call: true),
        Signature("gzinflate", "code.php-obfuscation", "decodes a hidden payload", call: true),
        Signature("str_rot13", "code.php-obfuscation", "decodes a hidden payload", call: true),
        Signature("phpinfo", "code.php-exec", "dumps the PHP configuration", call: true),
        Signature("file_put_contents", "code.php-file", "writes a file from PHP", call: true),
        Signature("file_get_contents", "code.php-file", "reads a file or URL from PHP", call: true),
        Signature("$_get[", "code.php-superglobal", "reads PHP request superglobals"),
        Signature("$_post[", "code.php-superglobal", "reads PHP request superglobals"),
        Signature("$_request[", "code.php-superglobal", "reads PHP request superglobals"),
        Signature("$_server[", "code.php-superglobal", "reads PHP request superglobals"),
        // Java and its expression languages
        Signature("java.lang.runtime", "code.java-runtime", "reaches java.lang.Runtime"),
        Signature("runtime.getruntime", "code.java-runtime", "reaches java.lang.Runtime", call: true),
        Signature("java.lang.processbuilder", "code.java-runtime", "reaches java.lang.ProcessBuilder"),
        Signature("processbuilder", "code.java-runtime", "builds an OS process", call: true),
        Signature("#_memberaccess", "code.ognl", "rewrites OGNL member access"),
        Signature("@ognl.ognlcontext", "code.ognl", "reaches the OGNL context"),
        Signature("#context[", "code.ognl", "reaches the OGNL context"),
        Signature("@java.lang.", "code.ognl", "calls a Java static method from OGNL"),
        Signature("t(java.", "code.spel", "reaches a Java type from SpEL"),
        Signature("javax.script.scriptenginemanager", "code.java-script-engine", "evaluates script through the JVM"),
        Signature("class.forname", "code.java-reflection", "loads a Java class by name", call: true),
        Signature(".getclass().forname", "code.java-reflection", "loads a Java class by name"),
        Signature("java.io.objectinputstream", "code.java-deserialization", "deserialises Java objects"),
        Signature("rO0AB", "code.java-deserialization", "a serialised Java object"),
        Signature("aced0005", "code.java-deserialization", "a serialised Java object"),
    ]

    static let needles = signatures.map { String(decoding: $0.needle, as: UTF8.self) }
    /// The needles as the automaton matches them, lowercased.
    static let lowercasedNeedles = signatures.map { $0.needle.lowercasedASCII() }

    func scan(_ input: ScanInput, scratch: inout DetectorScratch, into matches: inout [Match]) {
        guard input.present.intersects(Self.gate) else { return }
        let text = input.lower
        guard scratch.hasNeedle(of: .code, in: input) else { return }
        for (index, signature) in Self.signatures.enumerated() where scratch.contains(index, of: .code) {
            let needle = Self.lowercasedNeedles[index]
            for offset in ByteScan.all(needle, in: text) {
                guard !ByteScan.isIdentifier(needle[0]) || ByteScan.startsWord(text, at: offset) else { continue }
                let end = offset + needle.count
                // A bare opening tag runs nothing; code must follow it.
                if signature.rule == "code.php-tag", ByteScan.skipSpace(text, from: end) >= text.count { continue }
                if signature.call {
                    guard let paren = ByteScan.isCall(text, after: end), Self.hasArgument(text, after: paren) else { continue }
                }
                matches.append(Match(category: .code, rule: signature.rule, message: signature.message, evidence: offset..<min(text.count, end + 40)))
                return
            }
        }
    }

    /// `eval(x)`, `system("id")`: a call with something inside, unlike prose such as "(see below)".
    static func hasArgument(_ text: [UInt8], after paren: Int) -> Bool {
        let next = ByteScan.skipSpace(text, from: paren + 1)
        guard next < text.count else { return false }
        let byte = text[next]
        guard byte != UInt8(ascii: ")") else { return false }
        // An argument that is a quoted string, variable, call or expression, not a sentence.
        if [UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"), UInt8(ascii: "$"), UInt8(ascii: "["), UInt8(ascii: "(")].contains(byte) { return true }
        guard let close = text[next...].firstIndex(of: UInt8(ascii: ")")) else { return false }
        let inside = text[next..<close]
        return !inside.contains(0x20) || inside.contains(where: { [UInt8(ascii: "."), UInt8(ascii: "("), UInt8(ascii: "+"), UInt8(ascii: ",")].contains($0) })
    }
}
