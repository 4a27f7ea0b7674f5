import Foundation

/// The in-process hooks of the behaviour guard (a Python audit hook, a Node.js `--require` module) and
/// the wrapper's part that turns them on. They add the API name to what the preload library sees, ask
/// the same agent over PALISADE_GUARD_SOCKET, and do nothing at all when that variable is unset.
extension LayerFiles {
    /// Under /opt once the layer is unpacked. Python finds the first through PYTHONPATH; a function's
    /// own sitecustomize (or another layer's) still runs: ours runs the next one on sys.path.
    public static let pythonHookPath = "palisade/python/sitecustomize.py"
    public static let nodeHookPath = "palisade/node-guard.js"

    /// Sourced into the wrapper before it starts the runtime: with the guard on, the Python hook's folder
    /// goes first on PYTHONPATH and the Node.js hook into NODE_OPTIONS (children inherit both).
    /// `PALISADE_LAYER_DIR` is /opt in Lambda; `palisade run` points it at its own copy.
    public static let inProcessHooksScript = #"""
    palisade_hooks() {
        [ -n "$PALISADE_GUARD_SOCKET" ] || return 0
        hooks="${PALISADE_LAYER_DIR:-/opt}/palisade"
        export PYTHONPATH="$hooks/python${PYTHONPATH:+:$PYTHONPATH}"
        export NODE_OPTIONS="--require $hooks/node-guard.js${NODE_OPTIONS:+ $NODE_OPTIONS}"
    }
    """#

    /// Writes the hooks below `root` (a layer's staging folder, or `palisade run`'s PALISADE_LAYER_DIR).
    public static func writeInProcessHooks(under root: String) throws {
        try FileManager.default.createDirectory(atPath: root + "/palisade/python", withIntermediateDirectories: true)
        try pythonHook.write(toFile: root + "/" + pythonHookPath, atomically: true, encoding: .utf8)
        try nodeHook.write(toFile: root + "/" + nodeHookPath, atomically: true, encoding: .utf8)
        compilePythonHook(root + "/" + pythonHookPath)
    }

    /// Python versions the Python hook is compiled for ahead of time, by whichever of them is installed.
    static let pythonVersions = (8...14).map { "python3.\($0)" }

    /// Byte code for the Python hook in its `__pycache__`, one file per installed Python version. /opt is
    /// read-only in Lambda, so without it every interpreter start compiles the hook again (milliseconds).
    /// Unchecked-hash files: Python loads them without comparing the source's time stamp, which the
    /// layer's zip does not keep. A version not installed here compiles the hook at start, as before.
    static func compilePythonHook(_ source: String) {
        let script = #"import os, py_compile, sys; s = sys.argv[1]; py_compile.compile(s, cfile=os.path.join(os.path.dirname(s), "__pycache__", "sitecustomize." + sys.implementation.cache_tag + ".pyc"), doraise=True, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)"#
        let searchPath = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":").map(String.init)
        var interpreters: Set<String> = []
        for name in pythonVersions {
            guard let found = searchPath.lazy.map({ $0 + "/" + name }).first(where: FileManager.default.isExecutableFile) else { continue }
            interpreters.insert(URL(fileURLWithPath: found).resolvingSymlinksInPath().path)
        }
        // All at once: an interpreter that cannot run (a version manager's shim for a version it lacks) just fails.
        let compilers = interpreters.sorted().compactMap { interpreter -> Process? in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: interpreter)
            process.arguments = ["-c", script, source]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            return (try? process.run()) != nil ? process : nil
        }
        for process in compilers { process.waitUntilExit() }
    }

    /// `sys.addaudithook` (PEP 578) for subprocess.Popen, os.system, os.exec, os.posix_spawn, open,
    /// socket.connect/sendto and socket.getaddrinfo; a denial raises the OSError before the call runs.
    public static let pythonHook = #"""
    """Palisade's in-process guard for Python, loaded by `site` at interpreter start.

    The layer's exec wrapper puts this file's folder first on PYTHONPATH. When PALISADE_GUARD_SOCKET is
    set, an audit hook (PEP 578) asks the palisade-agent about every process start, file open outside the
    runtime's own files, outbound connect and name lookup, with the Python API that made it; a denial
    raises the OSError the agent names (PermissionError for EPERM/EACCES) before the call happens.
    Any other sitecustomize later on sys.path (the function's or another layer's) is run afterwards.
    """


