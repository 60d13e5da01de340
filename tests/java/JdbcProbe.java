// pgjdbc (Debian's libpostgresql-jdbc-java) as tests/test_stacks_live.py runs it:
//   parse URL...                      Driver.parseURL's properties for each URL, one JSON line each
//   connect URL CLIENTS TIMES         CLIENTS connections from URL, each running a PreparedStatement
//                                     `select ?::int` TIMES rounds, interleaved; one JSON line:
//                                     {"ok": true, "rows": [...]} or {"ok": false, "text": ...}
// The URL comes on stdin for `connect` (a password must not show in `ps`).
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

public class JdbcProbe {
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20 || c > 0x7e) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("parse")) {
            for (int i = 1; i < args.length; i++) {
                Properties p = org.postgresql.Driver.parseURL(args[i], new Properties());
                if (p == null) { System.out.println("null"); continue; }
                Map<String, String> sorted = new TreeMap<>();
                for (String k : p.stringPropertyNames()) sorted.put(k, p.getProperty(k));
                StringBuilder b = new StringBuilder("{");
                for (Map.Entry<String, String> e : sorted.entrySet()) {
                    if (b.length() > 1) b.append(", ");
                    b.append(quote(e.getKey())).append(": ").append(quote(e.getValue()));
                }
                System.out.println(b.append("}"));
            }
            return;
        }
        String url = new BufferedReader(new InputStreamReader(System.in)).readLine();
        int clients = Integer.parseInt(args[1]), times = Integer.parseInt(args[2]);
        List<Connection> conns = new ArrayList<>();
        List<Integer> rows = new ArrayList<>();
        try {
            for (int i = 0; i < clients; i++) conns.add(DriverManager.getConnection(url));
            List<PreparedStatement> statements = new ArrayList<>();
            for (Connection c : conns) statements.add(c.prepareStatement("select ?::int"));
            for (int round = 0; round < times; round++) {
                for (PreparedStatement st : statements) {
                    st.setInt(1, 1);
                    try (ResultSet rs = st.executeQuery()) { rs.next(); rows.add(rs.getInt(1)); }
                }
            }
            System.out.println("{\"ok\": true, \"rows\": " + rows + "}");
        } catch (Exception e) {
            System.out.println("{\"ok\": false, \"text\": " + quote(String.valueOf(e)) + "}");
        } finally {
            for (Connection c : conns) c.close();
        }
    }
}
