// A deliberately vulnerable Java function for Palisade's end-to-end tests. Do not deploy it anywhere.
package example;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class App {
    /** Palisade's local Java runtime calls `String handler(String eventJson)` and sends back what it returns. */
    public String handleRequest(String event) throws Exception {
        String path = field(event, "rawPath", field(event, "path", "/"));
        if (path.equals("/exec")) {
            // A shell command built from a query parameter.
            Process process = new ProcessBuilder("/bin/sh", "-c", "echo " + field(event, "cmd", "")).start();
            String output = new String(process.getInputStream().readAllBytes());
            process.waitFor();
            return answer(200, "{\"output\":" + quoted(output) + "}");
        }
        if (path.equals("/debug") && field(event, "env", "").equals("1")) {
            StringBuilder body = new StringBuilder("{");
            for (Map.Entry<String, String> variable : System.getenv().entrySet()) {
                if (body.length() > 1) body.append(',');
                body.append(quoted(variable.getKey())).append(':').append(quoted(variable.getValue()));
            }
            return answer(200, body.append('}').toString());
        }
        if (path.equals("/crash")) {
            try {
                Object missing = null;
                missing.hashCode();
            } catch (NullPointerException error) {
                StringWriter trace = new StringWriter();
                error.printStackTrace(new PrintWriter(trace));
                return "{\"statusCode\":500,\"body\":" + quoted(trace.toString()) + "}";
            }
        }
        if (path.equals("/fail")) {
            throw new IllegalStateException("the order store is unreachable");
        }
        return answer(200, "{\"hello\":" + quoted(field(event, "name", "world")) + "}");
    }

    public String noop(String event) {
        return "{}";
    }

    /** The first `"name":"value"` in the event: enough for this sample's flat query parameters. */
    static String field(String event, String name, String fallback) {
        Matcher match = Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(event);
        return match.find() ? match.group(1).replace("\\\"", "\"").replace("\\\\", "\\") : fallback;
    }

    static String answer(int status, String body) {
        return "{\"statusCode\":" + status + ",\"headers\":{\"Content-Type\":\"application/json\"},\"body\":" + quoted(body) + "}";
    }

    static String quoted(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                default -> {
                    if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        return out.append('"').toString();
    }
}