    def _palisade_install():
        import os
        import sys

        socket_path = os.environ.get("PALISADE_GUARD_SOCKET")
        if not socket_path:
            return
        fail_closed = os.environ.get("PALISADE_GUARD_FAIL_CLOSED") == "1"
        try:
            timeout = int(os.environ.get("PALISADE_GUARD_TIMEOUT_MS", "1000")) / 1000.0
        except ValueError:
            timeout = 1.0
        max_line = 16 * 1024
        getpid, getppid, getcwd, fsdecode, write, strerror = os.getpid, os.getppid, os.getcwd, os.fsdecode, os.write, os.strerror

        # Reads that never need the agent: the interpreter's and the system's own files, and imports.
        read_prefixes = tuple(sorted({
            "/usr/lib/", "/lib/", "/lib64/", "/usr/share/", "/usr/local/lib/", "/proc/self/fd/",
            "/var/runtime/", "/var/lang/lib/", sys.prefix + "/lib/", sys.base_prefix + "/lib/", sys.exec_prefix + "/lib/",
        }))
        code_suffixes = (".py", ".pyc", ".so", ".pth")
        quiet_paths = ("/dev/null", "/dev/urandom", "/dev/random")

        state = {"pid": None, "sock": None, "lock": None, "warned": False}

        def reset_after_fork():
            state["pid"] = state["sock"] = state["lock"] = None

        os.register_at_fork(after_in_child=reset_after_fork)

        def connection():
            if state["pid"] != getpid():
                import _socket

                state["pid"] = getpid()
                state["sock"] = None
                sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
                sock.settimeout(timeout)
                try:
                    sock.connect(socket_path)
                except OSError:
                    sock.close()
                    state["pid"] = None
                    raise
                state["sock"] = sock
            return state["sock"]

        def exchange(line):
            sock = connection()
            try:
                sock.sendall(line)
                answer = b""
                while not answer.endswith(b"\n"):
                    chunk = sock.recv(512)
                    if not chunk:
                        raise OSError("the agent closed the guard connection")
                    answer += chunk
                return answer
            except OSError:
                sock.close()
                state["pid"] = state["sock"] = None
                raise

        def log(fields):
            try:
                write(2, (encoder()(fields) + "\n").encode())
            except OSError:
                pass

        def encoder():
            if state.get("dumps") is None:
                import json

                state["dumps"] = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
            return state["dumps"]

        def ask(request):
            """The agent's verdict on one operation: None to allow, or the OSError to raise."""
            request["v"], request["pid"], request["ppid"], request["source"] = 1, getpid(), getppid(), "python"
            line = encoder()(request).encode("utf-8", "surrogateescape")
            if len(line) >= max_line:
                line = truncated(request)
            if state["lock"] is None:
                import _thread

                state["lock"] = _thread.allocate_lock()
            try:
                with state["lock"]:
                    try:
                        answer = exchange(line + b"\n")
                    except OSError:
                        # The agent may have restarted since this process last asked: one fresh try.
                        answer = exchange(line + b"\n")
            except OSError as error:
                return unreachable(request, error)
            if answer == b"A\n":
                return None
            parts = answer[:-1].decode("utf-8", "replace").split(" ", 2)
            if parts[0] != "D" or len(parts) < 2 or not parts[1].isdigit():
                return unreachable(request, OSError("unexpected answer from the agent: %r" % answer[:80]))
            # The agent's message is the log line itself; the exception reads as the failed call would.
            message = parts[2] if len(parts) > 2 else ""
            if message.startswith("{"):
                try:
                    write(2, message.encode("utf-8") + b"\n")
                except OSError:
                    pass
            else:
                log({"palisade": "guard", "action": "blocked", "source": "python", "api": request.get("api"), "op": request["op"], "message": message})
            code = int(parts[1])
            return OSError(code, strerror(code))

