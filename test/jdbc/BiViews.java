/*
 * BiViews.java: read every view of schema cbl as a BI tool does, through
 * the PostgreSQL JDBC driver, and report the JDBC type of each column.
 *
 *   java -cp /usr/share/java/postgresql.jar test/jdbc/BiViews.java JDBC_URL
 *
 * Lists the views with DatabaseMetaData.getTables, and for each one reads
 * DatabaseMetaData.getColumns and runs SELECT * (every row, every value
 * read with getObject), then prints one line per view:
 *
 *   VIEW cbl.v_charge columns=33 rows=12 other=
 *
 * where "other" lists the columns whose type maps to java.sql.Types.OTHER
 * (in the result set or in the metadata), as name:type.  A BI tool cannot
 * use such columns.  Exits 1 if any view has one, if a query fails, or if
 * no view is found; 0 otherwise.  Run by test/t/005_jdbc_views.pl.
 */
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

public class BiViews {
	public static void main(String[] args) throws Exception {
		if (args.length != 1) {
			System.err.println("usage: java BiViews.java JDBC_URL");
			System.exit(2);
		}
		int failures = 0;
		try (Connection conn = DriverManager.getConnection(args[0])) {
			conn.setReadOnly(true);
			DatabaseMetaData meta = conn.getMetaData();
			System.out.println("DRIVER " + meta.getDriverName() + " " + meta.getDriverVersion());
			List<String> views = new ArrayList<>();
			try (ResultSet rs = meta.getTables(null, "cbl", "%", new String[] {"VIEW"})) {
				while (rs.next())
					views.add(rs.getString("TABLE_NAME"));
			}
			if (views.isEmpty()) {
				System.out.println("ERROR no views in schema cbl");
				System.exit(1);
			}
			for (String view : views) {
				Set<String> other = new LinkedHashSet<>();
				try (ResultSet cols = meta.getColumns(null, "cbl", view, "%")) {
					while (cols.next())
						if (cols.getInt("DATA_TYPE") == Types.OTHER)
							other.add(cols.getString("COLUMN_NAME") + ":" + cols.getString("TYPE_NAME"));
				}
				int columns;
				long rows = 0;
				try (Statement st = conn.createStatement();
					 ResultSet rs = st.executeQuery("SELECT * FROM cbl." + view)) {
					ResultSetMetaData rsmd = rs.getMetaData();
					columns = rsmd.getColumnCount();
					for (int i = 1; i <= columns; i++)
						if (rsmd.getColumnType(i) == Types.OTHER)
							other.add(rsmd.getColumnName(i) + ":" + rsmd.getColumnTypeName(i));
					while (rs.next()) {
						rows++;
						for (int i = 1; i <= columns; i++)
							rs.getObject(i);
					}
				} catch (Exception e) {
					System.out.println("ERROR cbl." + view + " " + e.getMessage().replace('\n', ' '));
					failures++;
					continue;
				}
				System.out.println("VIEW cbl." + view + " columns=" + columns + " rows=" + rows
								   + " other=" + String.join(",", other));
				if (!other.isEmpty())
					failures++;
			}
		}
		System.exit(failures == 0 ? 0 : 1);
	}
}
