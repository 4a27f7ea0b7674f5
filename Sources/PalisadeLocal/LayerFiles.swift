/// The files of the Lambda layer besides the agent binary, kept here so that `palisade layer build`
/// and `palisade run` use the very same text.
public enum LayerFiles {
    /// Where Lambda finds each file once the layer is unpacked under /opt.
    public static let agentPath = "extensions/palisade-agent"
    public static let wrapperPath = "palisade-wrapper"

    /// `AWS_LAMBDA_EXEC_WRAPPER=/opt/palisade-wrapper`. It points the runtime at the agent's proxy
    /// and runs it as a child, so that if the agent dies the runtime is started again on the real
    /// Runtime API (fail-open) or replaced by the agent's refusing loop (PALISADE_FAIL_CLOSED=1).
    public static let wrapperScript = #"""
    #!/bin/sh
    # Palisade: runs the Lambda runtime behind the palisade-agent's Runtime API proxy.
    state="${PALISADE_STATE_DIR:-/tmp/palisade}/agent"
    agent="${PALISADE_AGENT:-/opt/extensions/palisade-agent}"
    direct="$AWS_LAMBDA_RUNTIME_API"
    guard_socket="${PALISADE_STATE_DIR:-/tmp/palisade}/guard.sock"
    guard_library="${PALISADE_GUARD_LIBRARY:-/opt/lib/palisade-guard.so}"
    preload="$LD_PRELOAD"

    log() { printf '{"palisade":"log","level":"%s","message":"%s"}\n' "$1" "$2" >&2; }
    \#(inProcessHooksScript)

    agent_running() {
        [ -r "$state" ] || return 1
        read -r pid port < "$state" || return 1
        kill -0 "$pid" 2>/dev/null || return 1
        # A killed agent not yet reaped by its parent is a zombie: gone all the same.
        ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null
    }

    unprotected() {
        export AWS_LAMBDA_RUNTIME_API="$direct"
        # No agent, no guard socket: the runtime starts as it would without Palisade.
        unset PALISADE_GUARD_SOCKET
        if [ -n "$preload" ]; then export LD_PRELOAD="$preload"; else unset LD_PRELOAD; fi
        if [ "${PALISADE_FAIL_CLOSED:-0}" = 1 ]; then
            log error "agent unavailable: invocations refused (PALISADE_FAIL_CLOSED=1)"
            exec "$agent" --refuse-invocations
        fi
        log warn "agent unavailable: the function runs unprotected (fail-open)"
        exec "$@"
    }

    agent_running || unprotected "$@"
    export AWS_LAMBDA_RUNTIME_API="127.0.0.1:$port"
    # The behaviour guard: every process of the function asks the agent before exec, open, connect.
    if [ -S "$guard_socket" ] && [ -r "$guard_library" ]; then
        export PALISADE_GUARD_SOCKET="$guard_socket"
        export LD_PRELOAD="$guard_library${LD_PRELOAD:+:$LD_PRELOAD}"
    fi
    palisade_hooks
    "$@" &
    child=$!
    trap 'kill -TERM "$child" 2>/dev/null' TERM INT
    wait "$child"
    status=$?
    # A trapped signal interrupts wait: wait again for the runtime's own status.
    while kill -0 "$child" 2>/dev/null; do wait "$child"; status=$?; done
    # A killed agent closes its sockets before it is gone: the runtime can fail on the proxy and exit
    # while the agent still shows as running, so look again a few times before trusting it.
    for attempt in 1 2 3 4 5; do
        agent_running || unprotected "$@"
        sleep 0.05
    done
    exit "$status"

