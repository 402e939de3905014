// Starts AWS's DynamoDB Local with its HTTP server bound to one address (127.0.0.1) instead of every
// interface: DynamoDB Local has no option for that. It builds the server from the usual command
// line, sets the host of its (not yet opened) Jetty connectors, then starts it. Telemetry is never
// configured here, whatever the arguments say. Run by server.ts in Java's source-file mode
// (`java -cp <DynamoDB Local's classpath> LoopbackServer.java HOST ARGS...`): no build step.
import java.lang.reflect.Field;
import java.util.Arrays;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
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
    proxy.start();
    System.out.println("DynamoDB Local listening on " + host);
    proxy.join();
  }
}
