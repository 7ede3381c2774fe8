// Package catalog is tarn's Glue Data Catalog engine: databases, tables with
// their archived versions, partitions (with Glue's partition filter
// expression language), partition indexes, column statistics, JDBC
// connections, user-defined functions and tags. It knows no HTTP: the AWS
// JSON front end is internal/api/glueapi; crawlers and ETL call it directly.
//
// Every object belongs to one catalog (an account id). Names of databases,
// tables, columns, functions and connections are case-insensitive and are
// stored lower-case, as Glue stores them. Every mutation is checked in full
// before anything is written, and is then one atomic, durable batch in the
// metadata store; bad input changes nothing.
//
// Metadata key layout (all under "glue/", parts separated by 0x00, which no
// Glue name may contain):
//
//	glue/db/<cat>/<db>                      → Database
//	glue/tb/<cat>/<db>/<table>              → tableRecord (current Table + indexes)
//	glue/tv/<cat>/<db>/<table>/<version>    → archived Table (version zero-padded)
//	glue/pt/<cat>/<db>/<table>/<values...>  → Partition (values 0x00-joined)
//	glue/cs/<cat>/<db>/<table>/<column>     → table ColumnStatistics
//	glue/ps/<cat>/<db>/<table>/<values...>/0x01<column> → partition ColumnStatistics
//	glue/cn/<cat>/<connection>              → Connection
//	glue/fn/<cat>/<db>/<function>           → UserDefinedFunction
//	glue/tg/<cat>/<arn>                     → tags of one resource
//
// Partitions sort by their values, so listing is a key-range scan; a
// GetPartitions expression whose leading conjuncts fix the first partition
// keys by equality narrows that scan to the matching prefix.
package catalog