        def truncated(request):
            request["truncated"] = True
            budget = max_line // 2
            for key in ("path", "address", "host", "cwd"):
                if isinstance(request.get(key), str):
                    request[key] = request[key][:budget]
            if "argv" in request:
                kept, used = [], 0
                for argument in request["argv"]:
                    argument = argument[: max(0, budget - used)]
                    kept.append(argument)
                    used += len(argument) + 1
                    if used >= budget:
                        break
                request["argv"] = kept
            return encoder()(request).encode("utf-8", "surrogateescape")[: max_line - 1]

        def unreachable(request, error):
            if fail_closed:
                log({"palisade": "guard", "action": "blocked", "source": "python", "api": request.get("api"), "op": request["op"],
                     "message": "agent unreachable (%s): denied (PALISADE_GUARD_FAIL_CLOSED=1)" % error})
                return PermissionError(1, strerror(1))
            if not state["warned"]:
                state["warned"] = True
                log({"palisade": "log", "level": "warn", "message": "guard agent unreachable (%s): allowed (fail-open)" % error})
            return None

        def text(value):
            return value if value.__class__ is str else fsdecode(value)

        def check(request):
            error = ask(request)
            if error is not None:
                raise error

        def on_exec(api, path, argv):
            argv = [text(a) for a in argv] if argv is not None else []
            check({"op": "exec", "api": api, "path": text(path), "argv": argv, "cwd": getcwd()})

        def on_popen(args):
            executable, argv = args[0], args[1]
            if isinstance(argv, (str, bytes)) or not hasattr(argv, "__iter__"):
                argv = [argv]
            on_exec("subprocess.Popen", executable if executable is not None else argv[0], list(argv))

        def on_system(args):
            on_exec("os.system", "/bin/sh", ["sh", "-c", text(args[0])])

        def on_os_exec(args):
            on_exec("os.exec", args[0], args[1])

        def on_posix_spawn(args):
            on_exec("os.posix_spawn", args[0], args[1])

        def on_open(args):
            path, mode, flags = args[0], args[1], args[2]
            if path.__class__ is not str:
                if path.__class__ is int or path is None:
                    return
                path = text(path)
            if mode is None:
                write_access = flags & 0o3103 != 0  # O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND
            else:
                write_access = "w" in mode or "a" in mode or "x" in mode or "+" in mode
            if path.startswith("/") and "/.." not in path:
                if path in quiet_paths:
                    return
                if not write_access and (path.startswith(read_prefixes) or path.endswith(code_suffixes)):
                    return
            check({"op": "open", "api": "open" if mode is not None else "os.open", "path": path, "cwd": getcwd(),
                   "access": "write" if write_access else "read"})

        def on_connect(api, sock, address):
            if sock.family not in (2, 10) or not isinstance(address, tuple) or len(address) < 2:
                return  # AF_UNIX and other local families
            host = address[0]
            host = text(host) if host is not None else ""
            request = {"op": "connect", "api": api, "address": host, "port": address[1]}
            if host and not looks_numeric(host):
                request["host"] = host
            check(request)

        def looks_numeric(host):
            return ":" in host or host.replace(".", "").isdigit()

        def on_getaddrinfo(args):
            host = args[0]
            if host is None:
                return
            host = text(host)
            if not host or looks_numeric(host):
                return
            port = args[1]
            request = {"op": "resolve", "api": "socket.getaddrinfo", "host": host}
            if port.__class__ is int:
                request["port"] = port
            elif port is not None and text(port).isdigit():
                request["port"] = int(text(port))
            check(request)

