// Package formats is tarn's one data plane: every service that reads or
// writes data files (Glue crawlers and ETL, Firehose record conversion,
// DataBrew, reference data) goes through it, with Apache Arrow record
// batches as the in-memory form and one type system (package types:
// Glue/Hive types ⇄ Arrow ⇄ Parquet/ORC/Avro).
//
// # Reading
//
//	r, err := formats.Open(src, size, "s3key/part-0001.csv.gz", formats.Options{})
//	defer r.Close()
//	for {
//		rec, err := r.Next() // at most Options.BatchSize rows
//		if errors.Is(err, io.EOF) { break }
//		if err != nil { return err } // names format, file and record
//		use(rec)
//		rec.Release()
//	}
//
// src is an io.Reader; if it is also an io.ReaderAt (os.File,
// io.SectionReader, bytes.Reader) Parquet and ORC read only their footer and
// the column chunks they need, otherwise they are spooled to an unlinked
// temporary file. Compression is detected by magic bytes, then by extension:
// gzip, bzip2 (read only), zstd, snappy framed, Hadoop-snappy, lz4 frames and
// single-file zip (package compress). The format is Options.Format or is
// detected: Parquet ("PAR1"), ORC ("ORC"), Avro ("Obj\x01") by magic; then
// by extension (.csv .tsv .json .jsonl .xml .log …); then by content (JSON
// starts with { or [, XML with <, anything else is CSV with a sniffed
// delimiter).
//
// Text formats (CSV/TSV, JSON, XML, grok) infer their schema from the first
// Options.SampleRows records unless Options.Schema is given; memory is bounded
// by that sample plus one batch (a 200 MB stream reads in a few MB of heap).
// A record larger than Options.MaxRecordBytes is an error, not an allocation.
//
// # Formats
//
//	format   read  write  infer  notes
//	csv      yes   yes    yes    delimiter , \t | ; ^A sniffed; quote char; header yes/no/Glue heuristic
//	json     yes   yes    yes    JSON lines, concatenated values, top-level array; writes JSON lines
//	parquet  yes   yes    footer arrow-go pqarrow; SNAPPY/GZIP/ZSTD/UNCOMPRESSED; reads LZ4 (Hadoop+legacy), LZ4_RAW, BROTLI
//	avro     yes   yes    header hamba/avro container files; null/deflate/snappy/zstandard
//	orc      yes   yes    footer scritchley/orc; NONE/ZLIB; writer: no decimal, binary or null dates
//	xml      yes   no     yes    row tag (default: first child of the root); attributes and children are fields
//	grok     yes   no     yes    %{PATTERN:field:type}, BasePatterns incl. COMBINEDAPACHELOG, SYSLOGLINE
//	ion      yes   no     yes    Amazon Ion binary and text (formats/ion); top-level structs are records
//	bson     yes   no     yes    length-prefixed BSON documents (mongodump .bson)
//
// # Inference
//
// Infer returns what a Glue crawler records for a file: format
// (classification), compression, the Glue-typed columns, an exact or
// estimated record count, the average record size and the table
// parameters (classification, compressionType, typeOfData, recordCount,
// averageRecordSize, CSV's delimiter, skip.header.line.count and
// areColumnsQuoted). Types widen along boolean | bigint ⊂ double ⊂ string;
// structs merge by field union, arrays by element type; a column seen only
// as null is a string.
//
// # Writing
//
//	w, err := formats.NewWriter(formats.Parquet, dst, schema,
//		formats.Options{Parquet: formats.ParquetOptions{Compression: "ZSTD"}})
//	w.Write(rec) // any number of batches of that schema
//	w.Close()    // writes the footer; dst stays open
//
// Options.Compression wraps text output (csv.gz, json.zst …). Copy(w, r)
// converts between formats batch by batch.
//
// # Extending
//
// Formats live in a Registry (Default holds the built-ins); a Spec names the
// format, its magic and extensions, and its Open, NewWriter and Infer
// functions. Registering a Spec makes a format available to every service.
package formats
