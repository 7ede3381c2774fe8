package disk

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"

	"github.com/tarnhq/tarn/internal/storage/blob"
)

// The blob file format; see FORMAT.md.
const (
	magic         = "tarnblob"
	formatVersion = 1
	// BlockSize is the unit each CRC32C in the table covers.
	BlockSize = 64 << 10
	// footerSize is the fixed size of the trailer at the end of every file.
	footerSize = 32
	// maxBlockSize bounds the block size a footer may claim, so a garbled
	// footer cannot make a reader allocate gigabytes.
	maxBlockSize = 16 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func crc(b []byte) uint32                 { return crc32.Checksum(b, castagnoli) }
func crcUpdate(c uint32, b []byte) uint32 { return crc32.Update(c, castagnoli, b) }

// footer is the decoded trailer.
type footer struct {
	blockSize uint32
	dataLen   int64
}

// blocks is the number of blocks (and CRC table entries) for the data.
func (f footer) blocks() int64 { return blockCount(f.dataLen, int64(f.blockSize)) }

func blockCount(dataLen, blockSize int64) int64 { return (dataLen + blockSize - 1) / blockSize }

// fileSize is the exact length of a well-formed file with this footer.
func (f footer) fileSize() int64 { return f.dataLen + 4*f.blocks() + footerSize }

// encodeFooter appends the footer for table (the encoded CRC table) to dst.
func encodeFooter(dst []byte, f footer, table []byte) []byte {
	var b [footerSize]byte
	copy(b[0:8], magic)
	binary.LittleEndian.PutUint32(b[8:12], formatVersion)
	binary.LittleEndian.PutUint32(b[12:16], f.blockSize)
	binary.LittleEndian.PutUint64(b[16:24], uint64(f.dataLen))
	// b[24:28] reserved, zero.
	binary.LittleEndian.PutUint32(b[28:32], crcUpdate(crc(table), b[:28]))
	return append(dst, b[:]...)
}

// parseFooter checks the fixed fields of a footer read from a file of
// fileSize bytes. The CRC is checked by checkTable once the table is read.
func parseFooter(b []byte, fileSize int64) (footer, error) {
	if len(b) != footerSize || string(b[0:8]) != magic {
		return footer{}, fmt.Errorf("bad magic")
	}
	if v := binary.LittleEndian.Uint32(b[8:12]); v != formatVersion {
		return footer{}, fmt.Errorf("unknown format version %d", v)
	}
	f := footer{
		blockSize: binary.LittleEndian.Uint32(b[12:16]),
		dataLen:   int64(binary.LittleEndian.Uint64(b[16:24])),
	}
	if f.blockSize == 0 || f.blockSize > maxBlockSize {
		return footer{}, fmt.Errorf("bad block size %d", f.blockSize)
	}
	if f.dataLen < 0 || f.dataLen > fileSize || f.fileSize() != fileSize {
		return footer{}, fmt.Errorf("data length %d does not match file size %d", f.dataLen, fileSize)
	}
	return f, nil
}

// checkTable verifies the CRC stored in the footer against table+footer.
func checkTable(table, foot []byte) error {
	want := binary.LittleEndian.Uint32(foot[28:32])
	if got := crcUpdate(crc(table), foot[:28]); got != want {
		return fmt.Errorf("footer/table crc %08x, want %08x", got, want)
	}
	return nil
}

// dataLenFromFileSize inverts fileSize for the default block size, so Walk
// can report sizes without opening files. A file of impossible length
// (corrupt or of another block size) reports -1.
func dataLenFromFileSize(size int64) int64 {
	rest := size - footerSize
	if rest < 0 {
		return -1
	}
	n := (rest + BlockSize + 3) / (BlockSize + 4) // blocks
	d := rest - 4*n
	if d < 0 || blockCount(d, BlockSize) != n {
		return -1
	}
	return d
}

func corrupt(id string, off int64, format string, args ...any) error {
	return fmt.Errorf("blob/disk: %s at offset %d: %s: %w", id, off, fmt.Sprintf(format, args...), blob.ErrCorrupt)
}