    """#

    public static let bootstrapPath = "bootstrap"

    /// `/opt/bootstrap` for `provided.*` runtimes, which ignore AWS_LAMBDA_EXEC_WRAPPER: Lambda runs
    /// it when the function has no `bootstrap` of its own, so the function's bootstrap is renamed
    /// `bootstrap.palisade` and started here through the wrapper.
    public static let providedBootstrap = #"""
    #!/bin/sh
    # Palisade for provided.* runtimes: runs the function's own bootstrap under the agent and guard.
    bootstrap="${PALISADE_BOOTSTRAP:-${LAMBDA_TASK_ROOT:-/var/task}/bootstrap.palisade}"
    if [ ! -x "$bootstrap" ]; then
        printf '{"palisade":"log","level":"error","message":"no executable %s: rename the function bootstrap to bootstrap.palisade or set PALISADE_BOOTSTRAP"}\n' "$bootstrap" >&2
        exit 127
    fi
    exec "${PALISADE_WRAPPER:-/opt/palisade-wrapper}" "$bootstrap" "$@"

    """#

    /// A small Node.js runtime for `palisade run`: the Runtime API over HTTP/1.1 keep-alive, handlers
    /// that return a value, a promise, or call back.
    public static let nodeBootstrap = #"""
    'use strict';
    // Palisade's local Node.js runtime: next → handler → response/error, as the managed runtime does.
    const http = require('http');
    const path = require('path');
    const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

    function call(method, route, body, headers = {}) {
      return new Promise((resolve, reject) => {
        const options = { host, port, method, agent, path: '/2018-06-01/runtime/' + route, headers: { ...headers } };
        if (body !== undefined) {
          options.headers['Content-Type'] = 'application/json';
          options.headers['Content-Length'] = Buffer.byteLength(body);
        }
        const request = http.request(options, (response) => {
          const chunks = [];
          response.on('data', (chunk) => chunks.push(chunk));
          response.on('end', () => resolve({ headers: response.headers, body: Buffer.concat(chunks).toString() }));
        });
        request.on('error', reject);
        request.end(body);
      });
    }

    function errorBody(error) {
      return JSON.stringify({
        errorType: (error && error.name) || 'Error',
        errorMessage: (error && error.message) || String(error),
        stackTrace: error && error.stack ? error.stack.split('\n').slice(1).map((line) => line.trim()) : [],
      });
    }

    function loadHandler() {
      const spec = process.env._HANDLER;
      const dot = spec.lastIndexOf('.');
      const module = require(path.resolve(process.env.LAMBDA_TASK_ROOT, spec.slice(0, dot)));
      const handler = module[spec.slice(dot + 1)];
      if (typeof handler !== 'function') throw new Error(`${spec} is not a function`);
      return handler;
    }

    function run(handler, event, context) {
      return new Promise((resolve, reject) => {
        const result = handler(event, context, (error, value) => (error ? reject(error) : resolve(value)));
        if (result && typeof result.then === 'function') result.then(resolve, reject);
        else if (handler.length < 3) resolve(result);
      });
    }

    async function main() {
      let handler;
      try {
        handler = loadHandler();
      } catch (error) {
        await call('POST', 'init/error', errorBody(error), { 'Lambda-Runtime-Function-Error-Type': 'Runtime.ImportModuleError' });
        process.exit(1);
      }
      for (;;) {
        const next = await call('GET', 'invocation/next');
        const id = next.headers['lambda-runtime-aws-request-id'];
        const deadline = Number(next.headers['lambda-runtime-deadline-ms']);
        const context = {
          awsRequestId: id,
          functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
          invokedFunctionArn: next.headers['lambda-runtime-invoked-function-arn'],
          getRemainingTimeInMillis: () => deadline - Date.now(),
        };
        try {
          const value = await run(handler, JSON.parse(next.body), context);
          await call('POST', `invocation/${id}/response`, JSON.stringify(value === undefined ? null : value));
        } catch (error) {
          await call('POST', `invocation/${id}/error`, errorBody(error), { 'Lambda-Runtime-Function-Error-Type': (error && error.name) || 'Error' });
        }
      }
    }

    main().catch((error) => {
      console.error(error);
      process.exit(1);
    });

    """#
}
