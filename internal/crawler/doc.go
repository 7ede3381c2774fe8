// Package crawler is tarn's Glue crawler and classifier engine. It reads
// objects from the S3 engine through the small ObjectStore interface,
// classifies each sampled file (custom classifiers first, then the
// built-ins in Glue's priority order, from a Registry of classifier
// constructors), infers and merges schemas through internal/formats,
// decides tables and partitions from the folder layout, and writes the
// result into the Glue Data Catalog engine directly. JDBC targets are read
// from the database's own catalog through the Glue connection they name
// (PostgreSQL only, jdbc.go). It knows no HTTP: the AWS JSON front end is
// internal/api/glueapi.
//
// Crawls run asynchronously on a bounded worker pool and can be stopped;
// their progress (objects listed and classified) is visible while they
// run. Schedules are Glue cron expressions evaluated on an injected clock.
//
// Metadata key layout (under "crawler/", parts separated by 0x00):
//
//	crawler/cr/<cat>/<name>              → Crawler definition and state
//	crawler/cl/<cat>/<name>              → custom classifier
//	crawler/ru/<cat>/<name>/<start>      → CrawlHistory of one run
//	crawler/fo/<cat>/<name>/<s3 folder>  → folder summary of the last crawl
//	                                       (for CRAWL_NEW_FOLDERS_ONLY)
package crawler
