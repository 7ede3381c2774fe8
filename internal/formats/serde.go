package formats

import "maps"

// StorageFormat is what a Glue table's StorageDescriptor records for a
// classification: input/output format classes and the SerDe with its
// parameters.
type StorageFormat struct {
	InputFormat          string
	OutputFormat         string
	SerializationLibrary string
	SerdeParameters      map[string]string
}

const (
	textInput       = "org.apache.hadoop.mapred.TextInputFormat"
	textOutput      = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
	lazySimpleSerDe = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
	openCSVSerDe    = "org.apache.hadoop.hive.serde2.OpenCSVSerde"
)

var storageFormats = map[Format]StorageFormat{
	CSV:  {textInput, textOutput, lazySimpleSerDe, nil},
	JSON: {textInput, textOutput, "org.openx.data.jsonserde.JsonSerDe", nil},
	Parquet: {"org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
		"org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
		"org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe", nil},
	ORC: {"org.apache.hadoop.hive.ql.io.orc.OrcInputFormat",
		"org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat",
		"org.apache.hadoop.hive.ql.io.orc.OrcSerde", nil},
	Avro: {"org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat",
		"org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat",
		"org.apache.hadoop.hive.serde2.avro.AvroSerDe", nil},
	XML: {"com.ibm.spss.hive.serde2.xml.XmlInputFormat", textOutput,
		"com.ibm.spss.hive.serde2.xml.XmlSerDe", nil},
	Grok: {textInput, textOutput, "com.amazonaws.glue.serde.GrokSerDe", nil},
	// Athena's Amazon Ion SerDe.
	Ion: {"com.amazon.ionhiveserde.formats.IonInputFormat", "com.amazon.ionhiveserde.formats.IonOutputFormat",
		"com.amazon.ionhiveserde.IonHiveSerDe", nil},
	// mongo-hadoop's BSON SerDe (what Glue writes for bson is not documented).
	BSON: {"com.mongodb.hadoop.mapred.BSONFileInputFormat", "com.mongodb.hadoop.hive.output.HiveBSONFileOutputFormat",
		"com.mongodb.hadoop.hive.BSONSerDe", nil},
}

// StorageFormatFor returns the StorageDescriptor classes Glue's crawler
// writes for an inferred file, with the SerDe parameters that depend on it:
// CSV's field.delim (and OpenCSVSerde with quoteChar when fields are
// quoted), Avro's avro.schema.literal, XML's row tag boundaries and grok's
// input.format.
func StorageFormatFor(inf *Inference) (StorageFormat, bool) {
	sf, ok := storageFormats[inf.Format]
	if !ok {
		return StorageFormat{}, false
	}
	sf.SerdeParameters = map[string]string{}
	p := inf.Parameters
	switch inf.Format {
	case CSV:
		if p["areColumnsQuoted"] == "true" {
			sf.SerializationLibrary = openCSVSerDe
			sf.SerdeParameters["separatorChar"] = p["delimiter"]
			sf.SerdeParameters["quoteChar"] = `"`
		} else {
			sf.SerdeParameters["field.delim"] = p["delimiter"]
		}
	case JSON:
		sf.SerdeParameters["paths"] = columnList(inf)
	case Avro:
		if inf.Schema != nil {
			if js, err := avroSchemaFor(inf); err == nil {
				sf.SerdeParameters["avro.schema.literal"] = js
			}
		}
	case XML:
		tag := p["rowTag"]
		sf.SerdeParameters["xml.input.start"] = "<" + tag
		sf.SerdeParameters["xml.input.end"] = "</" + tag + ">"
	case Grok:
		sf.SerdeParameters["input.format"] = p["grokPattern"]
	}
	sf.SerdeParameters = maps.Clone(sf.SerdeParameters)
	return sf, true
}

func columnList(inf *Inference) string {
	s := ""
	for i, c := range inf.Columns {
		if i > 0 {
			s += ","
		}
		s += c.Name
	}
	return s
}
