extension LayerFiles {
    /// A small Java runtime for `palisade run --runtime java`, started in source-file mode
    /// (`java PalisadeJavaRuntime.java`, JDK 11+): the Runtime API over HTTP/1.1 keep-alive, as the
    /// managed Java runtimes speak it. The handler is `package.Class::method` (default method
    /// `handleRequest`), found in LAMBDA_TASK_ROOT's classes and `lib/*.jar` as Lambda lays out a Java
    /// deployment package; it takes the event's JSON text and returns the response's JSON text.
    public static let javaRuntime = #"""
    import java.io.PrintWriter;
    import java.io.StringWriter;
    import java.lang.reflect.InvocationTargetException;
    import java.lang.reflect.Method;
    import java.lang.reflect.Modifier;
    import java.net.URI;
    import java.net.URL;
    import java.net.URLClassLoader;
    import java.net.http.HttpClient;
    import java.net.http.HttpRequest;
    import java.net.http.HttpResponse;
    import java.nio.file.Files;
    import java.nio.file.Path;
    import java.util.ArrayList;
    import java.util.List;
    import java.util.stream.Stream;

    // Palisade's local Java runtime: next → handler → response/error, as the managed runtime does.
    public class PalisadeJavaRuntime {
        static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        static final String base = "http://" + System.getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/";

        public static void main(String[] arguments) throws Exception {
            Object target;
            Method method;
            try {
                String spec = System.getenv("_HANDLER");
                int separator = spec.indexOf("::");
                Class<?> type = Class.forName(separator < 0 ? spec : spec.substring(0, separator), true, loader(System.getenv("LAMBDA_TASK_ROOT")));
                method = type.getMethod(separator < 0 ? "handleRequest" : spec.substring(separator + 2), String.class);
                target = Modifier.isStatic(method.getModifiers()) ? null : type.getDeclaredConstructor().newInstance();
            } catch (Throwable error) {
                post("init/error", errorBody(error), "Runtime.InvalidHandler");
                System.exit(1);
                return;
            }
            while (true) {
                HttpResponse<String> next = client.send(HttpRequest.newBuilder(URI.create(base + "invocation/next")).GET().build(), HttpResponse.BodyHandlers.ofString());
                String id = next.headers().firstValue("Lambda-Runtime-Aws-Request-Id").orElseThrow();
                try {
                    Object result = method.invoke(target, next.body());
                    post("invocation/" + id + "/response", result == null ? "null" : result.toString(), null);
                } catch (InvocationTargetException failure) {
                    Throwable error = failure.getCause();
                    post("invocation/" + id + "/error", errorBody(error), error.getClass().getName());
                }
            }
        }

        /** The task root's classes, then its lib/*.jar. */
        static ClassLoader loader(String root) throws Exception {
            List<URL> path = new ArrayList<>();
            path.add(Path.of(root).toUri().toURL());
            Path lib = Path.of(root, "lib");
            if (Files.isDirectory(lib)) {
                try (Stream<Path> jars = Files.list(lib)) {
                    for (Path jar : (Iterable<Path>) jars.filter(file -> file.toString().endsWith(".jar")).sorted()::iterator) path.add(jar.toUri().toURL());
                }
            }
            return new URLClassLoader(path.toArray(new URL[0]), PalisadeJavaRuntime.class.getClassLoader());
        }

        static void post(String route, String body, String errorType) throws Exception {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + route))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
            if (errorType != null) request.header("Lambda-Runtime-Function-Error-Type", errorType);
            client.send(request.build(), HttpResponse.BodyHandlers.discarding());
        }

        static String errorBody(Throwable error) {
            StringBuilder frames = new StringBuilder();
            for (StackTraceElement frame : error.getStackTrace()) {
                if (frames.length() > 0) frames.append(',');
                frames.append(quoted(frame.toString()));
            }
            return "{\"errorType\":" + quoted(error.getClass().getName()) + ",\"errorMessage\":" + quoted(String.valueOf(error.getMessage()))
                + ",\"stackTrace\":[" + frames + "]}";
        }

        static String quoted(String text) {
            StringBuilder out = new StringBuilder("\"");
            for (char c : text.toCharArray()) {
                if (c == '"' || c == '\\') out.append('\\').append(c);
                else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                else out.append(c);
            }
            return out.append('"').toString();
        }
    }

    """#
}