        handlers = {
            "subprocess.Popen": on_popen,
            "os.system": on_system,
            "os.exec": on_os_exec,
            "os.posix_spawn": on_posix_spawn,
            "open": on_open,
            "socket.connect": lambda args: on_connect("socket.connect", args[0], args[1]),
            "socket.sendto": lambda args: on_connect("socket.sendto", args[0], args[1]),
            "socket.getaddrinfo": on_getaddrinfo,
        }
        get = handlers.get

        def audit(event, args):
            handler = get(event)
            if handler is not None:
                try:
                    handler(args)
                except OSError:
                    raise
                except Exception:  # a surprise in the hook itself must never break the function's call
                    pass

        sys.addaudithook(audit)


    def _palisade_chain():
        """Runs the next sitecustomize on sys.path, which this one shadows."""
        import os
        import sys
        from importlib.machinery import PathFinder
        from importlib.util import module_from_spec

        here = os.path.dirname(os.path.abspath(__file__))
        rest = [entry for entry in sys.path if os.path.abspath(entry or ".") != here]
        spec = PathFinder.find_spec("sitecustomize", rest)
        if spec is None or spec.loader is None or spec.origin == __file__:
            return
        module = module_from_spec(spec)
        sys.modules["sitecustomize"] = module
        spec.loader.exec_module(module)


    try:
        _palisade_install()
    except Exception as _error:  # never break the interpreter's start
        import sys as _sys

        _sys.stderr.write('{"palisade":"log","level":"warn","message":"python guard not installed: %s"}\n' % type(_error).__name__)
    _palisade_chain()

