package servertest_test

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tarnhq/tarn/internal/server/servertest"
)

// An empty PUT with Expect: 100-continue gets 100 Continue before its final
// status, as a non-empty one does: the AWS CLI v1 otherwise mis-reads the
// next response on the connection and stalls until its read timeout.
func TestEmptyBodyExpectContinue(t *testing.T) {
	s := servertest.Start(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	req := "PUT /bucket/empty HTTP/1.1\r\nHost: " + strings.TrimPrefix(s.URL, "http://") +
		"\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n"
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(line, "HTTP/1.1 100 ") {
		t.Fatalf("first status line %q, want 100 Continue", line)
	}
	for { // the 100 response's header block
		l, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if l == "\r\n" {
			break
		}
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode < 200 {
		t.Fatalf("final status %d", resp.StatusCode)
	}
}
