// Starts AWS's DynamoDB Local with its HTTP server bound to one address (127.0.0.1) instead of every
// interface: DynamoDB Local has no option for that. It builds the server from the usual command
// line, sets the host of its (not yet opened) Jetty connectors, then starts it. Telemetry is never
// configured here, whatever the arguments say. It also answers only requests whose Host header names
// this machine (emulator/services/loopback-host.ts says why: DNS rebinding by web pages). Compiled
// once by launcher.ts with the Java runtime's own compiler module.
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public class LoopbackServer {
  public static void main(String[] args) throws Exception {
    if (args.length < 1) throw new IllegalArgumentException("usage: LoopbackServer HOST [DynamoDB Local arguments]");
    String host = args[0];
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(Arrays.copyOfRange(args, 1, args.length));
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    int bound = 0;
    for (Connector connector : server.getConnectors()) {
      if (connector instanceof ServerConnector) {
        ((ServerConnector) connector).setHost(host);
        bound++;
      }
    }
    // refuse to start listening on every interface if DynamoDB Local's insides ever change
    if (bound == 0) throw new IllegalStateException("DynamoDB Local has no Jetty ServerConnector to bind to " + host);
    Handler inner = server.getHandler();
    if (inner == null) throw new IllegalStateException("DynamoDB Local's Jetty server has no handler to guard");
    server.setHandler(new LoopbackHostGuard(inner));
    proxy.start();
    System.out.println("DynamoDB Local listening on " + host);
    proxy.join();
  }

  /** Hands a request to DynamoDB Local only when its Host is 127.x.x.x, [::1], localhost or *.localhost. */
  static final class LoopbackHostGuard extends Handler.Wrapper {
    private static final byte[] REFUSAL = ("{\"__type\":\"ForeignHostRefused\",\"message\":\"the Host header is not "
        + "this machine: the local cloud answers requests addressed to 127.0.0.1, localhost or [::1] only "
        + "(a guard against DNS rebinding by web pages)\"}").getBytes(StandardCharsets.UTF_8);

    LoopbackHostGuard(Handler inner) {
      super(inner);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      if (isLoopbackHost(request.getHeaders().get(HttpHeader.HOST))) return super.handle(request, response, callback);
      response.setStatus(403);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, REFUSAL.length);
      response.write(true, ByteBuffer.wrap(REFUSAL), callback);
      return true;
    }

    static boolean isLoopbackHost(String header) {
      if (header == null) return true; // HTTP/1.0 tools; browsers always send a Host
      String host = header.trim().toLowerCase(Locale.ROOT);
      String name = host.startsWith("[") ? host.substring(0, host.indexOf(']') + 1) : host.replaceFirst(":\\d*$", "");
      if (name.endsWith(".")) name = name.substring(0, name.length() - 1);
      if (name.equals("localhost") || name.endsWith(".localhost") || name.equals("[::1]")) return true;
      return name.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }
  }
}
