// Runs Neo4j 5.26 Community embedded in this JVM with the Bolt connector on loopback.
// Started by `kg neo4j start` as: java -cp 'lib/*' Launcher.java HOME_DIR HOST PORT PAGECACHE_MB TX_LOG_RETENTION
// Prints "KG-NEO4J-READY" once the database is available; shuts down cleanly on SIGTERM.
import java.nio.file.Path;
import java.time.Duration;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;

public class Launcher {
    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: Launcher HOME_DIR HOST PORT PAGECACHE_MB TX_LOG_RETENTION");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        String host = args[1];
        int port = Integer.parseInt(args[2]);
        long pageCacheMb = Long.parseLong(args[3]);
        String txLogRetention = args[4];
        DatabaseManagementService service = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(host, port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress(host, port))
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pageCacheMb))
                .setConfig(GraphDatabaseSettings.keep_logical_logs, txLogRetention)
                .setConfig(GraphDatabaseSettings.shutdown_transaction_end_timeout, Duration.ofSeconds(5))
                // Bolt's event loops otherwise sit out a 5 s quiet period on shutdown, after the
                // databases are already closed: half of every stop (and of `kg etl run --bulk`'s restart).
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                .build();
        service.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        Runtime.getRuntime().addShutdownHook(new Thread(service::shutdown, "kg-neo4j-shutdown"));
        System.out.println("KG-NEO4J-READY bolt://" + host + ":" + port);
        System.out.flush();
        Thread.currentThread().join();
    }
}
