package disk

import "testing"

func TestDataLenFromFileSize(t *testing.T) {
	for d := int64(0); d < 5*BlockSize; d += 997 {
		check := func(d int64) {
			f := footer{blockSize: BlockSize, dataLen: d}
			if got := dataLenFromFileSize(f.fileSize()); got != d {
				t.Fatalf("dataLenFromFileSize(fileSize(%d)) = %d", d, got)
			}
		}
		check(d)
		check(d - d%BlockSize) // block-aligned
	}
	for _, bad := range []int64{0, 31, 33, 34, 35} {
		if got := dataLenFromFileSize(bad); got != -1 {
			t.Errorf("dataLenFromFileSize(%d) = %d, want -1", bad, got)
		}
	}
}