    """#

    /// Wraps child_process, fs (callback, sync, promises, streams), net.Socket#connect and dns.lookup.
    public static let nodeHook = #"""
    'use strict';
    // Palisade's in-process guard for Node.js, loaded with NODE_OPTIONS=--require by the layer's exec wrapper.
    // When PALISADE_GUARD_SOCKET is set it asks the palisade-agent about child processes, file opens outside
    // the runtime's own files, outbound connects and name lookups, naming the API that made them. A denial
    // throws (child_process, *Sync), rejects (promises), calls back (callbacks) or destroys the socket with an
    // Error whose code is EPERM (EACCES, ECONNREFUSED: the errno the agent chose).
    //
    // Node has no synchronous socket API, yet spawnSync or readFileSync need the answer before they return:
    // the guard connects a libuv pipe to the agent once per process (unix connect completes at once), and
    // then writes and reads its file descriptor with fs.writeSync/fs.readSync. The descriptor is non-blocking,
    // so the reply is awaited by retrying for a short spin and then in Atomics.wait naps, never longer than
    // PALISADE_GUARD_TIMEOUT_MS. No helper process and no worker thread: one round trip costs what the agent
    // takes to answer.
    //
    // child_process, net and dns cost milliseconds to load and many functions never use them, so they are
    // hooked when the process loads them, not here: after every CommonJS require, before every fs call and
    // fetch, the builtins Node loaded since the last look are read from process.moduleLoadList (it only grows).
    (function palisadeGuard() {
      const socketPath = process.env.PALISADE_GUARD_SOCKET;
      if (!socketPath) return;
      const fs = require('fs');
      const Module = module.constructor; // require('module') without the cost of loading it publicly

      const failClosed = process.env.PALISADE_GUARD_FAIL_CLOSED === '1';
      const timeoutMs = Number(process.env.PALISADE_GUARD_TIMEOUT_MS) > 0 ? Number(process.env.PALISADE_GUARD_TIMEOUT_MS) : 1000;
      const maxLine = 16 * 1024;
      const errnoCodes = { 1: 'EPERM', 13: 'EACCES', 111: 'ECONNREFUSED' };
      const errnoTexts = { 1: 'operation not permitted', 13: 'permission denied', 111: 'connection refused' };
      // <prefix>/bin/node -> <prefix>/lib/ (string work: the path module is not needed for it)
      const binDirectory = process.execPath.slice(0, process.execPath.lastIndexOf('/'));
      const nodeLib = binDirectory.slice(0, binDirectory.lastIndexOf('/')) + '/lib/';
      const readPrefixes = ['/usr/lib/', '/lib/', '/lib64/', '/usr/share/', '/usr/local/lib/', '/proc/self/fd/', '/var/runtime/', '/var/lang/', nodeLib];
      const codeSuffixes = ['.js', '.mjs', '.cjs', '.json', '.node'];
      const quietPaths = new Set(['/dev/null', '/dev/urandom', '/dev/random']);
      const { writeSync, readSync } = fs;
      let connect = null; // net.Socket.prototype.connect as Node has it, saved when net is hooked
      let nap = null; // an Int32Array to wait on, made on the first wait
      let buffer = null;

      let connection = null;
      let warned = false;
      let depth = 0; // > 0 while a wrapped API runs: the calls it makes itself were already asked about

      function open() {
        if (connection && connection.pid === process.pid) return connection;
        const net = require('net');
        hookNet(net);
        const socket = new net.Socket();
        socket.on('error', () => {});
        connect.call(socket, { path: socketPath });
        socket.pause();
        socket.unref();
        const fd = socket._handle && socket._handle.fd;
        if (typeof fd !== 'number' || fd < 0) throw new Error('no descriptor for the guard socket');
        connection = { socket, fd, pid: process.pid };
        return connection;
      }

      function drop() {
        if (connection) connection.socket.destroy();
        connection = null;
      }

      function exchange(line) {
        const { fd } = open();
        buffer ??= Buffer.alloc(512);
        const start = process.hrtime.bigint();
        const limit = BigInt(timeoutMs) * 1000000n;
        const stackLimit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0; // EAGAIN retries should not pay for stack traces
        try {
          writeSync(fd, line);
          let answer = '';
          let tries = 0;
          for (;;) {
            let count = -1;
            try {
              count = readSync(fd, buffer, 0, buffer.length, null);
            } catch (error) {
              if (error.code !== 'EAGAIN') throw error;
            }
            if (count === 0) throw new Error('the agent closed the guard connection');
            if (count > 0) {
              answer += buffer.toString('utf8', 0, count);
              if (answer.endsWith('\n')) return answer;
              continue;
            }
            if (process.hrtime.bigint() - start > limit) throw new Error('no answer within ' + timeoutMs + ' ms');
            if (++tries > 64) Atomics.wait((nap ??= new Int32Array(new SharedArrayBuffer(4))), 0, 0, 0.05);
          }
        } catch (error) {
          drop();
          throw error;
        } finally {
          Error.stackTraceLimit = stackLimit;
        }
      }

      function log(fields) {
        try {
          writeSync(2, JSON.stringify(fields) + '\n');
        } catch (_) {}
      }

      // The agent's verdict: null to go ahead, or the Error to fail the call with.
      function ask(request, syscall) {
        hookLoaded();
        request.v = 1;
        request.pid = process.pid;
        request.ppid = process.ppid;
        request.source = 'node';
        let line = JSON.stringify(request);
        if (Buffer.byteLength(line) >= maxLine) line = truncated(request);
        let answer;
        try {
          try {
            answer = exchange(line + '\n');
          } catch (_) {
            answer = exchange(line + '\n'); // the agent may have restarted since the last question
          }
        } catch (error) {
          return unreachable(request, error, syscall);
        }
        if (answer === 'A\n') return null;
        const match = /^D (\d+) ?(.*)\n$/.exec(answer);
        if (!match) return unreachable(request, new Error('unexpected answer from the agent'), syscall);
        // The agent's message is the log line itself; the Error reads as the failed call would.
        const message = match[2];
        if (message.startsWith('{')) {
          try {
            writeSync(2, message + '\n');
          } catch (_) {}
        } else {
          log({ palisade: 'guard', action: 'blocked', source: 'node', api: request.api, op: request.op, message });
        }
        return denial(Number(match[1]), syscall);
      }

      function truncated(request) {
        request.truncated = true;
        const budget = maxLine / 4;
        for (const key of ['path', 'address', 'host', 'cwd']) {
          if (typeof request[key] === 'string') request[key] = request[key].slice(0, budget);
        }
        if (request.argv) {
          const kept = [];
          let used = 0;
          for (const argument of request.argv) {
            if (used >= budget) break;
            kept.push(argument.slice(0, budget - used));
            used += argument.length + 1;
          }
          request.argv = kept;
        }
        return JSON.stringify(request);
      }

      function denial(errno, syscall) {
        const code = errnoCodes[errno] || 'EPERM';
        const error = new Error(code + ': ' + (errnoTexts[errno] || 'operation not permitted') + ', ' + syscall + ' (Palisade guard)');
        error.code = code;
        error.errno = -errno;
        error.syscall = syscall;
        return error;
      }

      function unreachable(request, error, syscall) {
        if (failClosed) {
          log({ palisade: 'guard', action: 'blocked', source: 'node', api: request.api, op: request.op,
            message: 'agent unreachable (' + error.message + '): denied (PALISADE_GUARD_FAIL_CLOSED=1)' });
          return denial(1, syscall);
        }
        if (!warned) {
          warned = true;
          log({ palisade: 'log', level: 'warn', message: 'guard agent unreachable (' + error.message + '): allowed (fail-open)' });
        }
        return null;
      }

      // --- child_process -------------------------------------------------------------------------

      // The argv Node will exec, as child_process normalizes it (shell: true runs `/bin/sh -c "file args"`).
      function commandLine(file, args, options) {
        if (!Array.isArray(args)) {
          options = args;
          args = [];
        }
        options = options && typeof options === 'object' ? options : {};
        file = String(file);
        args = args.map(String);
        if (options.shell) {
          const shell = typeof options.shell === 'string' ? options.shell : '/bin/sh';
          return { path: shell, argv: [shell, '-c', [file, ...args].join(' ')] };
        }
        return { path: file, argv: [typeof options.argv0 === 'string' ? options.argv0 : file, ...args] };
      }

      function forkLine(modulePath, args, options) {
        if (!Array.isArray(args)) {
          options = args;
          args = [];
        }
        options = options && typeof options === 'object' ? options : {};
        const execPath = options.execPath || process.execPath;
        return { path: execPath, argv: [execPath, ...(options.execArgv || process.execArgv), String(modulePath), ...args.map(String)] };
      }

      function shellLine(command, options) {
        const shell = options && typeof options.shell === 'string' ? options.shell : '/bin/sh';
        return { path: shell, argv: [shell, '-c', String(command)] };
      }

      function guardProcess(childProcess, name, describe) {
        const original = childProcess[name];
        if (typeof original !== 'function') return;
        childProcess[name] = function guarded(...args) {
          if (depth === 0) {
            let line = null;
            try {
              line = describe(...args);
            } catch (_) {}
            if (line) {
              const error = ask({ op: 'exec', api: 'child_process.' + name, path: line.path, argv: line.argv, cwd: process.cwd() }, 'spawn');
              if (error) throw error;
            }
          }
          depth++;
          try {
            return original.apply(this, args);
          } finally {
            depth--;
          }
        };
      }

      function hookChildProcess() {
        const childProcess = require('child_process');
        for (const [name, describe] of [
          ['spawn', commandLine], ['spawnSync', commandLine], ['execFile', commandLine], ['execFileSync', commandLine],
          ['exec', shellLine], ['execSync', shellLine], ['fork', forkLine],
        ]) {
          guardProcess(childProcess, name, describe);
        }
      }

      // --- fs ------------------------------------------------------------------------------------

      function pathText(target) {
        if (typeof target === 'string') return target;
        if (Buffer.isBuffer(target)) return target.toString();
        if (target instanceof URL && target.protocol === 'file:') return require('url').fileURLToPath(target);
        return null; // a descriptor or a FileHandle: opened already
      }

      function writes(flags) {
        if (typeof flags === 'number') return (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_APPEND)) !== 0;
        return typeof flags === 'string' && /[wax+]/.test(flags);
      }

      // Undefined when the open needs no question, else the Error to fail it with or null.
      function fileVerdict(api, target, write) {
        hookLoaded();
        if (depth > 0) return undefined;
        const file = pathText(target);
        if (file === null) return undefined;
        if (file.startsWith('/') && !file.includes('/..')) {
          if (quietPaths.has(file)) return undefined;
          if (!write && (readPrefixes.some((prefix) => file.startsWith(prefix)) || codeSuffixes.some((suffix) => file.endsWith(suffix)))) return undefined;
        }
        return ask({ op: 'open', api, path: file, cwd: process.cwd(), access: write ? 'write' : 'read' }, 'open');
      }

      function optionFlag(options, fallback) {
        if (options && typeof options === 'object' && options.flags !== undefined) return options.flags;
        if (options && typeof options === 'object' && options.flag !== undefined) return options.flag;
        return fallback;
      }

      // kind: 'sync' throws, 'callback' calls the last function argument back, 'promise' rejects, 'stream' throws.
      function guardFile(owner, name, api, kind, access) {
        const original = owner[name];
        if (typeof original !== 'function') return;
        owner[name] = function guarded(target, ...rest) {
          const error = fileVerdict(api, target, writes(access(rest)));
          if (error) {
            if (kind === 'promise') return Promise.reject(error);
            const callback = rest[rest.length - 1];
            if (kind === 'callback' && typeof callback === 'function') {
              process.nextTick(callback, error);
              return undefined;
            }
            throw error;
          }
          depth++;
          try {
            return original.call(this, target, ...rest);
          } finally {
            depth--;
          }
        };
      }

      const openFlags = (rest) => (typeof rest[0] === 'function' ? 'r' : rest[0] === undefined ? 'r' : rest[0]);
      const readFlags = (rest) => optionFlag(rest[0], 'r');
      const writeFlags = (rest) => optionFlag(rest[1], 'w');
      const appendFlags = (rest) => optionFlag(rest[1], 'a');
      const streamReadFlags = (rest) => optionFlag(rest[0], 'r');
      const streamWriteFlags = (rest) => optionFlag(rest[0], 'w');
      for (const [name, kind, access] of [
        ['open', 'callback', openFlags], ['openSync', 'sync', openFlags],
        ['readFile', 'callback', readFlags], ['readFileSync', 'sync', readFlags],
        ['writeFile', 'callback', writeFlags], ['writeFileSync', 'sync', writeFlags],
        ['appendFile', 'callback', appendFlags], ['appendFileSync', 'sync', appendFlags],
        ['createReadStream', 'stream', streamReadFlags], ['createWriteStream', 'stream', streamWriteFlags],
      ]) {
        guardFile(fs, name, 'fs.' + name, kind, access);
      }
      // fs.promises costs milliseconds to load: hooked when the process loads it. Reading fs.promises looks at
      // once, so that `require('fs').promises.readFile(…)` is asked about.
      function hookFsPromises() {
        const promises = fs.promises;
        for (const [name, access] of [['open', openFlags], ['readFile', readFlags], ['writeFile', writeFlags], ['appendFile', appendFlags]]) {
          guardFile(promises, name, 'fs.promises.' + name, 'promise', access);
        }
      }
      const promisesProperty = Object.getOwnPropertyDescriptor(fs, 'promises');
      if (promisesProperty && promisesProperty.configurable && typeof promisesProperty.get === 'function') {
        const get = promisesProperty.get;
        promisesProperty.get = function promises() {
          const value = get.call(this);
          hookLoaded();
          return value;
        };
        Object.defineProperty(fs, 'promises', promisesProperty);
      }

      // --- net and dns ---------------------------------------------------------------------------

      const isAddress = (host) => require('net').isIP(host) !== 0;

      function hookNet(net) {
        if (connect) return;
        connect = net.Socket.prototype.connect;
        net.Socket.prototype.connect = function guardedConnect(...args) {
          let options = args[0];
          if (Array.isArray(options)) options = options[0]; // net's internal normalized form
          if (options === null || typeof options !== 'object') {
            options = typeof options === 'string' && !/^\d+$/.test(options) ? { path: options } : { port: options, host: typeof args[1] === 'string' ? args[1] : undefined };
          }
          if (depth === 0 && options.path == null && options.port != null) { // http passes path: null
            const host = options.host || 'localhost';
            const request = { op: 'connect', api: 'net.connect', address: host, port: Number(options.port) };
            if (!isAddress(host)) request.host = host;
            const error = ask(request, 'connect');
            if (error) {
              process.nextTick(() => this.destroy(error));
              return this;
            }
          }
          return connect.apply(this, args);
        };
      }

      function resolveVerdict(hostname) {
        if (depth > 0 || typeof hostname !== 'string' || hostname === '' || isAddress(hostname)) return null;
        return ask({ op: 'resolve', api: 'dns.lookup', host: hostname }, 'getaddrinfo');
      }

      function hookDns() {
        const dns = require('dns');
        const lookup = dns.lookup;
        dns.lookup = function guardedLookup(hostname, ...rest) {
          const error = resolveVerdict(hostname);
          if (error) {
            const callback = rest[rest.length - 1];
            if (typeof callback !== 'function') throw error;
            process.nextTick(callback, error);
            return {};
          }
          return lookup.call(this, hostname, ...rest);
        };
        const lookupPromise = dns.promises.lookup;
        dns.promises.lookup = function guardedLookup(hostname, ...rest) {
          const error = resolveVerdict(hostname);
          return error ? Promise.reject(error) : lookupPromise.call(this, hostname, ...rest);
        };
      }

      // --- hooking what the process loads ----------------------------------------------------------

      const hooks = new Map([
        ['NativeModule child_process', hookChildProcess],
        ['NativeModule net', () => hookNet(require('net'))],
        ['NativeModule dns', hookDns],
        ['NativeModule internal/fs/promises', hookFsPromises],
      ]);
      const loadList = Array.isArray(process.moduleLoadList) ? process.moduleLoadList : null;
      let looked = 0;

      // Hooks the builtins loaded since the last look; ES modules importing them see the hooked functions.
      function hookLoaded() {
        if (loadList === null || loadList.length === looked) return;
        let hooked = false;
        while (looked < loadList.length) {
          const name = loadList[looked++];
          const hook = hooks.get(name);
          if (hook) {
            hooks.delete(name);
            hook();
            hooked = true;
          }
        }
        if (hooked) Module.syncBuiltinESMExports();
      }

      const load = Module._load;
      Module._load = function palisadeLoad(...args) {
        const exports = load.apply(this, args);
        hookLoaded();
        return exports;
      };

      // fetch loads its HTTP client (and with it net) on first use and connects at once: net is hooked first.
      const fetchProperty = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
      if (fetchProperty && fetchProperty.configurable && typeof fetchProperty.value === 'function') {
        const fetch = fetchProperty.value;
        fetchProperty.value = function guardedFetch(...args) {
          hookNet(require('net'));
          return fetch.apply(this, args);
        };
        Object.defineProperty(globalThis, 'fetch', fetchProperty);
      }

      if (loadList === null) { // no load list to watch: hook everything now
        hooks.forEach((hook) => hook());
        Module.syncBuiltinESMExports();
      } else {
        hookLoaded();
      }
    })();

    """#
}
